"""The test that ``--edgebench-suite PROFILE`` collects once per workload of the profile.

Not collected by itself (the file name does not match ``test_*.py``); the plugin
(``bench.pytest_plugin``) adds it and parametrises ``edgebench_workload``.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.edgebench
def test_workload(edgebench: Any, edgebench_workload: Any,
                  edgebench_suite_settings: dict[str, Any]) -> None:
    result = edgebench.run(edgebench_workload.model, scenario=edgebench_workload.scenario,
                           **edgebench_suite_settings)
    assert result.status == "ok"
