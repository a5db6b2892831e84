"""render_figure and the offline Vega bundle: what a reader, a screen reader and a download get."""
from __future__ import annotations

import html as htmllib
import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from cxsite.charts import figure as charts
from cxsite.blocks import BlockContext
from cxsite.engine.cache import Cache
from cxsite.config import COLOURBLIND_SAFE, Config
from cxsite.errors import SiteError

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def ctx(tmp_path):
    config = Config(source=tmp_path, output=tmp_path / "output")
    return BlockContext(config=config, file="content/a.md", page_url="findings/a/", line=3)


def table() -> pd.DataFrame:
    return pd.DataFrame({"country": ["UK", EVIL, "=1+2"], "value": [56, 52.5, -3]})


def bar(df: pd.DataFrame) -> alt.Chart:
    return alt.Chart(df).mark_bar().encode(x="country:N", y="value:Q", tooltip=["country", "value"])


def spec_of(figure_html: str) -> dict:
    text = re.search(r'<script type="application/json" class="cx-chart-spec">(.*?)</script>',
                     figure_html, re.S).group(1)
    return json.loads(text)


def test_theme_uses_the_configured_colours(tmp_path):
    assert charts.theme(Config(source=tmp_path, output=tmp_path))["range"]["category"] == COLOURBLIND_SAFE
    brand = Config(source=tmp_path, output=tmp_path, colors=("#112233", "#445566"))
    assert charts.theme(brand)["range"]["category"] == ["#112233", "#445566"]
    assert charts.theme(brand)["bar"]["color"] == "#112233"


def test_a_figure_has_caption_static_svg_spec_table_and_csv(ctx):
    out = charts.render_figure(bar(table()), table(), ctx, title="Share by country",
                               description="Three countries.", source="Gallup")
    assert out.startswith('<figure class="cx-chart" id="cx-chart-1">')
    assert '<figcaption id="cx-chart-1-caption"><span class="cx-chart-title">Share by country</span>' in out
    assert '<span class="cx-chart-desc">Three countries.</span>' in out
    # the static chart is there at once, named by the caption for screen readers
    assert re.search(r'<div class="cx-chart-static"><svg role="img" aria-labelledby="cx-chart-1-caption"', out)
    assert "<rect" in out or "<path" in out
    assert '<details class="cx-chart-data"><summary>Show the data as a table</summary>' in out
    assert '<th scope="col">country</th><th scope="col" class="num">value</th>' in out
    assert '<a class="cx-chart-csv" href="share-by-country.csv" download>Download the data (CSV, 3 rows)</a>' in out
    assert "Source: Gallup" in out
    assert ctx.needs == {"vega"}
    assert set(ctx.files) == {"findings/a/share-by-country.csv"}
    spec = spec_of(out)
    assert spec["config"]["range"]["category"] == COLOURBLIND_SAFE
    assert spec["description"] == "Share by country. Three countries."


def test_untrusted_text_is_text_everywhere(ctx):
    out = charts.render_figure(bar(table()), table(), ctx, title=f"T {EVIL}", description=EVIL,
                               source=EVIL, csv_name=EVIL)
    assert EVIL not in out  # not in the caption, table, SVG, tooltip data or link
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    svg = re.search(r"<svg.*?</svg>", out, re.S).group(0)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "\\u003cscript\\u003e" in out  # inside the JSON spec
    assert [r["country"] for r in next(iter(spec_of(out)["datasets"].values()))][1] == EVIL
    href = re.search(r'class="cx-chart-csv" href="([^"]+)"', out).group(1)
    assert href == "script-alert-1-script.csv"
    csv = ctx.files["findings/a/script-alert-1-script.csv"].decode()
    assert csv.splitlines() == ["country,value", "UK,56", f"{EVIL},52.5", "'=1+2,-3"]


def test_the_page_spec_holds_only_the_callers_data(ctx):
    df = table()
    out = charts.render_figure(bar(df), df, ctx, title="T")
    spec = spec_of(out)
    assert "url" not in json.dumps(spec)
    assert list(spec["datasets"].values())[0] == json.loads(df.to_json(orient="records"))


def test_a_spec_that_loads_a_url_is_refused(ctx):
    spec = {"data": {"url": "https://example.com/x.csv"}, "mark": "bar"}
    with pytest.raises(SiteError, match="the chart loads data from 'https://example.com/x.csv'"):
        charts.render_figure(spec, pd.DataFrame(), ctx, title="T")


