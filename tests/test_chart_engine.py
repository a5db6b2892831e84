"""The chart engine (vl-convert in a helper process): one per process for the whole session,
and a chart that runs out of time or memory, or kills the engine, ends in a message naming the
page and block instead of killing or hanging cxsite."""
from __future__ import annotations

import sys
import time

import pytest

from blocksite import page, problems
from cxsite.charts import engine as engine_mod
from cxsite.charts import figure
from cxsite.charts.engine import ChartEngine, ChartFailed
from cxsite.errors import SiteError

SPEC = {"data": {"values": [{"a": 1}, {"a": 2}]}, "mark": "bar",
        "encoding": {"y": {"field": "a", "type": "quantitative"}}}
SLEEPER = [sys.executable, "-c", "import sys, time; sys.stdin.buffer.read(4); time.sleep(60)"]
CRASHER = [sys.executable, "-c", "import os, sys; sys.stdin.buffer.read(4); os._exit(133)"]


@pytest.fixture
def eng():
    """This process's engine: started once for the whole test session, as for a build."""
    return engine_mod.engine()


def test_one_helper_draws_every_chart_of_a_session(eng):
    assert "<svg" in eng.call("vegalite_to_svg", vl_spec=SPEC)
    started = eng.started
    for _ in range(3):
        assert "<svg" in eng.call("vegalite_to_svg", vl_spec=SPEC)
    assert eng.started == started


def test_what_the_engine_logs_comes_back_with_its_error(eng):
    bad = {**SPEC, "encoding": {"y": {"field": "a", "type": "quantitative",
                                      "axis": {"format": "%%zz"}}}}
    with pytest.raises(ChartFailed) as exc:
        eng.call("vegalite_to_svg", vl_spec=bad)
    assert any("invalid format" in line for line in exc.value.log)
    assert "<svg" in eng.call("vegalite_to_svg", vl_spec=SPEC)  # and it goes on


def test_a_chart_that_runs_too_long_is_stopped(monkeypatch):
    monkeypatch.setenv("CXSITE_CHART_TIMEOUT", "0.3")
    eng = ChartEngine(SLEEPER)
    started = time.monotonic()
    with pytest.raises(SiteError) as exc:
        eng.call("vegalite_to_svg", vl_spec=SPEC)
    assert time.monotonic() - started < 5
    assert exc.value.problem.message == ("the chart was still being drawn after 0.3 s, so cxsite "
                                         "stopped it")
    assert "CXSITE_CHART_TIMEOUT" in exc.value.problem.hint
    eng.close()


def test_a_chart_that_needs_too_much_memory_is_stopped(monkeypatch):
    monkeypatch.setenv("CXSITE_CHART_MEMORY_MB", "100")
    monkeypatch.setattr(engine_mod, "_rss_mb", lambda pid: 5000.0)
    eng = ChartEngine(SLEEPER)
    with pytest.raises(SiteError, match="more than 100 MB of memory"):
        eng.call("vegalite_to_svg", vl_spec=SPEC)
    eng.close()


@pytest.mark.slow
def test_an_engine_that_dies_is_a_message_and_the_next_chart_gets_a_new_one(monkeypatch):
    eng = ChartEngine(CRASHER)
    with pytest.raises(SiteError, match="the chart engine stopped while drawing this chart"):
        eng.call("vegalite_to_svg", vl_spec=SPEC)
    eng.command = ChartEngine().command
    assert "<svg" in eng.call("vegalite_to_svg", vl_spec=SPEC)
    assert eng.started == 2
    eng.close()


def test_drawing_never_touches_this_process_stderr(monkeypatch, tmp_path):
    """The old way swapped file descriptor 2 of the whole process while a chart was drawn."""
    import os

    calls = []
    monkeypatch.setattr(os, "dup2", lambda *a: calls.append(a))
    cache = figure.Cache(tmp_path / "c")
    assert "<svg" in figure.render_svg(figure.spec_json(SPEC), cache)
    monkeypatch.undo()
    assert calls == []


def test_a_runaway_chart_names_its_page_and_block(site, monkeypatch):
    monkeypatch.setenv("CXSITE_CHART_TIMEOUT", "0.3")
    monkeypatch.setattr(engine_mod, "_ENGINE", ChartEngine(SLEEPER))
    src = site({"content/index.md": page(
        "Intro.\n\n```vega-lite\n"
        '{"data": {"sequence": {"start": 0, "stop": 100, "as": "v"}}, "mark": "point",'
        ' "encoding": {"x": {"field": "v", "type": "quantitative"}}}\n```\n')})
    found = problems(src)
    assert found[0].startswith("content/index.md:6: error: the chart was still being drawn after 0.3 s")
    engine_mod._ENGINE.close()
