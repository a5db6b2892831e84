"""Sites in several languages, built end to end: translations by file name, /<code>/ URLs, the
language switcher, stand-ins for pages not yet translated, lang and hreflang, sitemap, search."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from blocksite import build, html, problems, warnings

BILINGUAL = {
    "cxsite.yaml": "title: Customer First\nfooter: Northwind\nlanguage: en\nlanguages:\n"
                   "  zh:\n    locale: zh-Hans\n    title: 客户至上\n    footer: 北风公司\n",
    "content/index.md": "---\ntitle: Home\n---\nWelcome. See [the roadmap](roadmap.md) and [KPIs](kpis.md).\n",
    "content/index.zh.md": "---\ntitle: 首页\n---\n欢迎。请看[路线图](roadmap.md)和[指标](kpis.md)。\n",
    "content/roadmap.md": "---\ntitle: Roadmap\nweight: 1\n---\nThe plan.\n",
    "content/roadmap.zh.md": "---\ntitle: 路线图\nweight: 1\n---\n计划。\n",
    "content/kpis.md": "---\ntitle: KPIs\nweight: 2\n---\nThe numbers. [Back](index.md)\n\n## One\n\n## Two\n",
    "content/findings/_index.md": "---\ntitle: Findings\nweight: 3\n---\nAll findings.\n",
    "content/findings/_index.zh.md": "---\ntitle: 调查发现\n---\n",  # in the menu where Findings is
    "content/findings/europe.md": "---\ntitle: Europe\n---\nEurope.\n",
    "content/news.zh.md": "---\ntitle: 新闻\nweight: 4\n---\n只有中文。\n",
}
LANG = re.compile(r'<html lang="([^"]+)">')
ALTERNATES = re.compile(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">')


def switcher(page: str) -> dict[str, str]:
    nav = re.search(r'<nav class="lang-switch".*?</nav>', page, re.S).group(0)
    links = dict((lang, href) for href, lang in re.findall(r'<a href="([^"]*)" hreflang="([^"]+)"', nav))
    current = re.findall(r'<span aria-current="true" lang="([^"]+)"', nav)
    return {**links, **{c: "(here)" for c in current}}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from conftest import write_site

    return build(write_site(tmp_path_factory.mktemp("bilingual"), BILINGUAL))


def test_translations_are_published_under_their_language(files):
    assert {"index.html", "roadmap/index.html", "zh/index.html", "zh/roadmap/index.html",
            "zh/findings/index.html", "zh/news/index.html", "search/index.html",
            "zh/search/index.html"} <= files.keys()
    assert "news/index.html" not in files  # written in Chinese only
    assert "计划" in html(files, "zh/roadmap/")
    assert "客户至上" in html(files, "zh/roadmap/") and "北风公司" in html(files, "zh/roadmap/")


def test_every_page_says_its_language(files):
    for path, data in files.items():
        if path.endswith(".html"):
            lang = LANG.search(data.decode("utf-8")).group(1)
            assert lang == ("zh-Hans" if path.startswith("zh/") else "en"), path


def test_switcher_goes_to_the_same_page_in_the_other_language(files):
    assert switcher(html(files, "roadmap/")) == {"en": "(here)", "zh-Hans": "../zh/roadmap/"}
    assert switcher(html(files, "zh/roadmap/")) == {"en": "../../roadmap/", "zh-Hans": "(here)"}
    assert switcher(html(files, "zh/findings/")) == {"en": "../../findings/", "zh-Hans": "(here)"}
    # not translated: the Chinese site's stand-in for the page
    assert switcher(html(files, "kpis/")) == {"en": "(here)", "zh-Hans": "../zh/kpis/"}
    # only in Chinese: the English site's home page
    assert switcher(html(files, "zh/news/")) == {"en": "../../", "zh-Hans": "(here)"}


def test_a_page_not_yet_translated_is_the_original_with_a_notice(files):
    page = html(files, "zh/kpis/")
    assert '<p class="untranslated" role="note">本页尚未翻译，以下为英语原文。</p>' in page
    assert '<article lang="en">' in page and "The numbers." in page
    assert '<link rel="canonical" href="/kpis/">' in page
    assert ALTERNATES.findall(page) == []  # a stand-in is no translation
    assert '<h2 id="toc-heading">本页内容</h2>' in page  # the reader's language around it
    assert '<a href="../" lang="en">Back</a>' not in page and 'href="../">Back</a>' in page  # to the zh home
    menu = re.search(r'<nav id="site-nav".*?</nav>', page, re.S).group(0)
    assert '<a href="./" aria-current="page" lang="en">KPIs</a>' in menu
    assert '<a href="../roadmap/">路线图</a>' in menu and '<a href="../">首页</a>' in menu


def test_links_in_a_translation_go_to_the_same_language(files):
    home = html(files, "zh/")
    assert '<a href="roadmap/">路线图</a>' in home and '<a href="kpis/">指标</a>' in home


def test_hreflang_alternates_on_translated_pages(files):
    expected = [("en", "/roadmap/"), ("zh-Hans", "/zh/roadmap/"), ("x-default", "/roadmap/")]
    assert ALTERNATES.findall(html(files, "roadmap/")) == expected
    assert ALTERNATES.findall(html(files, "zh/roadmap/")) == expected
    assert ALTERNATES.findall(html(files, "findings/europe/")) == []


def test_sitemap_lists_translations(tmp_path):
    """The sitemap needs absolute addresses: it is written when base_url is one."""
    from conftest import write_site

    files = build(write_site(tmp_path / "s", BILINGUAL), base_url="https://intranet.example/")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(files["sitemap.xml"])
    urls = {u.find("s:loc", ns).text: [(a.get("hreflang"), a.get("href")) for a in u.findall("x:link", ns)]
            for u in root.findall("s:url", ns)}
    at = "https://intranet.example"
    assert urls[f"{at}/zh/roadmap/"] == [("en", f"{at}/roadmap/"), ("zh-Hans", f"{at}/zh/roadmap/"),
                                         ("x-default", f"{at}/roadmap/")]
    assert f"{at}/zh/kpis/" not in urls  # a stand-in
    assert urls[f"{at}/zh/news/"] == [] and urls[f"{at}/kpis/"] == []


def test_each_language_has_its_menu_breadcrumbs_and_pager(files):
    europe = html(files, "zh/findings/europe/")
    assert re.search(r'<li><a href="../../">首页</a></li><li><a href="../">调查发现</a></li>', europe)
    page = html(files, "zh/roadmap/")
    assert 'rel="prev"><span>上一页</span>首页</a>' in page
    assert 'rel="next" lang="en"><span lang="zh-Hans">下一页</span>KPIs</a>' in page
    assert "<title>路线图 · 客户至上</title>" in page


def test_search_per_language(files):
    zh_page = html(files, "zh/search/")
    assert '<html lang="zh-Hans">' in zh_page and '<label for="search-input">搜索本站</label>' in zh_page
    assert 'data-text-none="没有找到与“{q}”相关的结果。"' in zh_page
    assert 'action="../zh/search/"' not in html(files, "zh/") and 'action="search/"' in html(files, "zh/")
    shared = [json.loads(v.decode("utf-8").split(",'", 1)[1].rsplit("');", 1)[0])
              for k, v in files.items() if k.startswith("assets/search/f/")]  # pages' texts, 8 a file
    pages = {r["u"]: r for records in shared for r in records}
    assert (pages["zh/roadmap/"]["l"], pages["zh/roadmap/"]["s"]) == ("zh-Hans", "")
    assert pages["roadmap/"]["l"] == "en"
    assert "zh/kpis/" not in pages and "zh/findings/europe/" not in pages  # stand-ins: their
    # originals are found instead


def test_404_speaks_every_language(files):
    page = files["404.html"].decode("utf-8")
    assert '<html lang="en">' in page and "Page not found" in page
    assert '<p lang="zh-Hans">抱歉，这个地址没有对应的页面。 <a href="/zh/" hreflang="zh-Hans">返回首页</a></p>' in page


def test_scripts_get_the_page_language(files):
    page = html(files, "zh/")
    script = re.search(r'<script src="\.\./(assets/messages\.zh-Hans\.[0-9a-f]+\.js)" defer>', page).group(1)
    assert '"Save as SVG":"保存为 SVG 图片"' in files[script].decode("utf-8")


def test_a_chinese_only_site_has_no_english_chrome(site):
    files = build(site({
        "cxsite.yaml": "title: 客戶至上\nlanguage: zh-Hant\n",
        "content/index.md": "---\ntitle: 首頁\n---\n歡迎\n\n## 一\n\n## 二\n\n!!! note\n    說明文字\n",
        "content/roadmap.md": "---\ntitle: 路線圖\n---\n計畫\n",
    }))
    page = html(files)
    assert '<html lang="zh-Hant">' in page and "本頁內容" in page and "搜尋" in page
    assert '<p class="admonition-title">說明</p>' in page
    assert "lang-switch" not in page  # one language: no switcher
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S))
    assert re.findall(r"[A-Za-z]{3,}", visible) == []


def test_a_front_matter_language_is_used_for_the_whole_page(site):
    files = build(site({
        "content/index.md": "---\ntitle: Home\n---\nHello\n",
        "content/zh.md": "---\ntitle: 中文概要\nlang: zh-Hant\n---\n你好\n",
    }))
    assert '<html lang="zh-Hant">' in html(files, "zh/")
    assert '<a class="skip-link" href="#main">跳至主要內容</a>' in html(files, "zh/")


def test_file_names_of_languages_the_site_does_not_have(site):
    src = site({**BILINGUAL, "content/about.de.md": "---\ntitle: Über\n---\nx\n"})
    assert warnings(src) == [
        "content/about.de.md: warning: the file name looks like a translation into 'de', which is "
        "not one of the site's languages, so it is published as a page of its own\n"
        "  hint: the site's languages are en, zh: add 'de' to 'languages' in cxsite.yaml, or rename "
        "the file."]


def test_a_folder_named_like_a_language_is_an_error(site):
    src = site({**BILINGUAL, "content/zh/x.md": "---\ntitle: X\n---\nx\n"})
    assert any("content/zh/x.md: error: the page is published at /zh/x/, where the pages in the "
               "language 'zh' are" in p for p in problems(src))


def test_a_language_without_a_catalogue_warns_once(site):
    src = site({"cxsite.yaml": "language: fr\n", "content/index.md": "Bonjour\n"})
    assert warnings(src) == [
        "cxsite.yaml: warning: there is no translation of the site's menus and buttons into 'fr', "
        "so they are in English\n  hint: add a translation file locales/fr.po (README, "
        "'Languages'), or choose a language cxsite translates: en, zh-Hans, zh-Hant."]


def test_a_site_catalogue_translates_a_new_language(site):
    files = build(site({
        "cxsite.yaml": "language: fr\n",
        "content/index.md": "---\ntitle: Accueil\n---\nBonjour\n",
        "locales/fr.po": 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                         'msgid "Skip to main content"\nmsgstr "Aller au contenu"\n',
    }))
    page = html(files)
    assert '<html lang="fr">' in page and ">Aller au contenu</a>" in page


@pytest.mark.slow
def test_serve_picks_up_a_new_translation_and_catalogue(tmp_path):
    from cxsite.config import load_config
    from cxsite.engine.incremental import IncrementalBuild
    from conftest import write_site

    write_site(tmp_path, BILINGUAL)
    config = lambda: load_config(tmp_path, tmp_path / "out", serve_mode=True)  # noqa: E731
    inc = IncrementalBuild(config(), jobs=1, reload_config=config)
    assert inc.update().ok
    inc.finish()
    write_site(tmp_path, {"content/kpis.zh.md": "---\ntitle: 指标\n---\n数字。\n",
                          "locales/zh-Hans.po": 'msgid ""\nmsgstr ""\n'
                                                '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                                                'msgid "Search"\nmsgstr "站内搜索"\n'})
    update = inc.update({"content/kpis.zh.md", "locales/zh-Hans.po"})
    assert update.ok
    files = inc.finish()
    assert "数字。" in html(files, "zh/kpis/") and "untranslated" not in html(files, "zh/kpis/")
    assert 'placeholder="站内搜索"' in html(files, "zh/roadmap/")
    assert files == build_clean(tmp_path)


def build_clean(root):
    from cxsite.config import load_config
    from cxsite.engine.site import build_site

    return build_site(load_config(root, root / "out", serve_mode=True), None, jobs=1).files


def test_a_translation_before_its_language_is_configured(site):
    src = site({"content/index.md": "Hello\n", "content/index.zh.md": "你好\n"})
    assert warnings(src)[0].startswith(
        "content/index.zh.md: warning: the file name looks like a translation into 'zh', which is "
        "not one of the site's languages")


@pytest.mark.slow
def test_the_next_build_sees_an_edited_catalogue(site, tmp_path):
    from blocksite import build_to_disk

    po = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
          'msgid "Skip to main content"\nmsgstr "{}"\n')
    src = site({"cxsite.yaml": "language: zh-Hans\n", "content/index.md": "你好\n",
                "locales/zh-Hans.po": po.format("跳到正文")})
    assert "跳到正文" in build_to_disk(src, tmp_path / "out")["index.html"].decode()
    (src / "locales/zh-Hans.po").write_text(po.format("直接阅读正文"), encoding="utf-8")
    assert "直接阅读正文" in build_to_disk(src, tmp_path / "out")["index.html"].decode()
