"""The bad-input corpus: hostile and broken input for every command and every file format
edgebench reads (flags, profiles, plans, criteria, manifests, reports, keys, catalogs,
history databases, ONNX files), one case a test id.

Every case asserts the documented exit code (2 bad input; 1 a run failed, or a report was
changed after writing or its signature does not hold), no traceback, at most 6 lines of
output, no repr of an internal object (``<... object at 0x...>``) and nothing left behind:
the output folder stays absent or empty and the inputs are unchanged. Most cases run
through click's CliRunner; those marked ``subprocess`` run the real ``edgebench`` binary.
Cases whose fix belongs to another part of the work are ``xfail(strict=True)`` naming who
fixes them, so they flip to a failure (and get unmarked) when the fix lands.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from bench.cli import cli
from bench.result.contract import load_report, render_json, seal
from bench.result.models import SCHEMA_VERSION
from tests.mounts import Tmpfs
from tests.onnx_files import dynamic_conv

GOLDEN = Path(__file__).parent / "golden" / "report.json"
BIN = Path(sys.executable).with_name("edgebench")
FAST = ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]
REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>")
MAX_LINES = 6

OK_PROFILE = "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp}]\n"
OK_PLAN = "profiles: [host]\nmodels: [tiny_mlp]\nsettings: {duration_s: 0.05, min_queries: 5}\n"


def _alias_bomb(head: str) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return head + "\n".join(lines) + "\nbomb: *a8\n"


# The hostile YAML shapes, for every YAML format edgebench reads.
def hostile_yaml(good: str) -> dict[str, bytes]:
    return {
        "not-utf8": good.encode() + b'description: "caf\xe9"\n',
        "binary": b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)),
        "nul": good.encode() + b"description: a\x00b\n",
        "deep-20000": b"name: " + b"[" * 20000 + b"]" * 20000 + b"\n",
        "alias-bomb": _alias_bomb(good).encode(),
        "duplicate-key": good.encode() + good.splitlines()[0].encode() + b"\n",
        "oversized": b"description: " + b"x" * (300 << 10) + b"\n",
        "empty": b"",
        "top-level-list": b"- a\n- b\n",
        "top-level-scalar": b"just words\n",
        "syntax-error": b"name: [unclosed\n",
        "two-documents": good.encode() + b"---\n" + good.encode(),
        "python-tag": b"name: !!python/object/apply:os.system ['true']\n",
        "tab-indent": b"name: x\n\tcategory: pc\n",
    }


PROFILES: dict[str, str | bytes] = {
    **{f"yaml-{k}": v for k, v in hostile_yaml(OK_PROFILE).items()},
    "unknown-field": OK_PROFILE + "categroy: pc\n",
    "bad-category": "name: p\ncategory: toaster\nworkloads: [{model: tiny_mlp}]\n",
    "bad-name": "name: 'Bad Name!'\ncategory: pc\nworkloads: [{model: tiny_mlp}]\n",
    "no-workloads": "name: p\ncategory: pc\n",
    "empty-workloads": "name: p\ncategory: pc\nworkloads: []\n",
    "unknown-model": "name: p\ncategory: pc\nworkloads: [{model: tiny_mpl}]\n",
    "server-workload": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, scenario: server}]\n",
    "bad-scenario": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, scenario: fast}]\n",
    "workload-duration-inf": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, "
                             "settings: {duration_s: .inf}}]\n",
    "workload-duration-nan": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, "
                             "settings: {duration_s: .nan}}]\n",
    "workload-threads-int32": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, "
                              "settings: {threads: 2147483648}}]\n",
    "workload-warmup-huge": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, "
                            "settings: {warmup: 1000000000000}}]\n",
    "workload-min-queries-0": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, "
                              "settings: {min_queries: 0}}]\n",
    "workload-value-nan": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, "
                          "settings: {values: {x: .nan}}}]\n",
    "workload-unknown-setting": "name: p\ncategory: pc\nworkloads: [{model: tiny_mlp, "
                                "settings: {target_qps: 10}}]\n",
    "threads-int32": OK_PROFILE + "threads: 2147483648\n",
    "threads-zero": OK_PROFILE + "threads: {intra_op: 0}\n",
    "inter-op-huge": OK_PROFILE + "threads: {intra_op: 1, inter_op: 99999999999}\n",
    "memory-limit-words": OK_PROFILE + "memory_limit: lots\n",
    "memory-limit-zero": OK_PROFILE + "memory_limit: 0\n",
    "no-providers": OK_PROFILE + "execution_providers: []\n",
    "unknown-provider": OK_PROFILE + "execution_providers: [{name: warp-drive}]\n",
    "cuda-device-int32": OK_PROFILE + "execution_providers: [{name: cuda, "
                                      "device_id: 2147483648}]\n",
    "xnnpack-threads-huge": OK_PROFILE + "execution_providers: [{name: xnnpack, "
                                         "intra_op_num_threads: 2147483648}]\n",
    "meter-interval-inf": OK_PROFILE + "energy_meter: {csv: m.csv, interval_s: .inf}\n",
    "bad-precision": OK_PROFILE + "precisions: [fp64]\n",
    "extends-missing": OK_PROFILE + "extends: no-such-profile\n",
    "extends-self": "extends: extends-self.yaml\n" + OK_PROFILE,
    "bad-collector": OK_PROFILE + "collectors: [vibes]\n",
    "category-twice": "name: p\ncategory: pc\ncategory: phone\nworkloads: [{model: tiny_mlp}]\n",
}

PLANS: dict[str, str | bytes] = {
    **{f"yaml-{k}": v for k, v in hostile_yaml(OK_PLAN).items()},
    "server-scenario": "profiles: [host]\nscenarios: [server]\n",
    "server-scenario-models": "profiles: [host]\nmodels: [tiny_mlp]\nscenarios: [server]\n",
    "bad-scenario": "profiles: [host]\nscenarios: [fastest]\n",
    "no-profiles": "profiles: []\n",
    "unknown-profile": "profiles: [hots]\n",
    "unknown-model": "profiles: [host]\nmodels: [tiny_mpl]\n",
    "missing-onnx": "profiles: [host]\nmodels: [missing.onnx]\n",
    "bad-precision": "profiles: [host]\nmodels: [tiny_mlp]\nprecisions: [fp64]\n",
    "repeats-zero": OK_PLAN + "repeats: 0\n",
    "repeats-huge": OK_PLAN + "repeats: 1000000000000\n",
    "timeout-inf": OK_PLAN + "timeout_s: .inf\n",
    "timeout-zero": OK_PLAN + "timeout_s: 0\n",
    "settings-duration-inf": "profiles: [host]\nsettings: {duration_s: .inf}\n",
    "settings-threads-int32": "profiles: [host]\nsettings: {threads: 2147483648}\n",
    "settings-warmup-huge": "profiles: [host]\nsettings: {warmup: 1000000000000}\n",
    "settings-unknown": "profiles: [host]\nsettings: {duraton_s: 1}\n",
    "bad-name": OK_PLAN + "name: ../../etc\n",
    "run-twice": "profiles: [host]\nmodels: [tiny_mlp, tiny_mlp]\n",
    "bad-profile-file": "profiles: [bad-profile.yaml]\nmodels: [tiny_mlp]\n",
}

OK_CRITERIA = ("category: pc\ntiers:\n  - name: t\n    criteria:\n      - {metric: latency_p90, "
               "op: '<=', threshold: 50, unit: ms}\n")
CRITERIA: dict[str, str | bytes] = {
    **{f"yaml-{k}": v for k, v in hostile_yaml(OK_CRITERIA).items()},
    "unknown-metric": OK_CRITERIA.replace("latency_p90", "latency_p91"),
    "unit-mismatch": OK_CRITERIA.replace("unit: ms", "unit: GiB"),
    "no-tiers": "category: pc\ntiers: []\n",
    "tier-twice": OK_CRITERIA + OK_CRITERIA.split("tiers:\n")[1],
    "other-category": OK_CRITERIA.replace("category: pc", "category: phone"),
    "threshold-words": OK_CRITERIA.replace("threshold: 50", "threshold: fifty"),
    "bad-op": OK_CRITERIA.replace("'<='", "'~'"),
    "unknown-field": OK_CRITERIA + "colour: red\n",
}

OK_MANIFEST = ("name: mine\ntask: classification\ncategories: [pc]\nsource: {builder: tiny_mlp}\n"
               "inputs:\n  - name: x\n    dims: {batch: 1}\n")
MANIFESTS: dict[str, str | bytes] = {
    **{f"yaml-{k}": v for k, v in hostile_yaml(OK_MANIFEST).items()},
    "unknown-field": OK_MANIFEST + "colour: red\n",
    "unknown-builder": OK_MANIFEST.replace("builder: tiny_mlp", "builder: nope"),
    "bad-category": OK_MANIFEST.replace("categories: [pc]", "categories: [toaster]"),
    "missing-file-source": OK_MANIFEST.replace("{builder: tiny_mlp}", "{file: nowhere.onnx}"),
}


def _golden() -> dict:
    return json.loads(GOLDEN.read_text())


def _current() -> bytes:
    """The golden report as this version writes it (so its bytes are checked too)."""
    return render_json(seal(load_report(GOLDEN).model_copy(
        update={"schema_version": SCHEMA_VERSION})))


def _edit(change: Callable[[dict], object]) -> bytes:
    data = _golden()
    change(data)
    return json.dumps(data, indent=2).encode()


REPORTS: dict[str, Callable[[], bytes]] = {
    "not-json": lambda: b"this is not json\n",
    "empty": lambda: b"",
    "list": lambda: b"[]\n",
    "truncated": lambda: GOLDEN.read_bytes()[: len(GOLDEN.read_bytes()) // 2],
    "not-utf8": lambda: b'{"run_id": "\xff\xfe"}',
    "deep-json": lambda: b"[" * 100000 + b"]" * 100000,
    "major-2": lambda: _edit(lambda d: d.update(schema_version="2.0.0")),
    "bad-version": lambda: _edit(lambda d: d.update(schema_version="one")),
    "unknown-field": lambda: _edit(lambda d: d.update(colour="red")),
    "wrong-type": lambda: _edit(lambda d: d["host"].update(logical_cores="2")),
    "missing-field": lambda: _edit(lambda d: d.pop("run_id")),
    "tampered": lambda: _edit(lambda d: d["results"][0]["samples_ns"].__setitem__(0, 1)),
    "reindented": lambda: json.dumps(json.loads(_current()), indent=4).encode(),
}
# reports a command refuses as changed after writing: exit 1 (IntegrityError)
CHANGED = {"tampered", "reindented"}


def _external_data_missing(folder: Path) -> Path:
    weights = numpy_helper.from_array(np.ones((64, 64), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "ext",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64])], [weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = folder / "ext.onnx"
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="ext.onnx.data", size_threshold=0)
    (folder / "ext.onnx.data").unlink()
    return path


def _tiny_onnx(folder: Path) -> bytes:
    path = dynamic_conv(folder / "_whole.onnx")
    data = path.read_bytes()
    path.unlink()
    return data


def _key(folder: Path) -> Path:
    from bench.lab.catalog import signing

    path = folder / "lab.key"
    return path if path.exists() else signing.generate_keys(path).private


def _catalog(folder: Path) -> Path:
    from bench.lab.catalog.store import Catalog

    with Catalog.open(folder / "cat.sqlite") as cat:
        cat.add(load_report(GOLDEN))
    return folder / "cat.sqlite"


def _history(folder: Path) -> Path:
    from bench.ci.history import add_report

    add_report(folder / "h.sqlite", load_report(GOLDEN), "abc123")
    return folder / "h.sqlite"


def _signed(folder: Path, tamper: bool = False) -> Path:
    from bench.lab.catalog import signing

    key = signing.load_private_key(Path(_key(folder)))
    signed = signing.sign_report(load_report(GOLDEN), key)
    data = render_json(signed)
    if tamper:
        doc = json.loads(data)
        doc["signature"]["signature"] = "AAAA" + doc["signature"]["signature"][4:]
        data = render_json(load_report_from(doc))
    path = folder / ("tampered-sig.json" if tamper else "signed.json")
    path.write_bytes(data)
    return path


def load_report_from(doc: dict):
    from bench.result.contract import validate_document

    return validate_document(doc, "doc")


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "golden": lambda d: Path(shutil.copy(GOLDEN, d / "report.json")),
    "afile": lambda d: _write(d / "a-file", b"a regular file\n"),
    "empty_onnx": lambda d: _write(d / "empty.onnx", b""),
    "garbage_onnx": lambda d: _write(d / "garbage.onnx", bytes(range(256)) * 16),
    "text_onnx": lambda d: _write(d / "text.onnx", b"hello, I am not a model\n"),
    "truncated_onnx": lambda d: _write(d / "truncated.onnx", _tiny_onnx(d)[:200]),
    "dir_onnx": lambda d: _mkdir(d / "folder.onnx"),
    "ext_missing_onnx": _external_data_missing,
    "dynamic_onnx": lambda d: dynamic_conv(d / "dynamic.onnx"),
    "key": _key,
    "pub": lambda d: Path(str(_key(d)) + ".pub"),
    "notpem": lambda d: _write(d / "not.pem", b"-----BEGIN NOTHING-----\nabc\n"),
    "binary_key": lambda d: _write(d / "binary.key", bytes(range(256))),
    "catalog": _catalog,
    "history": _history,
    "text_db": lambda d: _write(d / "text.sqlite", b"not a database at all\n" * 100),
    "dir_db": lambda d: _mkdir(d / "db-folder"),
    "signed": lambda d: _signed(d),
    "tampered_sig": lambda d: _signed(d, tamper=True),
    "bad_profile_for_plan": lambda d: _write(d / "bad-profile.yaml", b"name: [\n"),
    "good_plan": lambda d: _write(d / "good-plan.yaml", OK_PLAN.encode()),
    "formula_report": lambda d: _write(d / "formula.json", _formula_report()),
    "formula_catalog": lambda d: _formula_catalog(d),
    "one_result": lambda d: _write(d / "one.json", _one_result()),
}

LINK = '=HYPERLINK("http://x","y")'
ONE_CHANGE = {"provider": {"provider": "CUDAExecutionProvider"},
              **{k: {"settings": {k: v}} for k, v in (
                  ("concurrency", 4), ("batch", 8), ("target_qps", 100.0),
                  ("samples_per_query", 8), ("latency_bound_ms", 5.0), ("prompt_length", 64),
                  ("new_tokens", 16), ("backend", "mlperf"))}}


def _one_result(change: str | None = None) -> bytes:
    report = load_report(GOLDEN)
    result = report.results[0]
    update = dict(ONE_CHANGE[change]) if change else {}
    if "settings" in update:
        update["settings"] = result.settings.model_copy(update=update["settings"])
    return render_json(seal(report.model_copy(update={"results": [
        result.model_copy(update=update)]})))


def _formula_report() -> bytes:
    report = load_report(GOLDEN)
    result = report.results[0].model_copy(update={"model": LINK})
    return render_json(seal(report.model_copy(update={"results": [result]})))


def _formula_catalog(folder: Path) -> Path:
    from bench.lab.catalog.store import Catalog
    from bench.result.models import DeviceInfo

    report = load_report(GOLDEN).model_copy(update={
        "device": DeviceInfo(name=LINK, category="pc", profile="built-in")})
    with Catalog.open(folder / "formula.sqlite") as cat:
        cat.add(seal(report))
    return folder / "formula.sqlite"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _mkdir(path: Path) -> Path:
    path.mkdir()
    return path


class Inputs(dict):
    """Files a case names, made on first use in the case's own folder: ``{golden}``,
    ``{profile@NAME}``, ``{plan@NAME}``, ``{criteria@NAME}``, ``{manifest@NAME}``,
    ``{report@NAME}``, ``{out}`` (the output folder, never made)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(out=str(folder / "out"), dir=str(folder))
        self.folder = folder
        self.mounts: list[Tmpfs] = []

    def close(self) -> None:
        for mount in self.mounts:
            mount.unmount()

    def __missing__(self, key: str) -> str:
        if key in ("ro", "full"):  # a read-only tmpfs, or one filled to the brim
            mount = Tmpfs(self.folder / key, "256k")
            self.mounts.append(mount)
            mount.read_only() if key == "ro" else mount.fill()
            self[key] = str(mount.path)
            return self[key]
        kind, _, name = key.partition("@")
        tables = {"profile": PROFILES, "plan": PLANS, "criteria": CRITERIA,
                  "manifest": MANIFESTS}
        if kind in tables:
            content = tables[kind][name]
            if kind == "plan" and name == "bad-profile-file":
                BUILDERS["bad_profile_for_plan"](self.folder)
            data = content if isinstance(content, bytes) else content.encode()
            path = _write(self.folder / f"{name}.yaml", data)
        elif kind == "report":
            path = _write(self.folder / f"{name}.json", REPORTS[name]())
        elif kind == "one_result":
            path = _write(self.folder / f"one-{name}.json", _one_result(name))
        else:
            path = BUILDERS[key](self.folder)
        self[key] = str(path)
        return str(path)


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int = 2
    says: str | None = None  # a fragment the output must contain
    subprocess: bool = False
    xfail: str | None = None
    marks: tuple = field(default=())


