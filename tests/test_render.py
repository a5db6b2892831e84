from __future__ import annotations

from cxsite.content import Page, PageSource, relative_url, url_for_rel
from cxsite.nav import MAX_CHILDREN_SHOWN, build_navigation
from cxsite.render import nav_menu


def _page(rel: str, title: str, weight: int = 0) -> Page:
    url, section, is_index = url_for_rel(rel)
    return Page(PageSource(rel, url, section, is_index), {}, "", 1, title=title, weight=weight)


def test_the_menu_made_once_per_section_is_the_menu_made_for_each_page():
    """nav_menu reuses one menu for the pages of a section, changing only the page's own link;
    every page must still get exactly the menu made for it alone (hidden pages included)."""
    pages = [_page("index.md", "Home"), _page("about.md", "About <us>", 1)]
    pages += [_page(f"reports/r{i:03d}.md", f"Report {i}", i) for i in range(MAX_CHILDREN_SHOWN + 15)]
    pages += [_page("reports/_index.md", "Reports", 2), _page("reports/deep/_index.md", "Deep", 99),
              _page("reports/deep/d1.md", "D1"), _page("reports/deep/d2.md", "D2"),
              _page("team/t1.md", "T1"), _page("team/t2.md", "T2")]
    nav = build_navigation(pages, "Site")
    for _ in range(2):  # the second round reads every menu from the cache
        for node in nav.order:
            open_urls = {n.url for n in node.ancestors()} | {node.url}
            to_url = lambda target, here=node.url: relative_url(here, target)  # noqa: E731
            alone = nav_menu(nav.root, node.url, open_urls, to_url)
            assert nav_menu(nav.root, node.url, open_urls, to_url, node) == alone, node.url
    assert len(nav.root.__dict__["_menu_cache"]) >= 3


def test_a_hidden_page_is_shown_in_the_menu_on_its_own_page():
    pages = [_page(f"p{i:03d}.md", f"P{i}", i) for i in range(MAX_CHILDREN_SHOWN + 5)]
    nav = build_navigation(pages, "Site")
    last = nav.by_url[f"p{MAX_CHILDREN_SHOWN + 4:03d}/"]
    menu = nav_menu(nav.root, last.url, {"", last.url}, lambda t: relative_url(last.url, t), last)
    assert f'<a href="./" aria-current="page">P{MAX_CHILDREN_SHOWN + 4}</a>' in menu
    assert "4 more in Site" in menu


def test_a_template_or_static_file_linked_from_outside_the_site_is_an_error(site, tmp_path):
    import os

    import pytest

    from cxsite.config import load_config
    from cxsite.errors import SiteError
    from cxsite.render import load_theme
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "page.html").write_text("{{ page.body }}")
    (outside / "evil.css").write_text("body{}")
    src = site({"content/index.md": "# Home\n", "templates/static/ok.css": "a{}"})
    os.symlink(outside / "evil.css", src / "templates" / "static" / "evil.css")
    with pytest.raises(SiteError) as e:
        load_theme(load_config(src))
    assert e.value.problem.file == "templates/static/evil.css"
    os.remove(src / "templates" / "static" / "evil.css")
    os.symlink(outside / "page.html", src / "templates" / "page.html")
    theme = load_theme(load_config(src))
    with pytest.raises(SiteError) as e:
        theme.get("page", "content/index.md")
    assert "templates/page.html leads outside the site folder" in e.value.problem.message


def test_themes_loaded_in_one_process_each_render_their_own_templates(tmp_path):
    """Templates are compiled once per process (tests, serve after an edit): a template of the
    same name in another site, or edited, still renders as its text says."""
    from cxsite.config import load_config
    from cxsite.render import load_theme

    def render(site: str, text: str) -> str:
        src = tmp_path / site
        (src / "templates").mkdir(parents=True, exist_ok=True)
        (src / "templates" / "page.html").write_text(text)
        return load_theme(load_config(src, None)).get("page", "x").render(title="T")

    assert render("a", "A {{ title }}") == "A T"
    assert render("b", "B {{ title }}") == "B T"
    assert render("a", "A edited {{ title }}") == "A edited T"
    assert render("b", "B {{ title }}") == "B T"


def test_a_worker_hands_its_compiled_theme_to_the_main_process(monkeypatch):
    """A render worker compiles the theme and finds its scripts' messages as it starts; the
    main process takes both rather than doing the same work while the worker renders."""
    import multiprocessing
    from pathlib import Path

    from cxsite import render
    from cxsite.config import load_config
    from cxsite.engine.site import warm_theme
    from cxsite.i18n import browser

    config = load_config(Path(__file__).resolve().parent.parent)
    with multiprocessing.get_context("spawn").Pool(1) as pool:  # nothing inherited
        warm = pool.apply(warm_theme, (config,))
    fresh = render._CompiledTemplates()
    monkeypatch.setattr(render, "_COMPILED", fresh)
    monkeypatch.setattr(browser, "_FOUND", {})
    render.use_warmed(warm)
    compiled, searched = [], []
    monkeypatch.setattr(fresh, "dump_bytecode", lambda bucket: compiled.append(bucket.key))
    monkeypatch.setattr(browser, "_find", lambda sources: searched.append(1) or [])
    theme = render.load_theme(config)
    for name in ("page.html", "section.html", "base.html", "partials/nav.html"):
        assert theme.env.get_template(name).render  # from the worker's code
    assert compiled == [] and searched == []
    assert "Save as PNG" in theme.script_messages()  # the worker's findings
