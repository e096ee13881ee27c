"""onnxruntime's own log: captured at fd 2 from real sessions, counted, kept off the
terminal; everything else written to stderr passes through."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from bench.device.runtime_log import RuntimeLog


@pytest.fixture(scope="module")
def warns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model onnxruntime warns about at every session: an initializer no node uses."""
    unused = numpy_helper.from_array(np.ones((2, 2), np.float32), "unused")
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
                              [unused])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = tmp_path_factory.mktemp("log") / "warns.onnx"
    onnx.save(model, str(path))
    return path


def _terminal(run) -> bytes:
    """What reached fd 2 while ``run`` ran (fd 2 pointed at a file around it)."""
    with tempfile.TemporaryFile() as screen:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(screen.fileno(), 2)
        try:
            run()
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        screen.seek(0)
        return screen.read()


def test_lines_are_kept_counted_and_other_output_passes_through(warns: Path) -> None:
    log = RuntimeLog()

    def run() -> None:
        with log:
            os.write(2, b"\r\x1b[2K[1/1] progress")  # edgebench's live line: no newline
            for _ in range(3):
                ort.InferenceSession(str(warns), providers=["CPUExecutionProvider"])
            os.write(2, b"a line of our own\n")

    screen = _terminal(run)
    assert b"Removing initializer" not in screen and b"onnxruntime" not in screen
    assert b"[1/1] progress" in screen and b"a line of our own\n" in screen
    (line,) = [x for x in log.lines() if "Removing initializer" in x.message]
    assert line.level == "warning" and line.count == 3
    assert line.message == ("Removing initializer 'unused'. It is not used by any node and "
                            "should be removed from the model.")


def test_echo_shows_the_lines_too(warns: Path) -> None:
    log = RuntimeLog(echo=True)

    def run() -> None:
        with log:
            ort.InferenceSession(str(warns), providers=["CPUExecutionProvider"])

    assert b"Removing initializer 'unused'" in _terminal(run)
    assert any("Removing initializer" in x.message for x in log.lines())


def test_fd_2_is_restored_and_nothing_leaks_after(warns: Path) -> None:
    before = os.fstat(2)
    with RuntimeLog():
        pass
    after = os.fstat(2)
    assert (before.st_ino, before.st_dev) == (after.st_ino, after.st_dev)
    screen = _terminal(lambda: ort.InferenceSession(str(warns),
                                                    providers=["CPUExecutionProvider"]))
    assert b"Removing initializer" in screen  # outside a log, onnxruntime writes as ever