CASES: list[Case] = []


def case(id: str, *args: str, code: int = 2, says: str | None = None, real: bool = False,
         xfail: str | None = None) -> None:
    CASES.append(Case(id, args, code, says, real, xfail))


# --- run: numeric flags, sizes past the machine, scenario flags ------------------------------
RUN = ("run", "tiny_mlp", *FAST, "--out", "{out}")
for flag, value, says in [
    ("--duration", "inf", "finite"), ("--duration", "nan", "finite"),
    ("--duration", "-inf", "finite"), ("--duration", "0", "positive"),
    ("--duration", "-1", "positive"), ("--duration", "1e300", "a week"),
    ("--duration", "abc", "not a valid float"), ("--max-duration", "inf", "finite"),
    ("--max-duration", "0", "positive"), ("--max-duration", "1e9", "a week"),
    ("--min-queries", "0", "--min-queries"), ("--min-queries", "-5", "--min-queries"),
    ("--min-queries", "99999999999999999999", "less than or equal to"),
    ("--min-queries", "1.5", "integer"),
    ("--warmup", "-1", "--warmup"), ("--warmup", "1000000000000", "available"),
    ("--threads", "0", "--threads"), ("--threads", "2147483648", "at most"),
    ("--threads", "99999999999999999999", "at most"), ("--threads", "-1", "--threads"),
    ("--threads", "two", "integer"), ("--seed", "-1", "--seed"), ("--seed", "x", "integer"),
    ("--precision", "fp64", "fp64"), ("--scenario", "fastest", "fastest"),
    ("--loadgen", "turbo", "turbo"), ("--ci-target", "0", "--ci-target"),
    ("--ci-target", "1", "--ci-target"), ("--ci-target", "nan", "--ci-target"),
    ("--ci-target", "2", "--ci-target"), ("--sustained", "inf", "finite"),
    ("--sustained", "0", "positive"), ("--new-tokens", "0", "--new-tokens"),
    ("--new-tokens", "1000000000000", "32-bit"), ("--concurrency", "many", "--concurrency"),
    ("--concurrency", "1.5", "--concurrency"), ("--concurrency", "auto", "offline"),
    ("--batch", "4", "offline"), ("--target-qps", "10", "server"),
    ("--latency-bound-ms", "5", "server"), ("--prompt-length", "10", "token-generation"),
]:
    case(f"run {flag} {value}", *RUN, flag, value, says=says)
