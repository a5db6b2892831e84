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
