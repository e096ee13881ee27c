"""The one YAML loader (bench.spec.base) reads hostile files safely: bytes that are not
UTF-8, binary bytes, deep nesting, alias bombs, duplicate keys, oversized files; each is one
line naming the file and where, exit 2, in bounded time and memory; and every YAML file
edgebench reads goes through it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import yaml

import bench.spec.base as base
from bench.cli import cli
from bench.errors import SpecError

PACKAGE = Path(__file__).resolve().parent.parent / "bench"
PROFILE = "name: x\ncategory: pc\nworkloads: [{model: tiny_mlp}]\n"


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]"
              for i in range(1, levels)]
    return PROFILE + "\n".join(lines) + f"\nbomb: *a{levels - 1}\n"


HOSTILE: dict[str, tuple[bytes, str]] = {
    "not-utf8": (PROFILE.encode() + b'description: "caf\xe9"\n',
                 "byte offset 69: byte 0xe9 is not UTF-8"),
    "binary": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)), "byte offset 136: byte 0x80"),
    "nul-byte": (PROFILE.encode() + b"description: a\x00b\n",
                 "line 4: character U+0000 is not allowed in YAML"),
    "deep-flow": (b"name: " + b"[" * 20000 + b"]" * 20000 + b"\n",
                  "line 1: nested deeper than 64 levels"),
    "deep-mapping": (b"a: " + b"{a: " * 20000 + b"1" + b"}" * 20000 + b"\n",
                     "line 1: nested deeper than 64 levels"),
    "deep-block": (("a:\n" + "".join(" " * i + "- \n" for i in range(200))).encode(),
                   "line 65: nested deeper than 64 levels"),
    "alias-bomb": (alias_bomb().encode(), "once aliases are expanded (an alias bomb?)"),
    "merge-bomb": ((PROFILE + "b0: &b0 {x: 1, y: 2, z: 3}\n" + "".join(
        f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]\n" for i in range(1, 8))
        + "m: {<<: *b0, w: 1}\n").encode(), "once aliases are expanded"),
    "duplicate-key": (b"name: x\ncategory: pc\ncategory: phone\nworkloads: []\n",
                      "line 3: key 'category' appears twice (lines 2 and 3); YAML keys "
                      "must be unique"),
    "duplicate-nested-key": (PROFILE.encode() + b"energy_meter:\n  csv: a\n  column: w\n"
                             b"  csv: b\n", "line 7: key 'csv' appears twice (lines 5 and 7)"),
    "oversized": (b"a: " + b"x" * (base.MAX_BYTES + 10) + b"\n", "larger than 256 KiB"),
}


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(data)
    return path


@pytest.fixture(params=["libyaml", "pure"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both event sources: libyaml where PyYAML has it, and PyYAML's own parser."""
    if request.param == "libyaml" and not yaml.__with_libyaml__:
        pytest.skip("PyYAML is built without libyaml here")
    monkeypatch.setattr(base, "_Loader", base.loader_class(request.param == "libyaml"))
    return request.param


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_one_line_naming_file_and_place(case: str, tmp_path: Path,
                                                          loader: str) -> None:
    data, expected = HOSTILE[case]
    path = _write(tmp_path, case, data)
    tracemalloc.start()
    try:
        with pytest.raises(SpecError) as caught:
            base.read_mapping(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message and len(message) < 300
    assert peak < 50 * 2**20  # far below the 200 MB bar: nothing was expanded


@pytest.mark.parametrize("case", ["not-utf8", "deep-flow", "alias-bomb", "duplicate-key"])
def test_devices_validate_and_certify_refuse_it_with_exit_2(case: str, tmp_path: Path,
                                                            cli_runner) -> None:
    path = _write(tmp_path, case, HOSTILE[case][0])
    result = cli_runner.invoke(cli, ["devices", "validate", str(path)])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and HOSTILE[case][1] in result.output
    golden = Path(__file__).parent / "golden" / "report.json"
    result = cli_runner.invoke(cli, ["certify", str(golden), "--criteria", str(path),
                                     "--out", str(tmp_path / "cert.json")])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and HOSTILE[case][1] in result.output
    assert not (tmp_path / "cert.json").exists()


_CHILD = """
import json, math, resource, sys
from pathlib import Path
from bench.errors import SpecError
from bench.spec.base import read_mapping
used = resource.getrusage(resource.RUSAGE_SELF)  # the interpreter and imports so far
limit = math.ceil(used.ru_utime + used.ru_stime) + 2
resource.setrlimit(resource.RLIMIT_CPU, (limit, limit))  # SIGXCPU 2 s of CPU time later
try:
    read_mapping(Path(sys.argv[1]))
except SpecError as exc:
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across execve, so a child of a large
    # pytest process would report its parent's size; VmHWM belongs to this image alone
    hwm = next(int(line.split()[1]) for line in open("/proc/self/status")
               if line.startswith("VmHWM:"))
    print(json.dumps({"message": str(exc), "maxrss_kib": hwm}))
"""


@pytest.mark.parametrize("case", ["not-utf8", "deep-flow", "alias-bomb", "duplicate-key"])
def test_the_issue_cases_stay_within_2_s_of_cpu_and_200_mb(case: str, tmp_path: Path) -> None:
    """A resource limit, not a stopwatch: the child is killed once reading the file took
    2 s of CPU time (on top of its start and imports); its peak RSS is read back."""
    path = _write(tmp_path, case, HOSTILE[case][0])
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    out = json.loads(done.stdout)
    assert HOSTILE[case][1] in out["message"]
    assert out["maxrss_kib"] < 200 * 1024


def test_merge_keys_and_aliases_within_the_limits_still_load(tmp_path: Path,
                                                            loader: str) -> None:
    text = ("base: &b {duration_s: 1, warmup: 2}\nrun: {<<: *b, warmup: 3}\n"
            "again: *b\nlist: [&x 1, *x]\n")
    data = base.read_mapping(_write(tmp_path, "ok", text.encode()))
    assert data == {"base": {"duration_s": 1, "warmup": 2},
                    "run": {"duration_s": 1, "warmup": 3},
                    "again": {"duration_s": 1, "warmup": 2}, "list": [1, 1]}


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path, loader: str) -> None:
    assert base.read_mapping(_write(tmp_path, "bom", b"\xef\xbb\xbfa: 1\n")) == {"a": 1}