case("run --find-max-qps single-stream", *RUN, "--find-max-qps", says="server")
case("run --sustained with --ci-target", *RUN, "--sustained", "10", "--ci-target", "0.1",
     says="exclude each other")
case("run --reference without --check-outputs", *RUN, "--reference", "{golden}",
     says="--check-outputs")
case("run --check-outputs --reference missing", *RUN, "--check-outputs", "--reference",
     "{dir}/missing.onnx", says="no such file")
case("run --unknown-flag", *RUN, "--turbo", says="No such option")

SCENARIO = {"offline": ("--scenario", "offline"), "multi": ("--scenario", "multi-stream"),
            "server": ("--scenario", "server")}
for name, extra, says in [
    ("offline --batch 10^12", (*SCENARIO["offline"], "--batch", "1000000000000"), "32-bit"),
    ("offline --batch 10^8", (*SCENARIO["offline"], "--batch", "100000000"),
     "its inputs would take"),
    ("offline --batch 0", (*SCENARIO["offline"], "--batch", "0"), "--batch"),
    ("offline --concurrency 10^12", (*SCENARIO["offline"], "--concurrency", "1000000000000"),
     "at most"),
    ("offline --concurrency 0", (*SCENARIO["offline"], "--concurrency", "0"), "--concurrency"),
    ("offline --concurrency -3", (*SCENARIO["offline"], "--concurrency", "-3"),
     "--concurrency"),
    ("multi-stream --samples-per-query 10^12",
     (*SCENARIO["multi"], "--samples-per-query", "1000000000000"), "32-bit"),
    ("multi-stream --samples-per-query 10^8",
     (*SCENARIO["multi"], "--samples-per-query", "100000000"), "its inputs would take"),
    ("multi-stream --samples-per-query 0", (*SCENARIO["multi"], "--samples-per-query", "0"),
     "--samples-per-query"),
    ("server without --target-qps", SCENARIO["server"], "--target-qps"),
    ("server --target-qps 0", (*SCENARIO["server"], "--target-qps", "0"), "positive"),
    ("server --target-qps -1", (*SCENARIO["server"], "--target-qps", "-1"), "positive"),
    ("server --target-qps inf", (*SCENARIO["server"], "--target-qps", "inf"), "finite"),
    ("server --target-qps nan", (*SCENARIO["server"], "--target-qps", "nan"), "finite"),
    ("server --target-qps 1e12", (*SCENARIO["server"], "--target-qps", "1e12"), "schedules"),
    ("server --find-max-qps without a bound", (*SCENARIO["server"], "--find-max-qps"),
     "--latency-bound-ms"),
    ("server --latency-bound-ms nan",
     (*SCENARIO["server"], "--target-qps", "10", "--latency-bound-ms", "nan"), "finite"),
    ("server --latency-bound-ms 0",
     (*SCENARIO["server"], "--target-qps", "10", "--latency-bound-ms", "0"), "positive"),
    ("token-generation on a non-decoder", ("--scenario", "token-generation"), "decoder"),
    ("token-generation --prompt-length 10^12",
     ("--scenario", "token-generation", "--prompt-length", "1000000000000"), "32-bit"),
    ("mlperf loadgen token-generation", ("--loadgen", "mlperf", "--scenario",
                                         "token-generation"), "token-generation"),
]:
    case(f"run {name}", *RUN, *extra, says=says)