def test_two_charts_on_a_page_have_unique_ids_and_files(ctx):
    first = charts.render_figure(bar(table()), table(), ctx, title="Same")
    other = table().assign(value=[1, 2, 3])
    second = charts.render_figure(bar(other), other, ctx, title="Same")
    assert 'id="cx-chart-2"' in second
    assert set(ctx.files) == {"findings/a/same.csv", "findings/a/same-2.csv"}
    assert 'href="same-2.csv"' in second and 'href="same.csv"' in first


def test_svg_ids_are_made_unique_and_references_follow():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="clip1"><rect/></clipPath>'
           '</defs><g clip-path="url(#clip1)"><use href="#clip1"/></g></svg>')
    out = charts._svg_template(svg).replace(charts._CID, "cx-chart-4")
    assert 'id="cx-chart-4-clip1"' in out and "url(#cx-chart-4-clip1)" in out
    assert 'href="#cx-chart-4-clip1"' in out
    assert out.startswith('<svg role="img" aria-labelledby="cx-chart-4-caption" focusable="false" ')


def test_a_chart_vega_cannot_draw_is_a_site_error(ctx):
    chart = alt.Chart(table()).mark_bar().encode(x="country:N", y=alt.Y("value:Q", axis=alt.Axis(format="%%zz")))
    with pytest.raises(SiteError) as exc:
        charts.render_figure(chart, table(), ctx, title="T")
    assert exc.value.problem.message == "the chart could not be drawn: invalid format: %%zz"


def test_the_same_chart_gives_the_same_bytes(ctx, tmp_path):
    first = charts.render_figure(bar(table()), table(), ctx, title="T")
    ctx2 = BlockContext(config=ctx.config, file=ctx.file, page_url=ctx.page_url)
    assert charts.render_figure(bar(table()), table(), ctx2, title="T") == first


def test_svgs_come_from_the_cache_when_the_spec_is_unchanged(ctx, monkeypatch):
    charts.render_figure(bar(table()), table(), ctx, title="T")
    monkeypatch.setattr(charts, "_convert", lambda *a, **k: pytest.fail("rendered again"))
    charts.render_figure(bar(table()), table(), ctx, title="T")


def test_the_svg_key_includes_the_engine_version(ctx, monkeypatch):
    charts.render_figure(bar(table()), table(), ctx, title="T")
    monkeypatch.setattr(charts, "engine_key", lambda: "vl-convert 99")
    calls = []
    monkeypatch.setattr(charts, "_convert", lambda *a, **k: calls.append(a) or "<svg ></svg>")
    charts.render_figure(bar(table()), table(), ctx, title="T")
    assert calls


def test_table_rows_stop_at_the_limit_but_the_csv_has_all(ctx, monkeypatch):
    monkeypatch.setattr(charts, "MAX_TABLE_ROWS", 2)
    out = charts.render_figure(bar(table()), table(), ctx, title="T")
    assert out.count("<tr>") == 3  # header + 2 rows
    assert "The first 2 of 3 rows; download the CSV file for all of them." in out
    assert len(ctx.files["findings/a/t.csv"].decode().splitlines()) == 4


def test_dates_and_gaps_in_the_table_and_csv(ctx):
    df = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-02-01"]), "v": [1.0, None]})
    chart = alt.Chart(df).mark_line().encode(x="month:T", y="v:Q")
    out = charts.render_figure(chart, df, ctx, title="T")
    assert '<td class="date">2026-01-01</td>' in out  # a date column never wraps
    assert ctx.files["findings/a/t.csv"].decode().splitlines() == ["month,v", "2026-01-01,1", "2026-02-01,"]


def test_table_from_spec_takes_the_inline_values():
    spec = {"layer": [{"data": {"values": [{"a": 1}, {"a": 2}]}}, {"data": {"values": [{"b": 1}]}}]}
    assert charts.table_from_spec(spec).to_dict("records") == [{"a": 1}, {"a": 2}]
    assert charts.table_from_spec({"mark": "bar"}).empty


def test_vega_assets_are_hashed_and_hold_the_libraries():
    assets = dict(charts.vega_assets())
    assert sorted(re.sub(r"\.[0-9a-f]{10}\.", ".HASH.", n) for n in assets) == [
        "assets/cx-charts.HASH.css", "assets/cx-charts.HASH.js", "assets/vega-bundle.HASH.js"]
    bundle = next(v for k, v in assets.items() if "vega-bundle" in k)
    assert b"vegaEmbed" in bundle and len(bundle) > 300_000
    assert charts.vega_assets() == list(charts.vega_assets())


def test_figure_json_roundtrip(ctx):
    fig = charts.make_figure(bar(table()), table(), ctx.config, title="T")
    assert charts.Figure(**json.loads(json.dumps(fig.to_json()))) == fig
    assert htmllib.escape(EVIL) in fig.table
    assert isinstance(Cache.for_config(ctx.config).root, Path)
