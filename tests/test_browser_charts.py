"""Charts in a real browser: interactive after vega-embed runs, static without JavaScript and in
print, no console errors, no request to any other host, untrusted data never runs."""
from __future__ import annotations

from pathlib import Path

import pytest

from httpfolder import served_folder
from blocksite import page
from cxsite.config import load_config
from cxsite.engine.output import DiskWriter
from cxsite.engine.site import build_site

pytestmark = pytest.mark.slow  # browser or end-to-end: `pytest -m "not slow"` skips it

EVIL = "<script>alert(1)</script>"
CHART = """```chart
data: scores.csv
mark: bar
x: team
y: points
color: team
title: Scores by team
description: One bar per team.
```

```chart
data: monthly.csv
mark: line
x: month
y: value
color: segment
point: true
title: Monthly values
```
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A built chart site served from 127.0.0.1; yields its base URL."""
    root = tmp_path_factory.mktemp("browser-charts")
    src = root / "site"
    for rel, text in {
        "content/index.md": page(CHART, title="Charts"),
        "content/plain.md": page("No charts here.", title="Plain"),
        "data/scores.csv": f"team,points\nNorth,12\nSouth,7\n\"{EVIL}\",9\n",
        "data/monthly.csv": "month,value,segment\n2026-01,3,A\n2026-02,5,A\n2026-01,4,B\n2026-02,2,B\n",
    }.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text, encoding="utf-8")
    config = load_config(src, root / "out")
    build_site(config, DiskWriter(config.output, src))
    with served_folder(config.output) as url:
        yield url


def open_page(browser, url: str, **context):
    """A page with every request, console message and dialog recorded."""
    ctx = browser.new_context(**context)
    p = ctx.new_page()
    p.requests, p.console, p.dialogs = [], [], []
    p.on("request", lambda r: p.requests.append(r.url))
    p.on("console", lambda m: p.console.append((m.type, m.text)))
    p.on("pageerror", lambda e: p.console.append(("error", str(e))))
    p.on("dialog", lambda d: (p.dialogs.append(d.message), d.dismiss()))
    p.route("**/favicon.ico", lambda r: r.fulfill(status=204, body=""))  # not the site's concern
    p.goto(url)
    return p


def test_charts_become_interactive_offline_without_errors(browser, served):
    p = open_page(browser, served)
    p.wait_for_selector("figure.cx-chart.cx-chart--live >> nth=1", timeout=15000)
    for fig in p.query_selector_all("figure.cx-chart"):
        live = fig.query_selector(".cx-chart-live svg.marks")
        assert live is not None and live.is_visible()
        assert len(live.query_selector_all(".role-mark path, .role-mark rect")) >= 3
        assert not fig.query_selector(".cx-chart-static").is_visible()
    assert [m for m in p.console if m[0] == "error"] == []
    assert p.requests and all(u.startswith(served) for u in p.requests), p.requests
    assert any("vega-bundle" in u for u in p.requests)
    p.context.close()


def test_untrusted_data_shows_as_text_in_the_tooltip_and_never_runs(browser, served):
    p = open_page(browser, served)
    p.wait_for_selector("figure.cx-chart.cx-chart--live", timeout=15000)
    bars = p.query_selector_all("figure.cx-chart >> nth=0 >> .cx-chart-live .role-mark path")
    bars[-1].hover()
    tooltip = p.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)
    assert EVIL in tooltip.inner_text()
    assert tooltip.query_selector("script") is None
    assert p.dialogs == []
    assert p.evaluate("document.querySelectorAll('main script:not([type])').length") == 0
    p.context.close()


def test_without_javascript_the_static_chart_and_table_are_there(browser, served):
    p = open_page(browser, served, java_script_enabled=False)
    fig = p.query_selector("figure.cx-chart")
    svg = fig.query_selector(".cx-chart-static svg[role=img]")
    assert svg.is_visible()
    assert svg.get_attribute("aria-labelledby") == fig.query_selector("figcaption").get_attribute("id")
    assert "Scores by team" in fig.query_selector("figcaption").inner_text()
    fig.query_selector("details summary").click()
    assert fig.query_selector("table").inner_text().count("North") == 1
    csv = fig.query_selector("a.cx-chart-csv").get_attribute("href")
    assert p.request.get(served + csv).text().startswith("team,points\n")
    p.context.close()


def test_print_shows_the_static_chart(browser, served):
    p = open_page(browser, served)
    p.wait_for_selector("figure.cx-chart.cx-chart--live", timeout=15000)
    p.emulate_media(media="print")
    fig = p.query_selector("figure.cx-chart")
    assert fig.query_selector(".cx-chart-static svg").is_visible()
    assert not fig.query_selector(".cx-chart-live").is_visible()
    p.context.close()


def test_pages_without_charts_load_no_vega(browser, served):
    p = open_page(browser, served + "plain/")
    p.wait_for_load_state("load")
    assert not any("vega" in u for u in p.requests)
    p.context.close()