# --shape and --value
for value, says in [
    ("x=99999999999,512", "its inputs would take"), ("x=0,512", "positive"),
    ("x=-1,512", "positive"), ("x=a,b", "integers"), ("x", "NAME=VALUE"), ("=1,2", "NAME=VALUE"),
    ("nosuch=1,512", "has no input"), ("x=1,2,3", "rank"), ("x=2,100", "fixes it at 512"),
    ("x=9223372036854775808,512", "at most"), ("x=1e3,512", "integers"),
]:
    case(f"run --shape {value}", *RUN, "--shape", value, says=says)
for value, says in [("x=nan", "finite"), ("x=inf", "finite"), ("x=abc", "not a number"),
                    ("nosuch=1", "has no input"), ("novalue", "NAME=VALUE")]:
    case(f"run --value {value}", *RUN, "--value", value, says=says)

# models and devices by name
case("run unknown model", "run", "tiny_mpl", *FAST, "--out", "{out}", says="tiny_mlp")
case("run missing onnx", "run", "{dir}/missing.onnx", *FAST, "--out", "{out}")
case("run unknown device", "run", "--device", "hots", *FAST, "--out", "{out}", says="host")
case("run missing device file", "run", "--device", "{dir}/nope.yaml", *FAST, "--out", "{out}",
     says="no such device profile")
