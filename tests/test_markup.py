from __future__ import annotations

from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.content import Page, PageSource
from cxsite.markup import SiteMap, convert, fence_lines

SITE = SiteMap({"index.md": ("", False), "roadmap.md": ("roadmap/", False),
                "findings/gallup.md": ("findings/gallup/", False), "old.md": ("old/", True)},
               frozenset({"img/logo.png"}))


def page(body: str, rel: str = "findings/gallup.md", body_line: int = 1) -> Page:
    return Page(PageSource(rel, "findings/gallup/" if rel.startswith("findings") else "", "", False),
                {}, body, body_line)


def conv(body: str, **kw):
    return convert(page(body, **kw), load_config(Path("/tmp/nonexistent-site")), SITE)


def test_links_to_md_files_become_relative_page_urls():
    r = conv("See [the roadmap](../roadmap.md#phases) and [home](../index.md).")
    assert '<a href="../../roadmap/#phases">the roadmap</a>' in r.html
    assert '<a href="../../">home</a>' in r.html
    assert r.links == {"roadmap/", ""}
    assert r.problems == []


def test_missing_link_is_reported_with_its_line():
    r = conv("Intro\n\nSee [x](../roadmapp.md).", body_line=5)
    assert [(p.file, p.line, p.message) for p in r.problems] == [
        ("content/findings/gallup.md", 7, "link to a missing page '../roadmapp.md'")]
    assert r.problems[0].hint == ("did you mean '../roadmap.md'? Links are relative to this "
                                  "page's folder.")


def test_link_to_draft_is_an_error_when_publishing():
    r = conv("[old](../old.md)")
    assert r.problems[0].message == "link to the draft page '../old.md'"


def test_external_and_anchor_links_are_left_alone():
    r = conv("[a](https://example.org) [b](#top) [c](mailto:x@y.z)")
    assert 'href="https://example.org"' in r.html and 'href="#top"' in r.html
    assert r.problems == []


def test_images_and_files_in_content_are_linked_and_checked():
    r = conv("![logo](../img/logo.png) ![gone](../img/gone.png)")
    assert 'src="../../img/logo.png"' in r.html
    assert r.problems[0].message == "link to a missing file '../img/gone.png'"


def test_leading_h1_becomes_the_heading_and_toc_starts_at_h2():
    r = conv("# Survey results\n\n## Europe\n\n### UK\n\n## US\n")
    assert r.heading == "Survey results"
    assert "<h1" not in r.html
    assert [t["name"] for t in r.toc] == ["Europe", "US"]
    assert [c["name"] for c in r.toc[0]["children"]] == ["UK"]


def test_extensions_tables_footnotes_admonitions_tabs_and_chinese_anchors():
    r = conv("| a | b |\n|---|--:|\n| 1 | 2 |\n\nText[^1]\n\n[^1]: Note.\n\n"
             "!!! note \"Remember\"\n    Body\n\n=== \"One\"\n    First\n\n## 客户体验\n")
    assert "<table>" in r.html and '<td style="text-align: right;">2</td>' in r.html
    assert 'class="footnote"' in r.html
    assert 'class="admonition note"' in r.html
    assert 'class="tabbed-set' in r.html
    assert 'id="客户体验"' in r.html


def test_unknown_fence_types_stay_code_and_are_escaped():
    r = conv("```python\nprint('<b>')\n```")
    assert "&lt;b&gt;" in r.html


def test_citation_syntax_in_code_is_left_alone():
    r = conv("Write `{{kpi nps}}` to cite a value.")
    assert "<code>{{kpi nps}}</code>" in r.html
    assert r.problems == []


def test_unknown_citation_is_reported():
    r = conv("Our score is {{nope x}}.", body_line=3)
    assert r.problems[0].message == "unknown citation '{{nope ...}}'"
    assert r.problems[0].line == 3


def test_fence_lines_skip_examples_nested_in_longer_fences():
    body = "````markdown\n```chart\ndata: x\n```\n````\n\n```chart\ndata: y\n```\n"
    assert fence_lines(body, 10) == {"chart": [16]}


@pytest.mark.slow
def test_fast_inline_path_gives_the_same_html_as_python_markdown():
    """The skip-plain-text optimisation must never change what Markdown produces."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cxsite import markup

    pieces = st.sampled_from(["word", " ", "*em*", "**strong**", "_u_", "`code`", "[l](x.md)",
                              "<b>b</b>", "&amp;", "\\*", "  \n", "\n", "| a | b |\n|---|---|\n| 1 | 2 |\n",
                              "![i](y.png)", "{{x}}", "<http://a.b>", "[^1]", "\n\n[^1]: n\n", "中文",
                              "- item\n", "## H\n", "> q\n", "~", "^", ":", "=", "#"])

    fast = markup.new_markdown()
    slow = markup.new_markdown()
    slow.treeprocessors.register(markup.InlineTreeprocessor(slow), "inline", 20)
    assert type(fast.treeprocessors["inline"]).__name__ == "_FastInlineProcessor"

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=25).map("".join))
    def same(text):
        state = markup._PageState(page(text), load_config(Path("/tmp/nonexistent-site")), SITE)
        outputs = []
        for md in (fast, slow):
            md.reset()
            md.cx_state = state
            outputs.append(md.convert(text))
        assert outputs[0] == outputs[1]

    same()
