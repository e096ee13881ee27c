"""The readable report: units, headlines and their spread (the uncertainty input), dot chart
placement, facts shared once, attention first, the LLM registry, and the single HTML page
built from a report holding every section (tests/golden/rich-report.json)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.report import get_writer, html, units
from bench.report.charts import Row, dot_chart, headline_row
from bench.report.facts import Fact, split_shared
from bench.report.headline import (
    WITHIN_PROCESS,
    Headline,
    headline_of,
    interval_text,
    process_spread,
    spread_of,
)
from bench.report.llm import llm_figures, reads
from bench.report.notes import attention, plain_error
from bench.report.page import build
from bench.result.contract import load_report
from bench.stats.intervals import percentile_ci

GOLDEN = Path(__file__).parent / "golden"
_SVG = re.compile(r"<svg.*?</svg>", re.S)
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def rich():
    return load_report(GOLDEN / "rich-report.json")


@pytest.fixture(scope="module")
def rich_html(rich) -> str:
    return get_writer("html").render(rich).decode()


def test_units_read_like_a_person_writes_them() -> None:
    assert [units.duration(v) for v in (0.0000412, 0.0449, 4.956, 12.79, 1234.0)] == \
        ["41.2 ns", "44.9 µs", "4.96 ms", "12.8 ms", "1.23 s"]
    assert units.interval(4.1, 5.3, units.time_unit(4.96)) == "4.10–5.30 ms"
    assert [units.size(v) for v in (512, 9351168, 25276502016)] == \
        ["512 B", "8.92 MiB", "23.5 GiB"]
    assert units.threads(2, "intra-op") == "2 intra-op threads"
    assert units.threads(1, "inter-op") == "1 inter-op thread"
    assert units.threads(None, "intra-op") == "the runtime's default intra-op threads"
    assert [units.plural(n, "query") for n in (1, 1024)] == ["1 query", "1,024 queries"]
    assert units.plural(3, "process") == "3 processes"
    assert [units.seconds(s) for s in (0.519, 1.0, 60.0, 125.0)] == \
        ["519 ms", "1 s", "60 s", "2 min 5 s"]
    assert [units.tick(v, ms=True) for v in (0, 0.5, 10)] == ["0", "500 µs", "10 ms"]
    assert units.tick(20_000, ms=False) == "20k"
    assert units.cpu_list([3, 0, 1, 2, 6]) == "0-3, 6"
    assert units.flops(82_577_920) == "82.6 MFLOP"
    assert units.flops(49.2e9, per_s=True) == "49.2 GFLOP/s"
    assert units.rate(5378.6, "samples") == "5,379 samples/s"


def test_dot_chart_places_marks_on_a_log_axis_when_values_span_decades() -> None:
    rows = [Row("a", 0.05, 0.04, 0.06), Row("b", 5.0)]
    chart = dot_chart("t", rows, rate=False)
    # the axis runs 0.01 ms .. 10 ms (three decades): 0.05 sits at log10(5)/3 of the track
    assert chart.rows[0].at == pytest.approx(100 * 0.69897 / 3, abs=0.01)
    assert chart.rows[1].at == pytest.approx(100 * 2.69897 / 3, abs=0.01)
    assert chart.rows[0].low_at < chart.rows[0].at < chart.rows[0].high_at
    assert [label for _, label, _ in chart.ticks] == ["10 µs", "100 µs", "1 ms", "10 ms"]
    linear = dot_chart("t", [Row("a", 40.0), Row("b", 25.0)], rate=True)
    assert linear.rows[0].at == 80.0 and linear.ticks[-1][1] == "50"  # 0 .. 50 per second


def test_headlines_follow_the_scenario(rich) -> None:
    phrases = [h.phrase if (h := headline_of(r)) else None for r in rich.results]
    assert phrases[0] == "p90 latency 21.4 ms"
    assert phrases[3].startswith("p99 query latency")  # multi-stream
    assert phrases[4] == "25,468 samples/s"  # offline: a rate, higher is better
    assert phrases[6] == "decode 542 tokens/s"  # token generation: the LLM figures' rate
    assert phrases[-1] is None  # the failed run has no headline


def test_spread_is_the_early_stopping_interval_or_the_same_interval_from_samples(rich) -> None:
    first = rich.results[0]
    spread = spread_of(first)
    es = first.early_stopping
    assert (spread.low, spread.high, spread.basis) == (es.ci_low_ms, es.ci_high_ms,
                                                       WITHIN_PROCESS)
    older = load_report(GOLDEN / "report.json").results[0]  # a report without the record
    assert older.early_stopping is None
    ci = percentile_ci(older.samples_ns, 90)
    assert (spread_of(older).low, spread_of(older).high) == (ci.low / 1e6, ci.high / 1e6)
    assert spread_of(rich.results[4]).low is None  # a rate states no interval today


def test_process_repeats_draw_a_dot_per_process_and_flag_instability() -> None:
    headline = Headline("p90 latency", 1.4, rate=False)
    spread = process_spread((0.9, 2.1, 0.95, 2.05, 0.92), 0.9, 2.1, stable=False)
    row = headline_row("tiny_cnn", headline, spread)
    assert row.dots == (0.9, 2.1, 0.95, 2.05, 0.92) and "unstable" in row.flags
    assert interval_text(headline, spread) == "0.900–2.10 ms, 95% interval across 5 processes"
    chart = dot_chart("", [row], rate=False)
    assert len(chart.rows[0].dots_at) == 5


def test_a_fact_every_result_states_alike_is_lifted_out_once() -> None:
    energy = Fact("Energy", "not measured: no RAPL")
    shared, own = split_shared([[energy, Fact("Run", "1")], [energy, Fact("Run", "2")], []])
    assert [(s.fact, s.count, s.total) for s in shared] == [(energy, 2, 3)]
    assert own == [[Fact("Run", "1")], [Fact("Run", "2")], []]
    assert split_shared([[energy]]) == ([], [[energy]])  # one result: nothing to lift


def test_failed_results_come_first_in_plain_words(rich) -> None:
    items = attention(rich.results)
    assert [a.status for a in items] == ["failed", "invalid", "invalid"]
    assert items[0].reasons[0].startswith("the run failed: onnxruntime stopped with invalid "
                                          "argument: Got invalid dimensions")
    assert "the run failed" not in items[0].reasons[1:]
    assert plain_error("no onnxruntime here") == "no onnxruntime here"


def test_llm_figures_have_one_reader_per_record(rich) -> None:
    f = llm_figures(rich.results[6])
    assert (f.kind, f.name, f.count) == ("token generation", "pp16+tg16", 28)
    assert f.ttft_ns == tuple(rich.results[6].token_generation.prefill_samples_ns)
    with pytest.raises(ValueError, match="already registered"):
        reads("token_generation")(lambda r: None)


def test_the_page_is_words_and_small_tables_not_json(rich, rich_html: str) -> None:
    text = _TAG.sub(" ", _SVG.sub("", rich_html))
    assert not re.search(r'[{\[]\s*"|"\s*:\s', text)  # no JSON anywhere on the page
    assert "intra_op_threads" not in text and "25275990016" not in text
    assert "2 intra-op threads and 1 inter-op thread" in text
    assert "23.5 GiB" in text and "MiB" in text and "µs" in text
    reason = "no RAPL: /sys/class/powercap does not exist"
    assert text.count(reason) == 1  # shared by every result that has energy: said once
    flags = re.search(r"<dt>CPU flags</dt>\s*<dd><details><summary>104 flags</summary>(.*?)"
                      r"</details>", rich_html, re.S)
    assert flags and flags.group(1).count("<code>") == 104


def test_attention_comes_first_and_every_section_is_there(rich_html: str) -> None:
    order = [rich_html.index(f'id="{s}"') for s in ("attention", "summary", "common", "llm",
                                                      "results", "host")]
    assert order == sorted(order)
    attention_box = rich_html[order[0]:order[1]]
    assert attention_box.index("mobilenet_v2") < attention_box.index("tiny_cnn")
    assert rich_html.count('class="plot"') == 3 * 10 + 2 * 3  # 10 measured, 3 LLM results
    assert "Decode tokens/s per prompt length" in rich_html


def test_a_field_this_writer_has_no_section_for_is_shown_as_labelled_values(
        rich, monkeypatch) -> None:
    monkeypatch.setattr(html, "SHOWN_RESULT_FIELDS", html.SHOWN_RESULT_FIELDS - {"cpu"})
    page = html.render_html(rich).decode()
    assert "Fields this edgebench has no section for" in page
    assert re.search(r"<dt>cpu process mean pct</dt>\s*<dd>40\.7</dd>", page)


def test_a_twenty_result_report_stays_under_one_and_a_half_megabytes(rich) -> None:
    measured = [r for r in rich.results if r.samples_ns][:10]
    results = [r.model_copy(update={"model": f"{r.model}_{i}",
                                    "samples_ns": r.samples_ns * 5})
               for i in range(2) for r in measured]
    page = get_writer("html").render(rich.model_copy(update={"results": results}))
    assert len(results) == 20 and len(page) < 1.5 * 2**20
    assert build(rich.model_copy(update={"results": results})).counts.startswith("20 results")


def test_process_repeats_render_as_dots_and_an_unstable_result_needs_attention(
        rich, monkeypatch) -> None:
    """The issue-14 display, fed through its one input (Spread) until results carry
    process-level repeats: a dot per process, the interval across them, 'unstable'."""
    import bench.report.page as page_module

    def repeats(r, headline=None):
        return process_spread((0.09, 0.1, 0.21), 0.085, 0.22, stable=False)

    monkeypatch.setattr(page_module, "spread_of", repeats)
    one = rich.model_copy(update={"results": rich.results[1:2]})  # tiny_mlp, valid
    page = get_writer("html").render(one).decode()
    assert page.count('class="proc"') == 2 * 3  # the summary chart and the result's own
    assert "95% interval across 3 processes" in page
    assert 'badge unstable">unstable' in page
    assert "its 3 processes disagree on the headline: from 90.0 µs to 210 µs" in page
    markdown = get_writer("md").render(one).decode()
    assert "**valid** **unstable**" in markdown and "## Needs attention" in markdown
