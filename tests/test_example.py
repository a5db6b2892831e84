"""The example site a new user builds first: it builds cleanly under --strict and shows the
published figures with their sources, and labels the company's own data as illustrative."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.engine.output import MemoryWriter
from cxsite.search.text import page_text
from cxsite.engine.site import build_site

pytestmark = pytest.mark.slow  # browser or end-to-end: `pytest -m "not slow"` skips it

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> dict[str, str]:
    src = tmp_path_factory.mktemp("example")
    for name in ("content", "data", "charts", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name)
    shutil.copy(ROOT / "cxsite.yaml", src / "cxsite.yaml")
    result = build_site(load_config(src, strict=True), MemoryWriter())
    assert result.problems == []  # not even a warning
    return {path: page_text(data.decode("utf-8")) for path, data in result.files.items()
            if path.endswith("index.html")}


@pytest.mark.parametrize("page, figures", [
    ("why-cx-pays/index.html", ["4-8%", "6-14", "1,208", "1 in 9", "23%", "37%", "56%", "61%",
                                "80%", "54%", "58%", "46%", "67%", "52%"]),
    ("findings/gallup-europe/index.html", ["56", "52", "43", "39", "48%", "29%", "27%", "24%",
                                           "69%", "68%", "88%", "84%", "78%", "77%"]),
    ("findings/ama-survey/index.html", ["60%", "42%", "72%", "69%", "46%", "32%", "37%", "36%", "54%"]),
])
def test_published_figures_appear(example, page, figures):
    text = example[page]
    for figure in figures:
        assert figure in text, f"{figure} missing from {page}"


@pytest.mark.parametrize("page, source", [
    ("why-cx-pays/index.html", "Bain"),
    ("why-cx-pays/index.html", "Gallup"),
    ("findings/gallup-europe/index.html", "Make the customer a clear focus"),
    ("findings/ama-survey/index.html", "American Management Association"),
])
def test_figures_name_their_source(example, page, source):
    assert source in example[page]


@pytest.mark.parametrize("page", ["roadmap/index.html", "kpis/index.html", "index.html"])
def test_company_data_is_labelled_illustrative(example, page):
    assert re.search(r"illustrative sample data", example[page], re.I)


def test_the_built_in_blocks_charts_are_valid_vega_lite(tmp_path, monkeypatch):
    """Roadmap, KPI and survey charts skip Altair's schema validation when a site is built (it
    costs more than drawing them): here every one of the example's is validated."""
    import sys

    import altair as alt

    from cxsite.charts import figure

    checked = []
    real = figure.to_spec

    def validating(chart, config, **kw):
        if not isinstance(chart, dict):
            frames = [sys._getframe(i).f_globals.get("__name__", "") for i in range(2, 6)]
            checked.append(next((f for f in frames if f.startswith("cxsite.cx.")), "other"))
            with alt.data_transformers.enable("default", max_rows=None), alt.theme.enable("none"):
                chart.to_dict(validate=True)  # raises on an invalid chart
        return real(chart, config, **kw)

    monkeypatch.setattr(figure, "to_spec", validating)
    src = tmp_path / "example"
    for name in ("content", "data", "charts", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name)
    shutil.copy(ROOT / "cxsite.yaml", src / "cxsite.yaml")
    result = build_site(load_config(src, cache_dir=tmp_path / "cache"), MemoryWriter(), jobs=1)
    assert result.problems == []
    assert {"cxsite.cx.roadmap.block", "cxsite.cx.kpi.block", "cxsite.cx.survey.block"} <= set(checked)


def test_the_roadmap_page_names_the_stages_as_the_gantt_does():
    """The text's stage headings and the chart's phases are the same three names."""
    import pandas as pd

    phases = pd.read_excel(ROOT / "data" / "roadmap.xlsx")
    names = list(phases[phases["type"] == "phase"]["item"])
    headings = re.findall(r"^## (Stage \d: [^(]+?) \(", (ROOT / "content/roadmap.md").read_text("utf-8"), re.M)
    assert names == headings
    table = re.findall(r"^\| (\d)\. ([^|]+?) \|", (ROOT / "content/index.md").read_text("utf-8"), re.M)
    assert [f"Stage {n}: {name}" for n, name in table] == names


def test_the_example_workstreams_are_counted_as_the_text_counts_them(example):
    """The roadmap page says five workstreams; the chart's description counts the same."""
    text = example["roadmap/index.html"]
    assert "the plan has five workstreams" in text
    assert "Gantt chart of 5 workstreams in 3 phases" in text


def test_the_chinese_home_page_gives_the_nps_in_chinese_units(example):
    text = example["zh/index.html"]
    assert "我们目前的 NPS 为 29 分" in text
    assert "points" not in text
