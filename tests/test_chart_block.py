"""```chart, ```vega-lite, spec: and python: blocks, built into real sites."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from blocksite import build, build_to_disk, html, page, problems

KPI = """\
kpi,period,value,segment
nps,2025-01,13.1,Residential
nps,2025-01,9,Business
nps,2025-02,15,Residential
nps,2025-02,11,Business
churn,2025-02,4.5,Residential
"""
DESIGN = """```chart
data: kpi_monthly.csv
where: {kpi: nps}
mark: line
x: month
y: value
color: segment
title: Net Promoter Score by customer segment
```"""
EVIL = "<script>alert(1)</script>"


def chart_site(site, body: str, files: dict | None = None):
    return site({"content/index.md": page(body), "data/kpi_monthly.csv": KPI.replace("period", "month"),
                 **(files or {})})


def block(**opts) -> str:
    lines = "\n".join(f"{k}: {v}" for k, v in opts.items())
    return f"```chart\n{lines}\n```"


def specs(text: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(
        r'<script type="application/json" class="cx-chart-spec">(.*?)</script>', text, re.S)]


def rows(spec: dict) -> list[dict]:
    if "datasets" in spec:
        return next(iter(spec["datasets"].values()))
    return spec["data"]["values"]


# --- the design's block ----------------------------------------------------------------------
def test_the_design_block_draws_a_line_per_segment_from_filtered_data(site):
    files = build(chart_site(site, DESIGN))
    out = html(files)
    (spec,) = specs(out)
    assert spec["mark"]["type"] == "line"
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["encoding"]["y"]["type"] == "quantitative"
    assert spec["encoding"]["color"]["field"] == "segment"
    data = rows(spec)
    assert len(data) == 4 and set(data[0]) == {"month", "value", "segment"}  # no churn, no kpi
    assert "<figcaption" in out and "Net Promoter Score by customer segment" in out
    csv = files["net-promoter-score-by-customer-segment.csv"].decode()
    assert csv.splitlines() == ["month,value,segment", "2025-01,13.1,Residential", "2025-01,9,Business",
                                "2025-02,15,Residential", "2025-02,11,Business"]
    assert re.search(r'<script src="assets/vega-bundle\.[0-9a-f]{10}\.js" defer>', out)


def test_pages_without_charts_do_not_load_the_vega_bundle(site):
    src = chart_site(site, DESIGN)
    (src / "content" / "plain.md").write_text(page("No chart here."))
    files = build(src)
    assert "vega-bundle" not in html(files, "plain/")
    assert len([f for f in files if "vega-bundle" in f]) == 1


@pytest.mark.parametrize("mark, extra", [
    ("bar", {"x": "segment", "y": "value"}),
    ("line", {"x": "month", "y": "value", "point": "true"}),
    ("area", {"x": "month", "y": "value", "color": "segment"}),
    ("point", {"x": "month", "y": "value", "size": "value"}),
    ("arc", {"theta": "value", "color": "segment"}),
    ("rule", {"y": "value"}),
    ("text", {"x": "segment", "y": "month", "text": "value"}),
])
def test_every_mark_draws(site, mark, extra):
    out = html(build(chart_site(site, block(data="kpi_monthly.csv", where="{kpi: nps}", mark=mark,
                                                **extra))))
    (spec,) = specs(out)
    assert spec["mark"]["type"] == mark
    assert '<div class="cx-chart-static"><svg role="img"' in out


def test_grouped_bars_sit_side_by_side_with_one_step_per_group(site):
    out = html(build(chart_site(site, block(
        data="kpi_monthly.csv", where="{kpi: nps}", mark="bar", y="segment", x="value",
        color="month", stack="grouped"))))
    (spec,) = specs(out)
    assert spec["encoding"]["yOffset"]["field"] == "month"
    assert spec["encoding"]["x"]["stack"] is None
    assert spec["height"]["for"] == "position"


def test_options_reach_the_spec(site):
    out = html(build(chart_site(site, block(
        data="kpi_monthly.csv", where="{kpi: nps}", mark="bar", x="segment",
        y="{field: value, title: Score}", aggregate="mean", sort="-y", format=".1f",
        width=300, height=200, tooltip="[segment, value]", legend="bottom", color="segment",
        description="Average NPS.", source="Survey"))))
    (spec,) = specs(out)
    enc = spec["encoding"]
    # the mean is computed at build time: the page carries one row per bar, not the file's rows
    assert enc["y"] == {"axis": {"format": ".1f"}, "field": "value", "title": "Score",
                        "type": "quantitative"}
    assert rows(spec) == [{"segment": "Residential", "value": 14.05},
                          {"segment": "Business", "value": 10.0}]
    assert enc["x"]["sort"] == "-y"
    assert spec["width"] == 300 and spec["height"] == 200
    assert [t["field"] for t in enc["tooltip"]] == ["segment", "value"]
    assert enc["tooltip"][1]["format"] == ".1f"
    assert "legend" not in enc["color"] or enc["color"]["legend"] is None  # axis names the colours
    assert "Average NPS." in out and "Source: Survey" in out


def test_facets_and_date_formats(site):
    out = html(build(chart_site(site, block(
        data="kpi_monthly.csv", where="{kpi: nps}", mark="line", x="month", y="value",
        row="segment", date_format="'%b %Y'", stack="false"))))
    (spec,) = specs(out)
    assert spec["encoding"]["row"]["field"] == "segment"
    assert spec["encoding"]["row"]["header"]["labelOrient"] == "top"
    assert spec["encoding"]["x"]["axis"]["format"] == "%b %Y"


def test_a_target_line_and_labels(site):
    out = html(build(chart_site(site, block(
        data="kpi_monthly.csv", where="{kpi: nps}", mark="line", x="month", y="value",
        color="segment", target=12, labels="{Business: B2B}"))))
    (spec,) = specs(out)
    assert len(spec["layer"]) == 2
    segments = {r.get("segment") for d in spec["datasets"].values() for r in d}
    assert "B2B" in segments and "Business" not in segments


def test_untrusted_cells_are_text_in_page_table_tooltip_svg_and_csv(site):
    data = f"who,value\n{EVIL},3\n\"=HYPERLINK(\"\"http://x\"\")\",4\n"
    files = build(chart_site(site, block(data="evil.csv", mark="bar", x="who", y="value",
                                         title=f"'{EVIL}'"), {"data/evil.csv": data}))
    out = html(files)
    assert EVIL not in out
    assert out.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # caption, table, SVG
    assert rows(specs(out)[0])[0]["who"] == EVIL  # JSON text, escaped for the script element
    (csv_name,) = [f for f in files if f.endswith(".csv")]
    assert re.fullmatch(r"[a-z0-9-]+\.csv", csv_name)
    table = list(csv.reader(io.StringIO(files[csv_name].decode())))
    assert table[1:] == [[EVIL, "3"], ["'=HYPERLINK(\"http://x\")", "4"]]  # a formula opens as text


# --- mistakes: each names the page, the block's line and what to do ---------------------------
BAD = [
    (block(data="nope.csv", mark="bar", x="a", y="b"),
     "content/index.md:4: error: there is no data file 'nope.csv' in data/\n"
     "  hint: the data files are: kpi_monthly.csv."),
    (block(data="../../etc/passwd", mark="bar", x="a", y="b"),
     "content/index.md:4: error: the data file '../../etc/passwd' is outside the data folder\n"
     "  hint: put the file in data/ and write just its name, e.g. 'data: sales.csv'."),
    (block(data="kpi_monthly.csv", mark="bar", x="segmnt", y="value"),
     "content/index.md:7: error: the column 'segmnt' (option 'x') is not in data/kpi_monthly.csv\n"
     "  hint: did you mean 'segment'? The columns are: kpi, month, value, segment."),
    (block(data="kpi_monthly.csv", mark="bar", x="segment", y="{field: [value]}"),
     "content/index.md:8: error: the 'field' of 'y' must name one column, not a list\n"
     "  hint: write for example 'y: {field: value, title: Score}'."),
    ("```chart\ndata: kpi_monthly.csv\nmark: bar\nx: segment\ny: value\nx: month\n```",
     "content/index.md:9: error: in the chart block, 'x' is written twice\n"
     "  hint: keep one 'x:' and delete the other."),
    ("```chart\ndata: kpi_monthly.csv\nmark: [bar\n```",
     "content/index.md:7: error: the chart block is not valid: did not find expected ',' or ']'\n"
     "  hint: check the indentation and put quotes around text that contains ': ' or starts with "
     "a symbol."),
    (block(data="kpi_monthly.csv", mark="bar", x="month", y="value", colour="segment"),
     "content/index.md:9: error: unknown option 'colour' in the chart block\n"
     "  hint: did you mean 'color' or 'column'?"),
    (block(data="kpi_monthly.csv", mark="pie", theta="value"),
     "content/index.md:6: error: unknown mark 'pie'\n  hint: did you mean 'arc'?"),
    (block(data="kpi_monthly.csv", mark="line", x="month", y="value", format="'1 decimal'"),
     "content/index.md:9: error: '1 decimal' is not a number format\n"
     "  hint: use for example ',.0f' (1,234), '.1f' (12.3), '.0%' (0.12 shown as 12%) or '+.1f' (+2.5)."),
    (block(data="kpi_monthly.csv", mark="line", y="value"),
     "content/index.md:4: error: a 'line' chart needs 'x': the column to put on that axis\n"
     "  hint: write for example 'x: period'."),
]


@pytest.mark.parametrize("body, message", BAD)
def test_block_mistakes(site, body, message):
    assert problems(chart_site(site, body)) == [message]


@pytest.mark.parametrize("name, body, message", [
    ("bad.csv", "month,value\n2025-01,1\n2025-02,lots\n",
     "content/index.md:4: error: data/bad.csv, line 3: 'lots' in column 'value' is not a number"),
    ("bad.csv", "month,value\n2025-01,1\n2025-13,2\n",
     "content/index.md:4: error: data/bad.csv, line 3: '2025-13' in column 'month' is not a date"),
    ("bad.csv", "", "content/index.md:4: error: data/bad.csv: the data file is empty"),
    ("bad.csv", "month,value\n2025-01,1\n2025-02,2,3\n",
     "content/index.md:4: error: data/bad.csv, line 3: the CSV file is malformed: line 3 has 3 "
     "values but the header has 2 columns"),
])
def test_data_file_mistakes_name_the_block_the_file_and_the_row(site, name, body, message):
    src = chart_site(site, block(data=name, mark="line", x="month", y="value"), {"data/" + name: body})
    (found,) = problems(src)
    assert found.split("\n")[0] == message


def test_a_broken_block_does_not_hide_the_others(site):
    body = DESIGN + "\n\n" + block(data="nope.csv", mark="bar", x="a", y="b")
    (found,) = problems(chart_site(site, body))
    assert found.startswith("content/index.md:14: error: there is no data file 'nope.csv'")


# --- raw Vega-Lite ---------------------------------------------------------------------------
VL_JSON = """```vega-lite
{
  "title": "Raw spec",
  "data": {"url": "kpi_monthly.csv"},
  "mark": "bar",
  "encoding": {"x": {"field": "segment", "type": "nominal"},
               "y": {"field": "value", "type": "quantitative", "aggregate": "mean"}}
}
```"""


def test_a_vega_lite_block_inlines_data_from_the_data_folder(site):
    files = build(chart_site(site, VL_JSON))
    (spec,) = specs(html(files))
    assert "url" not in json.dumps(spec)
    assert len(spec["data"]["values"]) == 5
    assert "title" not in spec and "Raw spec" in html(files)  # in the caption, once
    assert "raw-spec.csv" in files


def test_a_vega_lite_block_in_yaml(site):
    body = "```vega-lite\ntitle: YAML spec\ndata: {values: [{a: 1}, {a: 2}]}\nmark: point\n" \
           "encoding: {x: {field: a, type: quantitative}}\n```"
    (spec,) = specs(html(build(chart_site(site, body))))
    assert spec["mark"] == "point" and spec["data"]["values"] == [{"a": 1}, {"a": 2}]


def test_vega_lite_mistakes(site):
    remote = VL_JSON.replace("kpi_monthly.csv", "https://example.com/data.csv")
    assert problems(chart_site(site, remote)) == [
        "content/index.md:4: error: the chart loads data from 'https://example.com/data.csv'\n"
        "  hint: pages may not fetch anything from other sites: save the data in the data/ folder "
        "and write its name, e.g. 'url: kpi_monthly.csv'."]
    broken = VL_JSON.replace('"mark": "bar",', '"mark": "bar"')
    assert problems(chart_site(site, broken))[0].startswith(
        "content/index.md:9: error: the Vega-Lite spec is not valid JSON: Expecting ',' delimiter")


def test_a_spec_file_with_block_data(site):
    spec = {"mark": "bar", "encoding": {"x": {"field": "segment", "type": "nominal"},
                                        "y": {"field": "value", "type": "quantitative"}}}
    src = chart_site(site, block(spec="nps.vl.json", data="kpi_monthly.csv", where="{kpi: churn}",
                                 title="From a file"))
    (src / "charts").mkdir()
    (src / "charts" / "nps.vl.json").write_text(json.dumps(spec))
    (found,) = specs(html(build(src)))
    assert found["data"]["values"] == [{"kpi": "churn", "month": "2025-02", "value": 4.5,
                                        "segment": "Residential"}]


# --- Python chart modules ----------------------------------------------------------------------
MODULE = '''\
import altair as alt


def chart(data):
    table = data("kpi_monthly.csv", where={"kpi": "nps"})
    return alt.Chart(table).mark_bar().encode(x="segment:N", y="mean(value):Q").properties(
        title="From Python")
'''


def test_a_python_module_returns_an_altair_chart(site):
    src = chart_site(site, block(python="charts/nps_chart.py"))
    (src / "charts").mkdir()
    (src / "charts" / "nps_chart.py").write_text(MODULE)
    files = build(src)
    (spec,) = specs(html(files))
    assert spec["mark"]["type"] == "bar" and "From Python" in html(files)
    assert len(rows(spec)) == 4


@pytest.mark.parametrize("code, message", [
    ("def chart(data):\n    return 1 / 0\n",
     "charts/c.py:2: error: the chart module failed: ZeroDivisionError: division by zero"),
    ("def chart(data)\n    return None\n",
     "charts/c.py:1: error: the chart module has a syntax error: expected ':'"),
    ("x = 1\n", "content/index.md:4: error: the chart module charts/c.py has no function 'chart()'"),
    ("def chart():\n    return 'bar'\n",
     "content/index.md:4: error: chart() in charts/c.py returned str, not an Altair chart"),
])
def test_python_module_mistakes_name_the_module_and_line(site, code, message):
    src = chart_site(site, block(python="c.py"))
    (src / "charts").mkdir()
    (src / "charts" / "c.py").write_text(code)
    (found,) = problems(src)
    assert found.split("\n")[0] == message


def test_a_python_module_outside_charts_and_data_is_refused(site):
    src = chart_site(site, block(python="../build.py"))
    assert problems(src)[0].startswith(
        "content/index.md:4: error: the file '../build.py' is outside the charts/ and data/ folders")


# --- cache -----------------------------------------------------------------------------------
def test_an_unchanged_block_comes_from_the_cache(site, tmp_path, monkeypatch):
    src = chart_site(site, DESIGN)
    first = build_to_disk(src, tmp_path / "out")
    from cxsite.blocks import chart

    compiled = []
    real = chart.make_figure
    monkeypatch.setattr(chart, "make_figure", lambda *a, **k: compiled.append(1) or real(*a, **k))
    assert build_to_disk(src, tmp_path / "out") == first
    assert compiled == []
    (src / "data" / "kpi_monthly.csv").write_text(KPI.replace("period", "month").replace("13.1", "14"))
    build_to_disk(src, tmp_path / "out")
    assert compiled == [1]


def test_a_bug_in_a_block_is_not_hidden_as_plain_code(site, monkeypatch):
    from pymdownx.superfences import SuperFencesException

    from cxsite.blocks import chart

    monkeypatch.setattr(chart, "build_chart", lambda *a, **k: 1 / 0)
    with pytest.raises(SuperFencesException) as exc:
        build(chart_site(site, DESIGN.replace("color: segment\n", "color: segment\nwidth: 333\n")))
    assert isinstance(exc.value.__cause__, ZeroDivisionError)


@pytest.mark.parametrize("spec, message", [
    ('{"data": {"sequence": {"start": 0, "stop": 100000000}}, "mark": "point"}',
     "asks for a sequence of 100,000,000 values"),
    ('{"data": {"sequence": {"start": 0, "stop": 10, "step": 0}}, "mark": "point"}',
     "asks for a sequence of endless values"),
    ('{"layer": [{"data": {"graticule": {"step": [0.001, 0.001]}}, "mark": "geoshape"}]}',
     "asks for a graticule"),
    ('{"data": {"values": [{"a": 1}]}, "transform": [{"density": "a", "steps": 1e9}], "mark": "area"}',
     "asks for 'steps: 1,000,000,000'"),
    ('{"data": {"values": [{"a": 1}]}, "mark": "bar", '
     '"encoding": {"x": {"field": "a", "bin": {"maxbins": 100000000}}}}', "'maxbins"),
])
def test_vega_lite_generators_are_bounded_before_the_engine_sees_them(site, spec, message):
    import time
    start = time.perf_counter()
    out = problems(chart_site(site, f"```vega-lite\n{spec}\n```"))
    assert time.perf_counter() - start < 10
    assert out[0].startswith("content/index.md:5: error: the Vega-Lite spec " + message) or \
        message in out[0], out


def test_a_huge_chart_format_is_refused_at_its_line(site):
    body = DESIGN.replace("title: Net", "format: '.999999999f'\ntitle: Net")
    out = problems(chart_site(site, body))
    assert out[0].startswith("content/index.md:11: error: the format '.999999999f' is too large")
