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


def test_a_link_out_of_the_site_is_an_error_naming_it(site, tmp_path):
    import os
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=abc")
    src = site({"content/index.md": "# Home\n", "data/x.csv": "a\n1\n"})
    os.symlink(secret, src / "content" / "env.txt")
    with pytest.raises(SiteError) as e:
        discover(src / "content")
    p = e.value.problem
    assert p.file == "content/env.txt" and "leads outside the site folder" in p.message
    assert "copy the file" in p.hint


def test_the_build_refuses_to_publish_the_environment_through_a_link(site, capsys):
    import os

    from cxsite.cli import main
    src = site({"content/index.md": "# Home\n"})
    os.symlink("/proc/self/environ", src / "content" / "env.txt")
    assert main(["--source", str(src)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("content/env.txt: error: content/env.txt leads outside the site folder")
    assert not (src / "output").exists()


def test_links_inside_the_site_and_broken_links_are_fine(site):
    import os
    src = site({"content/index.md": "# Home\n", "data/logo.png": b"png"})
    os.symlink(src / "data" / "logo.png", src / "content" / "logo.png")
    os.symlink(src / "nowhere.png", src / "content" / "broken.png")
    pages, assets = discover(src / "content")
    assert assets == ["logo.png"] and [p.rel for p in pages] == ["index.md"]


def test_a_file_name_that_is_not_utf8_is_named_with_a_fix(site):
    import os
    src = site({"content/index.md": "# Home\n"})
    try:
        (src / "content").joinpath(os.fsdecode(b"caf\xe9.md")).write_text("# Cafe\n")
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    with pytest.raises(SiteError) as e:
        discover(src / "content")
    p = e.value.problem
    assert p.file == "content/caf\ufffd.md" and "not valid text (not UTF-8)" in p.message
    assert "rename the file" in p.hint


def test_lone_carriage_returns_end_lines(site):
    problems = Problems()
    src = site({"content/index.md": "x"})
    (src / "content" / "index.md").write_bytes(b"---\rtitle: Mac\r---\r# Hi\r")
    page = read_page(discover(src / "content")[0][0], src / "content", problems)
    assert page.title == "Mac" and page.body.startswith("# Hi")
