"""Spec parsing: flags and files, with errors that name the flag, file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.errors import InputError, SpecError
from bench.spec import DeviceProfile, ModelSpec, RunSettings, load_spec, parse_shapes, parse_values


def test_parse_shapes() -> None:
    assert parse_shapes(["x=1,3,224,224", "ids = 2,16"]) == {"x": (1, 3, 224, 224),
                                                             "ids": (2, 16)}
    assert parse_shapes(["sr=scalar"]) == {"sr": ()}


@pytest.mark.parametrize("bad, needle", [
    ("x", "NAME=VALUE"),
    ("x=", "NAME=VALUE"),
    ("=1,2", "NAME=VALUE"),
    ("x=1,a", "integers"),
    ("x=1,0,3", "positive"),
    ("x=-1", "positive"),
])
def test_parse_shapes_errors(bad: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as info:
        parse_shapes([bad])
    assert "--shape" in str(info.value)


def test_parse_values() -> None:
    assert parse_values(["sr=16000", "t=0.5"]) == {"sr": 16000.0, "t": 0.5}
    with pytest.raises(InputError, match="'abc' is not a number"):
        parse_values(["sr=abc"])


def test_quick_settings_follow_mlperf_mobile() -> None:
    quick = RunSettings.quick()
    assert (quick.duration_s, quick.min_queries, quick.max_duration_s) == (10.0, 128, 60.0)
    assert RunSettings.quick(duration_s=1.0).duration_s == 1.0


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("name: x\ncategory: [pc\n")
    with pytest.raises(SpecError, match=r"p\.yaml: line \d+, column \d+"):
        load_spec(path, DeviceProfile)


def test_unknown_field_named(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("name: m\ntask: t\ncategories: [pc]\nsource: {builder: tiny_cnn}\n"
                    "sise: small\n")
    with pytest.raises(SpecError, match=r"m\.yaml: sise: unknown field"):
        load_spec(path, ModelSpec)


def test_wrong_category_named(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("name: d\ncategory: toaster\nworkloads: [{model: tiny_cnn}]\n")
    with pytest.raises(SpecError, match=r"d\.yaml: category:"):
        load_spec(path, DeviceProfile)


def test_python_tags_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(SpecError, match="YAML error"):
        load_spec(path, DeviceProfile)


def test_non_mapping_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(SpecError, match="mapping"):
        load_spec(path, DeviceProfile)
