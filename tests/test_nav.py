from __future__ import annotations

from cxsite.content import Page, PageSource, url_for_rel
from cxsite.nav import MAX_CHILDREN_SHOWN, build_navigation, visible_children


def make(rel: str, title: str = "", weight: int = 0) -> Page:
    url, section, is_index = url_for_rel(rel)
    return Page(PageSource(rel, url, section, is_index), {}, "", 1, title=title, weight=weight)


def test_sections_order_and_reading_order():
    nav = build_navigation([
        make("index.md", "Home"), make("b.md", "Bravo", 2), make("a.md", "Alpha", 1),
        make("s/_index.md", "Section", 3), make("s/x.md", "X"), make("t/deep/y.md", "Y", 9),
    ], "Site")
    assert [n.url for n in nav.order] == ["", "a/", "b/", "s/", "s/x/", "t/", "t/deep/", "t/deep/y/"]
    assert nav.by_url["t/"].page is None and nav.by_url["t/"].title == "T"  # made-up section
    prev, nxt = nav.neighbours("s/")
    assert (prev.url, nxt.url) == ("b/", "s/x/")
    assert [a.url for a in nav.by_url["t/deep/y/"].ancestors()] == ["", "t/", "t/deep/"]


def test_large_sections_show_a_bounded_number_of_links():
    pages = [make("index.md")] + [make(f"big/p{i:04}.md", f"P{i:04}") for i in range(500)]
    nav = build_navigation(pages, "Site")
    shown, hidden = visible_children(nav.by_url["big/"], "big/p0450/")
    assert len(shown) == MAX_CHILDREN_SHOWN + 1
    assert shown[-1].url == "big/p0450/"  # the current page is always in the menu
    assert hidden == 500 - len(shown)


def test_each_language_has_its_own_menu():
    from cxsite.nav import merge
    from cxsite.translations import stand_in

    en = [make("index.md", "Home"), make("a.md", "Alpha", 1), make("b.md", "Bravo", 2)]
    zh = [Page(PageSource("index.zh.md", "zh/", "", True, "zh", "index.md"), {}, "", 1, title="首页"),
          stand_in(en[1], "zh", "zh/"),
          Page(PageSource("b.zh.md", "zh/b/", "zh/", False, "zh", "b.md"), {}, "", 1, title="乙", weight=2)]
    nav = merge([build_navigation(en, "Site"), build_navigation(zh, "网站", lang="zh")])
    assert [n.url for n in nav.order] == ["", "a/", "b/", "zh/", "zh/a/", "zh/b/"]
    assert nav.neighbours("b/") == (nav.by_url["a/"], None)  # never into another language
    assert nav.neighbours("zh/") == (None, nav.by_url["zh/a/"])
    assert nav.root_of(nav.by_url["zh/b/"]).title == "首页"
    assert nav.by_url["zh/a/"].fallback and not nav.by_url["zh/b/"].fallback
    assert nav.version(nav.by_url["zh/b/"], "") is nav.by_url["b/"]
    assert [a.url for a in nav.by_url["zh/b/"].ancestors()] == ["zh/"]
