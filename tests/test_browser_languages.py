"""A bilingual site in a real browser: the language switcher lands on the same page in the other
language, and the scripts (search, charts) speak the page's language."""
from __future__ import annotations


import pytest

from httpfolder import served_folder
from conftest import write_site
from cxsite.config import load_config
from cxsite.engine.output import DiskWriter
from cxsite.engine.site import build_site

pytestmark = pytest.mark.slow

CHART = """```chart
data: scores.csv
mark: bar
x: team
y: points
title: {title}
```
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A site in English and Traditional Chinese, served from 127.0.0.1; yields its base URL."""
    root = tmp_path_factory.mktemp("browser-languages")
    src = write_site(root / "site", {
        "cxsite.yaml": "title: Customer First\nlanguages:\n  zh-Hant:\n    title: 客戶至上\n",
        "content/index.md": "---\ntitle: Home\n---\nWelcome to the programme.\n",
        "content/index.zh-Hant.md": "---\ntitle: 首頁\n---\n歡迎來到客戶體驗計畫。\n",
        "content/roadmap.md": "---\ntitle: Roadmap\n---\nThe plan.\n\n" + CHART.format(title="Scores"),
        "content/roadmap.zh-Hant.md": "---\ntitle: 路線圖\n---\n計畫內容。\n\n" + CHART.format(title="分數"),
        "content/kpis.md": "---\ntitle: KPIs\n---\nThe numbers.\n",
        "data/scores.csv": "team,points\nNorth,1200\nSouth,7\n",
    })
    config = load_config(src, root / "out")
    build_site(config, DiskWriter(config.output, src))
    with served_folder(config.output) as url:
        yield url


def test_switcher_lands_on_the_translated_page(browser, served):
    page = browser.new_page()
    page.goto(served + "roadmap/")
    page.click(".lang-switch a[hreflang='zh-Hant']")
    page.wait_for_load_state()
    assert page.url == served + "zh-Hant/roadmap/"
    assert page.evaluate("document.documentElement.lang") == "zh-Hant"
    assert page.inner_text("h1") == "路線圖"
    page.click(".lang-switch a[hreflang='en']")
    page.wait_for_load_state()
    assert page.url == served + "roadmap/"
    page.close()


def test_switcher_to_an_untranslated_page_shows_the_original_with_a_notice(browser, served):
    page = browser.new_page()
    page.goto(served + "kpis/")
    page.click(".lang-switch a[hreflang='zh-Hant']")
    page.wait_for_load_state()
    assert page.url == served + "zh-Hant/kpis/"
    assert page.inner_text(".untranslated") == "本頁尚未翻譯，以下為英文原文。"
    assert page.evaluate("document.querySelector('article').lang") == "en"
    page.close()


def test_search_speaks_the_page_language(browser, served):
    page = browser.new_page()
    page.goto(served + "zh-Hant/search/?q=計畫")
    page.wait_for_function("document.getElementById('search-status').textContent !== ''")
    assert page.inner_text("#search-status") == "2 個結果"
    page.fill("#search-input", "nothing-like-this")
    page.wait_for_function("document.getElementById('search-status').textContent.indexOf('沒有') === 0")
    assert page.inner_text("#search-status") == "沒有找到與「nothing-like-this」相關的結果。"
    page.goto(served + "zh-Hant/search/?q=plan")  # an English page: shown under its language
    page.wait_for_function("document.querySelector('.search-results h2, .search-results [lang=en]') !== null")
    assert "英文頁面" in page.inner_text(".search-results")
    page.close()


def test_interactive_chart_menu_and_numbers_in_the_page_language(browser, served):
    page = browser.new_page()
    page.goto(served + "zh-Hant/roadmap/")
    page.wait_for_selector("figure.cx-chart--live")
    title = page.get_attribute(".cx-chart-live details", "title")
    assert title == "點選以檢視操作"
    labels = page.eval_on_selector_all(".cx-chart-live svg text", "els => els.map(e => e.textContent)")
    assert "1,200" in labels  # the axis of the live chart, in the locale's grouping
    page.close()


def test_screen_readers_meet_no_english_in_a_chinese_chart(browser, served):
    page = browser.new_page()
    page.goto(served + "zh-Hant/roadmap/")
    page.wait_for_selector("figure.cx-chart--live")
    spoken = page.eval_on_selector_all(
        ".cx-chart-view [aria-label], .cx-chart-view [aria-roledescription], .cx-chart-view title",
        "els => els.map(e => (e.getAttribute('aria-label') || '') + (e.getAttribute('aria-roledescription') || '') + (e.tagName === 'title' ? e.textContent : ''))")
    # only the chart menu's button has a name (axe: a summary needs one), in Chinese
    assert spoken == ["點選以檢視操作"]
    live = page.query_selector(".cx-chart-live svg")
    assert live.get_attribute("role") == "img" and live.get_attribute("aria-labelledby") == "cx-chart-1-caption"
    page.close()