case("run --emulate without a profile's limits", "run", "tiny_mlp", "--emulate", "--device",
     "{profile@threads-zero}", *FAST, "--out", "{out}")

# --- ONNX files --------------------------------------------------------------------------
for key in ("empty_onnx", "garbage_onnx", "text_onnx", "truncated_onnx", "dir_onnx",
            "ext_missing_onnx"):
    case(f"run {key}", "run", f"{{{key}}}", *FAST, "--out", "{out}")
case("run dynamic onnx without --shape", "run", "{dynamic_onnx}", *FAST, "--out", "{out}",
     says="--shape")
case("run dynamic onnx --batch on single-stream", "run", "{dynamic_onnx}", "--shape",
     "x=1,3,8,8", "--batch", "2", *FAST, "--out", "{out}", says="offline")
case("run dynamic onnx huge shape", "run", "{dynamic_onnx}", "--shape",
     "x=100000,3,100000,100", *FAST, "--out", "{out}", says="its inputs would take")
for key in ("garbage_onnx", "text_onnx", "truncated_onnx", "dir_onnx"):
    case(f"models inspect {key}", "models", "inspect", f"{{{key}}}")
case("models inspect empty.onnx", "models", "inspect", "{empty_onnx}")
case("models inspect missing external data", "models", "inspect", "{ext_missing_onnx}")
case("models inspect missing file", "models", "inspect", "{dir}/missing.onnx")
case("models inspect bad --dim", "models", "inspect", "{dynamic_onnx}", "--dim", "N")
case("models show unknown", "models", "show", "tiny_mpl", says="tiny_mlp")
case("models build unknown", "models", "build", "tiny_mpl", says="tiny_mlp")
case("models build bad precision", "models", "build", "tiny_mlp", "--precision", "fp64")
case("models list bad category", "models", "list", "--category", "toaster")

