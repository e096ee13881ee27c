"""The device profile schema and its loader: every kind of bad input gives a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import SpecError
from bench.spec.device import DeviceProfile, parse_size
from bench.spec.profiles import read_profile, validate_files

GOOD = """\
name: lab-board
category: wearable
execution_providers:
  - {name: tensorrt, fp16: true, device_id: 1}
  - {name: cpu}
fallback: forbid
threads: {intra_op: 2, inter_op: 1}
cores: [0]
memory_limit: 256MiB
workloads:
  - {model: tiny_cnn, settings: {min_queries: 50, shapes: {x: [1, 3, 8, 8]}}}
  - {model: tiny_mlp, quick: false}
criteria: wearable
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def test_a_full_profile_loads_with_typed_fields(tmp_path: Path) -> None:
    profile = read_profile(write(tmp_path, "lab-board", GOOD))
    assert profile.execution_providers[0].name == "tensorrt"
    assert profile.execution_providers[0].fp16 is True
    assert profile.execution_providers[0].device_id == 1
    assert profile.intra_op_threads() == 2 and profile.inter_op_threads() == 1
    assert profile.memory_limit == 256 * 2**20
    assert [w.model for w in profile.quick_workloads()] == ["tiny_cnn"]
    assert profile.workloads[0].settings.shapes == {"x": (1, 3, 8, 8)}


@pytest.mark.parametrize(("text", "size"), [
    (512, 512), ("512MB", 512 * 10**6), ("2GiB", 2 * 2**30), ("1.5G", 1_500_000_000),
    ("64 KiB", 65536), ("100", 100),
])
def test_sizes_are_parsed(text: int | str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["lots", "0", "-5MB", "12 parsecs"])
def test_bad_sizes_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)


def test_plain_thread_count_is_intra_op(tmp_path: Path) -> None:
    profile = read_profile(write(tmp_path, "p", "name: p\ncategory: pc\nthreads: 3\n"
                                               "workloads: [{model: tiny_cnn}]\n"))
    assert profile.intra_op_threads() == 3 and profile.inter_op_threads() is None


@pytest.mark.parametrize(("text", "expected"), [
    ("name: p\ncategory: pc\nworkloads: [{model: tiny_cnn}\n",
     "p.yaml: line 4, column 1: YAML error"),
    ("name: p\ncategory: pc\nthreds: 2\nworkloads: [{model: tiny_cnn}]\n",
     "p.yaml: threds: unknown field (did you mean 'threads'?)"),
    ("name: p\ncategory: pc\nworkloads: [{model: tiny_cnn, quik: true}]\n",
     "workloads.0.quik: unknown field (did you mean 'quick'?)"),
    ("name: p\ncategory: pc\nthreads: many\nworkloads: [{model: tiny_cnn}]\n",
     "p.yaml: threads"),
    ("name: p\ncategory: toaster\nworkloads: [{model: tiny_cnn}]\n",
     "p.yaml: category: Input should be 'phone', 'pc', 'wearable' or 'all-in-one', "
     "not 'toaster'"),
    ("name: p\ncategory: pc\nexecution_providers: [{name: cuda, device_id: gpu0}]\n"
     "workloads: [{model: tiny_cnn}]\n",
     "execution_providers.0.cuda.device_id: Input should be a valid integer"),
    ("name: p\ncategory: pc\nexecution_providers: [{name: warp-drive}]\n"
     "workloads: [{model: tiny_cnn}]\n",
     "execution_providers.0: Input tag 'warp-drive' found using 'name' does not match"),
    ("name: p\ncategory: pc\nworkloads: !!python/object/apply:os.system [echo pwned]\n",
     "tags such as !!python/object are refused"),
])
def test_bad_profiles_name_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SpecError) as caught:
        read_profile(write(tmp_path, "p", text))
    assert expected in str(caught.value)


def test_a_python_tag_is_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"name: p\ncategory: pc\nworkloads: !!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(SpecError):
        read_profile(write(tmp_path, "p", text))
    assert not marker.exists()


def test_extends_takes_the_parent_and_overrides_fields(tmp_path: Path) -> None:
    write(tmp_path, "base", GOOD.replace("lab-board", "base"))
    child = write(tmp_path, "child", "name: child\nextends: base\ncores: [1]\nfallback: allow\n")
    profile = read_profile(child)
    assert profile.name == "child" and profile.extends == "base"
    assert profile.cores == [1] and profile.fallback == "allow"
    assert profile.category == "wearable" and len(profile.workloads) == 2


def test_extends_a_builtin_by_name(tmp_path: Path) -> None:
    child = write(tmp_path, "mine", "name: mine\nextends: host\nthreads: 1\n")
    profile = read_profile(child)
    assert [w.model for w in profile.workloads] == ["tiny_cnn", "tiny_mlp", "tiny_text"]
    assert profile.threads == 1


def test_an_extends_cycle_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a", "name: a\nextends: b\ncategory: pc\nworkloads: [{model: tiny_cnn}]\n")
    write(tmp_path, "b", "name: b\nextends: c.yaml\n")
    write(tmp_path, "c", "name: c\nextends: a\n")
    with pytest.raises(SpecError, match=r"extends: cycle a.yaml -> b.yaml -> c.yaml -> a.yaml"):
        read_profile(tmp_path / "a.yaml")


def test_extends_an_unknown_profile(tmp_path: Path) -> None:
    path = write(tmp_path, "a", "name: a\nextends: ai-phon\n")
    with pytest.raises(SpecError, match=r"extends: no profile 'ai-phon' \(did you mean 'ai-phone'"):
        read_profile(path)


def test_validate_reports_every_error_in_every_file(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", "name: bad\ncategory: phne\nthreds: 2\n"
                                 "workloads: [{model: tiny_cnnn}, {model: tiny_mlp}]\n")
    missing = write(tmp_path, "missing", "name: missing\ncategory: pc\n"
                                         "workloads: [{model: tiny_mlp}, {model: no_such}]\n")
    good = write(tmp_path, "good", "name: good\ncategory: pc\nworkloads: [{model: tiny_cnn}]\n")
    errors = validate_files([bad, missing, good])
    text = "\n".join(errors)
    assert "bad.yaml: category:" in text
    assert "bad.yaml: threds: unknown field (did you mean 'threads'?)" in text
    assert "bad.yaml: workloads.0.model: unknown model 'tiny_cnnn' (did you mean 'tiny_cnn'?)" \
        in text
    assert "missing.yaml: workloads.1.model: unknown model 'no_such'" in text
    assert "good.yaml" not in text


def test_the_schema_is_frozen_and_closed() -> None:
    assert DeviceProfile.model_config["extra"] == "forbid"
    assert DeviceProfile.model_config["frozen"] is True
