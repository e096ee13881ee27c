"""The rate search shared by --find-max-qps and --find-max-rate, on a hand-worked case."""

from __future__ import annotations

from bench.measure.scenarios.rate_search import search_rate


def test_doubles_while_valid_then_bisects() -> None:
    def trial(index: int, rate: float) -> tuple[tuple[int, float], bool]:
        return (index, rate), rate <= 100.0

    best, records = search_rate(30.0, 7, trial)
    # 30 ok, 60 ok, 120 no, 90 ok, 105 no, 97.5 ok, 101.25 no
    assert [r for _, r in records] == [30.0, 60.0, 120.0, 90.0, 105.0, 97.5, 101.25]
    assert [i for i, _ in records] == list(range(7))
    assert best == 97.5


def test_no_valid_rate_gives_the_lowest_tried() -> None:
    best, records = search_rate(80.0, 4, lambda i, rate: (rate, False))
    assert records == [80.0, 40.0, 20.0, 10.0]
    assert best == 10.0