# --- manifests ---------------------------------------------------------------------------
for name in MANIFESTS:
    case(f"manifest {name}: run", "run", f"{{manifest@{name}}}", *FAST, "--out", "{out}")
for name in ("yaml-not-utf8", "yaml-alias-bomb", "yaml-duplicate-key", "unknown-field"):
    case(f"manifest {name}: models show", "models", "show", f"{{manifest@{name}}}")
case("manifest missing file", "run", "{dir}/mine.yaml", *FAST, "--out", "{out}",
     says="no such")

# --- device profiles ---------------------------------------------------------------------
ISSUE_PROFILE_SAYS = {"server-workload": "--target-qps", "yaml-duplicate-key": "appears twice",
                      "category-twice": "key 'category' appears twice (lines 2 and 3)",
                      "yaml-not-utf8": "byte offset", "yaml-deep-20000": "nested deeper",
                      "yaml-alias-bomb": "alias bomb", "unknown-field": "category"}
for name in PROFILES:
    case(f"profile {name}: devices validate", "devices", "validate", f"{{profile@{name}}}",
         says=ISSUE_PROFILE_SAYS.get(name))
for name in ("yaml-not-utf8", "yaml-deep-20000", "yaml-alias-bomb", "yaml-duplicate-key",
             "server-workload", "workload-duration-inf", "threads-int32",
             "workload-threads-int32", "unknown-model", "extends-self"):
    case(f"profile {name}: run --device", "run", "--device", f"{{profile@{name}}}", *FAST,
         "--out", "{out}")
case("devices show unknown", "devices", "show", "hots", says="host")
case("devices validate missing file", "devices", "validate", "{dir}/none.yaml")
case("devices detect --write existing", "devices", "detect", "--write", "{golden}",
     says="exists")

# --- batch plans -------------------------------------------------------------------------
PLAN_SAYS = {"server-scenario": "--target-qps", "yaml-duplicate-key": "appears twice"}
for name in PLANS:
    case(f"plan {name}: batch --dry-run", "batch", f"{{plan@{name}}}", "--dry-run",
         says=PLAN_SAYS.get(name))
for name in ("server-scenario", "yaml-not-utf8", "repeats-huge", "timeout-inf",
             "settings-threads-int32", "unknown-model"):
    case(f"plan {name}: batch --out", "batch", f"{{plan@{name}}}", "--out", "{out}")
case("batch missing plan", "batch", "{dir}/none.yaml", "--dry-run")
case("batch --retries without ray", "batch", "{plan@server-scenario}", "--retries", "x")
case("batch unknown executor", "batch", "{plan@server-scenario}", "--executor", "cloud")

# --- criteria ----------------------------------------------------------------------------
CRITERIA_SAYS = {"yaml-not-utf8": "byte offset", "unknown-metric": "latency_p90"}
for name in CRITERIA:
    case(f"criteria {name}: certify", "certify", "{golden}", "--criteria",
         f"{{criteria@{name}}}", "--out", "{out}/cert.json", says=CRITERIA_SAYS.get(name))
case("certify missing criteria", "certify", "{golden}", "--criteria", "{dir}/none.yaml",
     "--out", "{out}/cert.json")
case("certify unknown tier", "certify", "{golden}", "--tier", "platinum", "--out",
     "{out}/cert.json", says="platinum")

# --- reports -----------------------------------------------------------------------------
for name in REPORTS:
    code = 1 if name in CHANGED else 2
    case(f"report {name}: report", "report", f"{{report@{name}}}", "--format", "md", code=code)
for name in ("not-json", "truncated", "deep-json", "major-2", "tampered", "reindented"):
    code = 1 if name in CHANGED else 2
    case(f"report {name}: compare", "compare", f"{{report@{name}}}", "{golden}", code=code)
    case(f"report {name}: certify", "certify", f"{{report@{name}}}", "--out",
         "{out}/cert.json", code=code)
    case(f"report {name}: sign", "sign", f"{{report@{name}}}", "--key", "{key}", "--out",
         "{out}/s.json", code=code)
    case(f"report {name}: history add", "history", "add", f"{{report@{name}}}", "--commit",
         "abc", "--db", "{out}/h.sqlite", code=code)
    case(f"report {name}: catalog add", "catalog", "--catalog", "{dir}/c.sqlite", "add",
         f"{{report@{name}}}", code=code)
    case(f"report {name}: score", "score", f"{{report@{name}}}", code=code)
