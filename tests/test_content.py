from __future__ import annotations

import pytest

from cxsite.content import (check_unique_urls, discover, read_page, relative_url, slugify,
                            split_front_matter, url_for_rel)
from cxsite.errors import Problems, SiteError


@pytest.mark.parametrize("rel, url, section, is_index", [
    ("index.md", "", "", True),
    ("roadmap.md", "roadmap/", "", False),
    ("findings/_index.md", "findings/", "", True),
    ("findings/index.md", "findings/", "", True),
    ("findings/gallup.md", "findings/gallup/", "findings/", False),
    ("a/b/_index.md", "a/b/", "a/", True),
    ("Our Plan.md", "our-plan/", "", False),
    ("调查/结果.md", "调查/结果/", "调查/", False),
])
def test_clean_urls(rel, url, section, is_index):
    assert url_for_rel(rel) == (url, section, is_index)


def test_slugify_keeps_chinese_and_drops_punctuation():
    assert slugify("Q&A: Results!") == "qa-results"
    assert slugify("客户 体验") == "客户-体验"


def test_front_matter_split_reports_body_line():
    meta, body, line = split_front_matter("---\ntitle: A\nweight: 2\n---\n# Body\n", "f.md")
    assert meta == {"title": "A", "weight": 2}
    assert body == "# Body\n"
    assert line == 5


def test_no_front_matter_is_fine():
    assert split_front_matter("# Just text", "f.md") == ({}, "# Just text", 1)


def test_unclosed_front_matter_is_an_error():
    with pytest.raises(SiteError) as e:
        split_front_matter("---\ntitle: A\n", "content/x.md")
    assert e.value.problem.line == 1


def test_discover_skips_hidden_and_editor_files(tmp_path):
    c = tmp_path / "content"
    (c / ".git").mkdir(parents=True)
    (c / ".git" / "x.md").write_text("x")
    (c / ".page.md.swp").write_text("x")
    (c / "page.md~").write_text("x")
    (c / "page.md").write_text("x")
    (c / "logo.png").write_bytes(b"png")
    pages, assets = discover(c)
    assert [p.rel for p in pages] == ["page.md"]
    assert assets == ["logo.png"]


def test_missing_content_folder(tmp_path):
    with pytest.raises(SiteError) as e:
        discover(tmp_path / "content")
    assert "there is no content folder" in e.value.problem.message


def test_read_page_validates_types_and_keeps_custom_keys(tmp_path):
    c = tmp_path / "content"
    c.mkdir()
    (c / "a.md").write_text("---\ntitle: 2026\nowner: Comms team\ndraft: true\n---\nBody", encoding="utf-8")
    problems = Problems()
    pages, _ = discover(c)
    page = read_page(pages[0], c, problems)
    assert problems.items == []
    assert page.title == "2026"  # a number written as a title is still a title
    assert page.draft is True
    assert page.extra == {"owner": "Comms team"}
    assert page.body == "Body"


def test_byte_order_mark_and_windows_newlines(tmp_path):
    c = tmp_path / "content"
    c.mkdir()
    (c / "a.md").write_bytes("\ufeff---\r\ntitle: Hi\r\n---\r\nBody\r\n".encode("utf-8"))
    page = read_page(discover(c)[0][0], c, Problems())
    assert page.title == "Hi"


def test_duplicate_urls_are_reported():
    from cxsite.content import PageSource
    problems = Problems()
    a = PageSource("plan.md", "plan/", "", False)
    b = PageSource("Plan.md", "plan/", "", False)
    check_unique_urls([a, b], problems)
    assert [p.file for p in problems.errors] == ["content/Plan.md"]


@pytest.mark.parametrize("src, dst, expected", [
    ("findings/gallup/", "roadmap/", "../../roadmap/"),
    ("", "roadmap/", "roadmap/"),
    ("roadmap/", "", "../"),
    ("", "", "./"),
    ("a/", "assets/style.css", "../assets/style.css"),
    ("a/b/", "a/", "../"),
    ("a/", "a/b/", "b/"),
    ("a/b/", "a/c/", "../c/"),
])
def test_relative_urls_work_under_any_sub_path(src, dst, expected):
    assert relative_url(src, dst) == expected


def test_translations_are_named_by_language(tmp_path):
    from cxsite.config import load_config

    c = tmp_path / "content"
    for rel in ("index.md", "index.zh.md", "roadmap.md", "roadmap.zh.md", "findings/_index.zh.md",
                "findings/europe.md", "notes.v2.md", "report.en.md"):
        (c / rel).parent.mkdir(parents=True, exist_ok=True)
        (c / rel).write_text("x", encoding="utf-8")
    (tmp_path / "cxsite.yaml").write_text("languages: {zh: {locale: zh-Hans}}\n", encoding="utf-8")
    pages, _ = discover(c, load_config(tmp_path).languages)
    found = {p.rel: (p.url, p.section, p.lang, p.key) for p in pages}
    assert found["index.zh.md"] == ("zh/", "", "zh", "index.md")
    assert found["roadmap.zh.md"] == ("zh/roadmap/", "zh/", "zh", "roadmap.md")
    assert found["findings/_index.zh.md"] == ("zh/findings/", "zh/", "zh", "findings/_index.md")
    assert found["roadmap.md"] == ("roadmap/", "", "", "roadmap.md")
    assert found["notes.v2.md"][0] == "notes.v2/"  # not a language: a page of its own
    assert found["report.en.md"] == ("report/", "", "", "report.md")  # the default language, named
