"""The operator profile: a hand-made trace, and a real profiling pass."""

from __future__ import annotations

from bench.measure.opprofile import summarize_trace


def _node(name: str, op: str, dur: float) -> dict[str, object]:
    return {"cat": "Node", "name": f"{name}_kernel_time", "dur": dur,
            "args": {"op_name": op, "provider": "CPUExecutionProvider"}}


def test_summarize_by_hand() -> None:
    events = [
        {"cat": "Session", "name": "model_run", "dur": 1000},
        {"cat": "Session", "name": "model_run", "dur": 1000},
        _node("conv0", "Conv", 600), _node("conv0", "Conv", 600),
        _node("relu0", "Relu", 100), _node("relu0", "Relu", 100),
        _node("fc", "Gemm", 50),
        {"cat": "Node", "name": "conv0_fence_before", "dur": 5},  # not a kernel: ignored
    ]
    profile = summarize_trace(events, "trace.json", top=2)
    assert profile.runs == 2 and profile.run_total_ms == 2.0
    assert [(o.node, o.op_type, o.calls) for o in profile.top] == [("conv0", "Conv", 2),
                                                                  ("relu0", "Relu", 2)]
    assert profile.top[0].total_ms == 1.2 and profile.top[0].percent_of_run == 60.0
    assert profile.top[0].provider == "CPUExecutionProvider"