case("report unknown format", "report", "{golden}", "--format", "docx", says="docx")
case("report missing file", "report", "{dir}/none.json")
case("report a folder", "report", "{dir}")
case("compare bad metric", "compare", "{golden}", "{golden}", "--metric", "p101")
case("compare bad threshold", "compare", "{golden}", "{golden}", "--threshold", "lots")
case("compare threshold 100%", "compare", "{golden}", "{golden}", "--threshold", "100%")
case("compare missing new", "compare", "{golden}", "{dir}/none.json")
case("score missing reference", "score", "{golden}", "--reference", "{dir}/none.json")

# --- keys and signatures -----------------------------------------------------------------
case("sign with a key that is not PEM", "sign", "{golden}", "--key", "{notpem}", "--out",
     "{out}/s.json")
case("sign with a binary key", "sign", "{golden}", "--key", "{binary_key}", "--out",
     "{out}/s.json")
case("sign with the public key", "sign", "{golden}", "--key", "{pub}", "--out", "{out}/s.json")
case("sign with a missing key", "sign", "{golden}", "--key", "{dir}/none.key", "--out",
     "{out}/s.json")
case("verify unsigned", "verify", "{golden}", "--pubkey", "{pub}", code=1, says="not signed")
case("verify tampered signature", "verify", "{tampered_sig}", "--pubkey", "{pub}", code=1)
case("verify with a pubkey that is not PEM", "verify", "{signed}", "--pubkey", "{notpem}")
case("verify with the private key", "verify", "{signed}", "--pubkey", "{key}")
case("keys generate over an existing key", "keys", "generate", "--key", "{key}",
     says="refusing to overwrite")
case("keys generate into a folder", "keys", "generate", "--key", "{dir}")
case("catalog require-signatures bad pubkey", "catalog", "--catalog", "{dir}/c.sqlite",
     "require-signatures", "--pubkey", "{notpem}")

# --- catalogs ----------------------------------------------------------------------------
for key in ("text_db", "dir_db", "history"):
    case(f"catalog {key}: list", "catalog", "--catalog", f"{{{key}}}", "list")
    case(f"catalog {key}: add", "catalog", "--catalog", f"{{{key}}}", "add", "{golden}")
case("catalog in a missing folder", "catalog", "--catalog", "{dir}/no/c.sqlite", "list")
case("catalog add a report twice", "catalog", "--catalog", "{catalog}", "add", "{golden}",
     says="already in the catalog")
case("catalog show unknown entry", "catalog", "--catalog", "{catalog}", "show", "99")
case("catalog show not a number", "catalog", "--catalog", "{catalog}", "show", "one")
case("catalog list bad category", "catalog", "--catalog", "{catalog}", "list", "--category",
     "toaster")
case("catalog export bad format", "catalog", "--catalog", "{catalog}", "export", "--format",
     "xls")
case("catalog site into a regular file", "catalog", "--catalog", "{catalog}", "site",
     "{afile}")

# --- history databases -------------------------------------------------------------------
for key in ("text_db", "dir_db", "catalog"):
    case(f"history {key}: add", "history", "add", "{golden}", "--commit", "abc", "--db",
         f"{{{key}}}")
    case(f"history {key}: show", "history", "show", "tiny_cnn", "--db", f"{{{key}}}")
case("history show unknown model", "history", "show", "tiny_cnm", "--db", "{history}",
     says="no history")
case("history add empty commit", "history", "add", "{golden}", "--commit", " ", "--db",
     "{out}/h.sqlite")
case("history regressions bad threshold", "history", "regressions", "--threshold", "x",
     "--db", "{history}")
case("history regressions bad metric", "history", "regressions", "--metric", "p91", "--db",
     "{history}")
case("history show --plot under a file", "history", "show", "tiny_cnn", "--db", "{history}",
     "--plot", "{afile}/x.svg")

# --- output paths (under a regular file; read-only and full disks: test_output_paths) ------
for name, args in {
    "run --out": ("run", "tiny_mlp", *FAST, "--out", "{afile}/out"),
    "run --out a file": ("run", "tiny_mlp", *FAST, "--out", "{afile}"),
    "report -o": ("report", "{golden}", "-o", "{afile}/r.md"),
    "certify --out": ("certify", "{golden}", "--out", "{afile}/c.json"),
    "sign --out": ("sign", "{golden}", "--key", "{key}", "--out", "{afile}/s.json"),
    "keys generate --key": ("keys", "generate", "--key", "{afile}/k.key"),
    "catalog site": ("catalog", "--catalog", "{catalog}", "site", "{afile}/site"),
    "history add --db": ("history", "add", "{golden}", "--commit", "a", "--db",
                         "{afile}/h.sqlite"),
    "batch --out": ("batch", "{good_plan}", "--out", "{afile}/b"),
    "devices detect --write": ("devices", "detect", "--write", "{afile}/p.yaml"),
}.items():
    case(f"output under a regular file: {name}", *args, says="is a file, not a folder"
         if "a file" not in name else "not a directory")