def test_the_expanded_size_counts_what_an_alias_stands_for(tmp_path: Path,
                                                          loader: str) -> None:
    """An anchor of 1 + 9 nodes used twice more counts 30: three alias levels of ten
    copies of a 10-node list is 1,000s of nodes, and a fourth level passes the limit."""
    ok = alias_bomb(levels=3, width=10)
    assert len(base.read_mapping(_write(tmp_path, "ok", ok.encode()))["bomb"]) == 10
    with pytest.raises(SpecError, match="alias bomb"):
        base.read_mapping(_write(tmp_path, "big", alias_bomb(levels=5, width=10).encode()))


def test_validation_errors_are_few_lines_and_never_echo_a_huge_value(tmp_path: Path) -> None:
    from bench.spec.profiles import read_profile

    many = "name: x\ncategory: tv\nworkloads: [" + ", ".join(
        f"{{model: m, scenario: s{i}}}" for i in range(20)) + "]\n"
    with pytest.raises(SpecError) as caught:
        read_profile(_write(tmp_path, "many", many.encode()))
    lines = str(caught.value).splitlines()
    assert len(lines) == base.MAX_PROBLEMS + 1 and lines[-1].endswith("more problems")
    huge = f"name: x\ncategory: {'y' * 5000}\nworkloads: [{{model: m}}]\n"
    with pytest.raises(SpecError) as caught:
        read_profile(_write(tmp_path, "huge", huge.encode()))
    assert len(str(caught.value)) < 300


def test_every_yaml_file_goes_through_the_one_loader() -> None:
    """No module but bench/spec/base.py calls yaml's loaders (dumping is fine)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "spec" / "base.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id == "yaml" and "load" in node.attr):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} yaml.{node.attr}")
    assert offenders == []
