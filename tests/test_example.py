"""The example site a new user builds first: it builds cleanly under --strict and shows the
published figures with their sources, and labels the company's own data as illustrative; every
page is also in Simplified Chinese, with the same figures, and reads in Chinese."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.content import PageSource, discover
from cxsite.engine.output import MemoryWriter
from cxsite.search.text import page_text
from cxsite.engine.site import build_site

pytestmark = pytest.mark.slow  # browser or end-to-end: `pytest -m "not slow"` skips it

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def example_html(tmp_path_factory) -> dict[str, str]:
    src = tmp_path_factory.mktemp("example")
    for name in ("content", "data", "charts", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name)
    shutil.copy(ROOT / "cxsite.yaml", src / "cxsite.yaml")
    result = build_site(load_config(src, strict=True), MemoryWriter())
    assert result.problems == []  # not even a warning
    return {path: data.decode("utf-8") for path, data in result.files.items()
            if path.endswith("index.html")}


@pytest.fixture(scope="module")
def example(example_html) -> dict[str, str]:
    """The text a reader sees on each page (menus and footer included)."""
    return {path: page_text(html.split("<body", 1)[-1]) for path, html in example_html.items()}


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


# ---- the Chinese site ---------------------------------------------------------------------

def _pages() -> tuple[list[PageSource], dict[str, PageSource]]:
    """The example's English pages, and its Chinese ones by the English page they translate."""
    config = load_config(ROOT)
    sources, _ = discover(ROOT / "content", config.languages)
    english = [s for s in sources if not s.lang]
    chinese = {s.key: s for s in sources if s.lang == "zh"}
    return english, chinese


ENGLISH, CHINESE = _pages()
# a figure as a page writes it: 1,208  4-8%  2026  0.4; the thousands separator left out, so
# that 1,208 and 1208 are the same figure
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?%?")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _figures(text: str) -> set[str]:
    return {f.replace(",", "").rstrip(".") for f in _FIGURE.findall(text)}


def test_the_example_has_english_pages():
    assert len(ENGLISH) >= 12 and any(s.key == "kpis.md" for s in ENGLISH)


@pytest.mark.parametrize("page", ENGLISH, ids=lambda s: s.key)
def test_every_page_has_a_chinese_translation(example_html, page):
    assert page.key in CHINESE, f"content/{page.key} has no translation content/{page.key[:-3]}.zh.md"
    html = example_html[CHINESE[page.key].url + "index.html"]
    assert 'class="untranslated"' not in html  # the real translation, not the English stand-in
    assert '<html lang="zh-Hans"' in html
    # the language switcher and the alternates lead from each version to the other
    assert f'hreflang="zh-Hans" href="/{CHINESE[page.key].url}"' in example_html[page.url + "index.html"]
    assert f'hreflang="en-GB" href="/{page.url}"' in html


@pytest.mark.parametrize("page", ENGLISH, ids=lambda s: s.key)
def test_a_chinese_page_shows_every_figure_of_its_english_page(example_html, page):
    """Every number on the English page (the published figures of cx-facts.md, the sample
    data, dates, steps) is on the Chinese page too: translating never drops or changes one.
    Code examples (how-to-edit) are left out: their numbers are line numbers, not figures."""
    def text(path: str) -> str:
        return page_text(re.sub(r"<pre\b.*?</pre>", "", example_html[path].split("<body", 1)[-1],
                                flags=re.S))

    english = text(page.url + "index.html")
    chinese = text(CHINESE[page.key].url + "index.html")
    missing = _figures(english) - _figures(chinese)
    assert not missing, f"on /{page.url} but not on /{CHINESE[page.key].url}: {sorted(missing)}"


@pytest.mark.parametrize("page", ENGLISH, ids=lambda s: s.key)
def test_a_chinese_page_reads_in_chinese(example, page):
    """The only English words on a Chinese page are the ones its author wrote in it (names,
    sources, code examples): every word the site adds (menus, charts, tables, cards, statuses,
    data values given Chinese labels) is Chinese. 'English' names the other language."""
    zh = CHINESE[page.key]
    written = (ROOT / "content" / zh.rel).read_text(encoding="utf-8")
    allowed = set(_WORD.findall(written)) | set(_WORD.findall((ROOT / "cxsite.yaml").read_text(
        encoding="utf-8"))) | {"English", "CSV"}
    stray = set(_WORD.findall(example[zh.url + "index.html"])) - allowed
    assert not stray, f"English words on /{zh.url} that its page does not contain: {sorted(stray)}"


@pytest.mark.parametrize("page, source", [
    ("zh/why-cx-pays/index.html", "贝恩公司"),
    ("zh/why-cx-pays/index.html", "盖洛普"),
    ("zh/findings/gallup-europe/index.html", "Make the customer a clear focus"),
    ("zh/findings/ama-survey/index.html", "美国管理协会"),
    ("zh/framework/eight-steps/index.html", "Customer-centricity: building a culture"),
])
def test_chinese_figures_name_their_source(example, page, source):
    assert source in example[page]


@pytest.mark.parametrize("page", ["zh/roadmap/index.html", "zh/kpis/index.html", "zh/index.html"])
def test_chinese_company_data_is_labelled_illustrative(example, page):
    assert "示例数据" in example[page]


def test_chinese_pages_write_numbers_and_dates_the_chinese_way(example):
    kpis, roadmap = example["zh/kpis/index.html"], example["zh/roadmap/index.html"]
    assert re.search(r"净推荐值 -?\d+ 分", kpis)  # the KPI card: name, value, unit in Chinese
    assert "2026年2月" in kpis and "个百分点" in kpis
    assert "状态截至 2026年3月15日" in roadmap and "有风险" in roadmap


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
    assert "我们目前的净推荐值为 29 分" in text
    assert "points" not in text