# --- output paths on a read-only file system and on a full disk (tmpfs; skipped where this
# process cannot mount)
for where, says in (("ro", "read-only file system"), ("full", "0 B free")):
    for name, args in {
        "run --out": ("run", "tiny_mlp", *FAST, "--out", f"{{{where}}}/out"),
        "report -o": ("report", "{golden}", "-o", f"{{{where}}}/r.md"),
        "certify --out": ("certify", "{golden}", "--out", f"{{{where}}}/c.json"),
        "sign --out": ("sign", "{golden}", "--key", "{key}", "--out", f"{{{where}}}/s.json"),
        "keys generate --key": ("keys", "generate", "--key", f"{{{where}}}/k.key"),
        "catalog site": ("catalog", "--catalog", "{catalog}", "site", f"{{{where}}}/site"),
        "history add --db": ("history", "add", "{golden}", "--commit", "a", "--db",
                             f"{{{where}}}/h.sqlite"),
        "batch --out": ("batch", "{good_plan}", "--out", f"{{{where}}}/b"),
    }.items():
        label = "read-only" if where == "ro" else "full disk"
        case(f"output on a {label}: {name}", *args, says=says)

# --- what a writer must neutralise, and what compare must refuse (exit 0) -----------------
case("report --format csv of a formula model name", "report", "{formula_report}", "--format",
     "csv", code=0, says="'=HYPERLINK")
case("catalog export --format csv of a formula device name", "catalog", "--catalog",
     "{formula_catalog}", "export", "--format", "csv", code=0, says="'=HYPERLINK")
for name in ("provider", "concurrency", "batch", "target_qps", "samples_per_query",
             "latency_bound_ms", "prompt_length", "new_tokens", "backend"):
    case(f"compare results that differ in {name}", "compare", "{one_result}",
         f"{{one_result@{name}}}", code=0, says="incomparable")

# --- other commands ----------------------------------------------------------------------
case("ab zero rounds", "ab", "--base-cmd", "true", "--candidate-cmd", "true", "--rounds", "0")
case("ab bad threshold", "ab", "--base-cmd", "true", "--candidate-cmd", "true",
     "--threshold", "lots")
case("unknown command", "benchmark", says="No such command")
case("schema takes no argument", "schema", "extra")

# --- a handful as real processes ---------------------------------------------------------
for name, args in {
    "run --threads 2147483648": (*RUN, "--threads", "2147483648"),
    "run --duration inf": (*RUN, "--duration", "inf"),
    "profile alias bomb": ("devices", "validate", "{profile@yaml-alias-bomb}"),
    "plan server scenario": ("batch", "{plan@server-scenario}", "--dry-run"),
    "criteria not utf8": ("certify", "{golden}", "--criteria", "{criteria@yaml-not-utf8}",
                          "--out", "{out}/c.json"),
    "report deep json": ("report", "{report@deep-json}"),
}.items():
    case(f"process: {name}", *args, real=True)


def _params() -> list:
    params = []
    for c in CASES:
        marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
        params.append(pytest.param(c, id=c.id, marks=marks))
    return params


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def test_the_corpus_is_large_and_named_once() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    assert len(CASES) >= 200


@pytest.mark.parametrize("bad", _params())
def test_bad_input(bad: Case, tmp_path: Path, cli_runner, request) -> None:
    inputs = Inputs(tmp_path)
    request.addfinalizer(inputs.close)
    argv = [arg.format_map(inputs) for arg in bad.args]
    before = _snapshot(tmp_path)
    if bad.subprocess:
        done = subprocess.run([str(BIN), *argv], capture_output=True, text=True, timeout=300,
                              cwd=tmp_path)
        code, output = done.returncode, done.stdout + done.stderr
    else:
        result = cli_runner.invoke(cli, argv)
        code, output = result.exit_code, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), \
            repr(result.exception)
    assert code == bad.code, output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) <= MAX_LINES, output
    assert not REPR.search(output), output
    if bad.says is not None:
        assert bad.says in output, output
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))
    after = _snapshot(tmp_path)
    assert after == before, {k: after.get(k) for k in set(after) ^ set(before)}


# --- two parts fixed in bench/measure/ -------------------------------------------------
def test_concurrency_auto_respects_the_emulated_cores(tmp_path: Path, cli_runner) -> None:
    import os

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: the grid is one core wide either way")
    profile = tmp_path / "one-core.yaml"
    profile.write_text("name: one-core\ncategory: pc\ncores: [0]\nthreads: 1\n"
                       "workloads: [{model: tiny_mlp}]\n")
    out = tmp_path / "o"
    result = cli_runner.invoke(cli, ["run", "tiny_mlp", "--device", str(profile), "--emulate",
                                     "--scenario", "offline", "--concurrency", "auto", *FAST,
                                     "--out", str(out)])
    assert result.exit_code == 0, result.output
    sweep = load_report(out / "report.json").results[0].offline.sweep
    assert sweep and max(point.threads for point in sweep) == 1


def test_run_one_leaves_no_temporary_folder(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    import bench
    from bench.spec import RunSettings

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = bench.run_one("tiny_mlp", RunSettings(duration_s=0.05, min_queries=5, warmup=1,
                                                   profile_ops=True))
    assert result.status == "ok"
    assert sorted(p.name for p in tmp_path.iterdir()) == []
