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


# Pieces of Markdown covering every extension a page may use; random documents made of them
# must convert to the same HTML with a page's own (trimmed) converter as with stock
# Python-Markdown and every extension.
SNIPPETS = ["word", " ", "*em*", "**strong**", "_u_", "`code`", "[l](../roadmap.md)", "<b>b</b>",
            "&amp;", "\\*", "  \n", "\n", "\n\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "![i](../img/logo.png)",
            "{{x}}", "<http://a.b>", "[^1]", "\n\n[^1]: n\n", "中文", "- item\n", "## H\n", "> q\n",
            "~", "^", ":", "=", "#", "\n\n!!! note \"T\"\n    body\n\n", "\n\n=== \"Tab\"\n    x\n\n",
            "\n\n??? note\n    d\n\n", "\n\n*[HTML]: Hyper\n\n", "HTML", "\n\nTerm\n:   Def\n\n",
            "\n\n## Id {: #x .c }\n\n", "\n\n<div markdown>\n**m**\n</div>\n\n", "\n\n- [ ] t\n- [x] d\n\n",
            "\n\n```python\nx = 1\n```\n\n", "\n\n    code\n\n", "\n\n[TOC]\n\n", "\n1. a\n    - b\n",
            "\\|", "{", "}", "\n\nH\n===\n", "\n\n***\n", "[r]", "\n\n[r]: https://e.org\n", "<!-- c -->",
            " \n \n", "   \n", "\t", "\r\n", "\r", "\x02", "\x03"]


def assert_as_stock(text: str, stock, config) -> None:
    """The page's converter and stock Python-Markdown give the same HTML and toc tokens."""
    from cxsite import markup
    from cxsite.markup.converters import page_features

    outputs = []
    for converter in (markup.new_markdown(page_features(text)), stock):
        converter.reset()
        converter.cx_state = markup._PageState(page(text), config, SITE)
        outputs.append((converter.convert(text), converter.toc_tokens))
    assert outputs[0] == outputs[1]


@pytest.mark.slow
def test_page_converters_give_the_same_html_as_stock_python_markdown():
    """Leaving out unused extensions and skipping hopeless inline patterns never changes HTML."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cxsite import markup

    stock = markup.new_markdown(stock=True)
    assert type(stock.treeprocessors["inline"]).__name__ == "InlineProcessor"
    config = load_config(Path("/tmp/nonexistent-site"))

    @settings(max_examples=400, deadline=None)
    @given(st.lists(st.sampled_from(SNIPPETS), max_size=25).map("".join))
    def same(text):
        assert_as_stock(text, stock, config)

    same()


# Pieces of headings: plain words (read without serialising), and everything that needs the
# stock way (inline markup, entities, raw HTML, footnote references, escapes, Chinese)
HEADING_PIECES = ["Plain words", "中文标题", "Ünïcode", "*em*", "**strong**", "`code`", "&amp;",
                  "&copy;", "a & b", "x > y", "<b>raw</b>", "<span>s</span>", "[^1]", "\\*",
                  "[l](../roadmap.md)", "{{x}}", "  ", "1", "-", "!"]
HEADING_ATTRS = ["", "", " {: #custom }", ' {: data-toc-label="Short *L*" }',
                 " {: data-toc-label='a &amp; <b>b</b>' }", " {: .c }"]


@pytest.mark.slow
def test_headings_get_the_same_html_and_table_of_contents_as_stock_python_markdown():
    """The table of contents reads plain headings without serialising them: ids, names and
    permalinks stay exactly stock Python-Markdown's, duplicates included."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cxsite import markup

    stock = markup.new_markdown(stock=True)
    config = load_config(Path("/tmp/nonexistent-site"))
    heading = st.tuples(st.sampled_from(["#", "##", "###", "####"]),
                        st.lists(st.sampled_from(HEADING_PIECES), min_size=1, max_size=4),
                        st.sampled_from(HEADING_ATTRS), st.booleans())

    def written(hashes: str, words: list[str], attrs: str, in_html: bool) -> str:
        if in_html:  # an HTML heading, spaces kept around its text, in a Markdown HTML block
            n = len(hashes)
            return f'<div markdown="1">\n<h{n}> {" ".join(words)}  </h{n}>\n</div>'
        return f"{hashes} {' '.join(words)}{attrs}"

    @settings(max_examples=300, deadline=None)
    @given(st.lists(heading, min_size=1, max_size=6), st.booleans())
    def same(headings, footnote):
        text = "\n\n".join(written(*h) for h in headings)
        text += "\n\n[^1]: A note.\n" if footnote else "\n"
        assert_as_stock(text, stock, config)

    same()


def test_plain_headings_are_read_without_serialising_them(monkeypatch):
    """Only a heading holding markup, an entity or raw HTML is serialised for its toc entry."""
    from cxsite.markup import converters

    rendered = []
    original = converters.render_inner_html
    monkeypatch.setattr(converters, "render_inner_html",
                        lambda el, md: rendered.append(el.tag) or original(el, md))
    r = conv("## Plain heading\n\n## 中文标题\n\n## Plain heading\n\n### With *em* & more\n")
    assert rendered == ["h3"]
    assert [(t["id"], t["name"]) for t in r.toc] == [
        ("plain-heading", "Plain heading"), ("中文标题", "中文标题"),
        ("plain-heading_1", "Plain heading")]
    assert r.toc[2]["children"][0]["name"] == "With em & more"
    assert '<h2 id="plain-heading">Plain heading<a class="headerlink"' in r.html


def test_the_fast_inline_processor_replaces_a_real_private_method_and_is_used(monkeypatch):
    """The optimisation overrides Markdown's private __handleInline: if a Markdown release
    renamed it, the override would silently do nothing (pyproject.toml caps the version)."""
    import markdown.treeprocessors

    from cxsite.markup.converters import FastInlineProcessor

    assert hasattr(markdown.treeprocessors.InlineProcessor, "_InlineProcessor__handleInline")
    assert hasattr(markdown.treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern")
    assert hasattr(markdown.treeprocessors.InlineProcessor, "_InlineProcessor__processPlaceholders")
    assert hasattr(markdown.treeprocessors.InlineProcessor, "_InlineProcessor__build_ancestors")
    # lines.py reads the fences superfences found through these (exact block lines)
    from pymdownx.superfences import SuperFencesBlockPreprocessor
    assert hasattr(SuperFencesBlockPreprocessor, "process_nested_block")
    assert hasattr(SuperFencesBlockPreprocessor, "reassemble")
    calls = []
    original = FastInlineProcessor._InlineProcessor__handleInline
    monkeypatch.setattr(FastInlineProcessor, "_InlineProcessor__handleInline",
                        lambda self, *a: calls.append(a) or original(self, *a))
    r = conv("Some **bold** text and [a link](../roadmap.md).")
    assert "<strong>bold</strong>" in r.html and calls


# --- exact lines --------------------------------------------------------------------------
def test_a_broken_link_is_reported_at_its_own_line_not_at_an_earlier_mention_in_code():
    body = ("Write links as `[x](missing.md)` in your pages.\n\n"  # line 1: only an example
            "```\n[x](missing.md)\n```\n\n"  # lines 3-5: a code example too
            "    [x](missing.md)\n\n"  # line 7: an indented code block
            "Some text.\n\nSee [the plan](missing.md).\n")  # line 11: the real link
    r = conv(body, body_line=1)
    assert [(p.line, p.message) for p in r.problems] == [(11, "link to a missing page 'missing.md'")]


def test_two_broken_links_to_one_target_get_their_own_lines():
    body = "Intro [a](gone.md).\n\n- one\n- two [b](gone.md)\n\n> quote [c](gone.md)\n"
    r = conv(body, body_line=10)
    assert [p.line for p in r.problems] == [10, 13, 15]


def test_links_inside_lists_tables_and_admonitions_have_their_lines():
    body = ("| a | b |\n|---|---|\n| x | [t](t.md) |\n\n"
            "!!! note\n    Inside [n](n.md).\n\n"
            "1. first\n2. second\n    - deep [d](d.md)\n")
    r = conv(body, body_line=1)
    assert sorted((p.line, p.message) for p in r.problems) == [
        (3, "link to a missing page 't.md'"), (6, "link to a missing page 'n.md'"),
        (10, "link to a missing page 'd.md'")]


def test_a_citation_is_reported_at_its_own_line_even_after_fenced_code():
    body = "```python\nx = '{{nope}}'\n```\n\nText.\n\nOur score is {{nope x}}.\n"
    r = conv(body, body_line=4)
    assert [(p.line, p.message) for p in r.problems] == [(10, "unknown citation '{{nope ...}}'")]


def test_a_citation_written_over_two_lines_is_reported_at_its_first_line():
    r = conv("Para.\n\nOur score was {{nope data=x.csv\ncolumn=value}} points.\n", body_line=1)
    assert [p.line for p in r.problems] == [3]


def test_an_option_error_names_the_option_line_not_the_fence(monkeypatch):
    from cxsite import blocks, markup

    def handler(options, ctx):
        raise ctx.error("'colour' is not known", key="colour")

    monkeypatch.setitem(blocks.BLOCK_TYPES, "fake", ("fake_block_module", "render", True))
    import sys
    import types
    module = types.ModuleType("fake_block_module")
    module.render = handler
    monkeypatch.setitem(sys.modules, "fake_block_module", module)
    monkeypatch.setattr(markup, "_CONVERTERS", {})
    r = conv("Text `{{x}}`.\n\n- a list\n\n```fake\ndata: x.csv\n\ncolour: red\n```\n", body_line=5)
    assert [(p.line, p.message) for p in r.problems] == [(12, "'colour' is not known")]


# --- robustness ---------------------------------------------------------------------------
def test_a_failed_conversion_never_leaves_the_converter_broken():
    """After a page Python-Markdown cannot read (RecursionError), the next pages still get
    their paragraphs: the converter is rebuilt, whoever calls convert()."""
    from cxsite import markup
    from cxsite.markup import bounds

    deep = "".join("  " * i + "- x\n" for i in range(300))
    r = conv(deep, body_line=3)
    assert r.problems and r.problems[0].file == "content/findings/gallup.md"
    assert r.problems[0].line == 3 + bounds.MAX_NESTING + 1
    assert "<p>Hello</p>" in conv("Hello").html
    original = bounds.check_source
    try:  # past the cheap check, into Python-Markdown's own recursion
        bounds.check_source = lambda *a: None
        r = conv("".join("  " * i + "- x\n" for i in range(400)))
        assert "nested too deeply" in r.problems[0].message
    finally:
        bounds.check_source = original
    assert "<p>Hello again</p>" in conv("Hello again").html
    assert all(md.cx_state is None for md in markup._CONVERTERS.values())


def test_an_exception_inside_conversion_drops_the_converter(monkeypatch):
    from cxsite import markup

    from cxsite.i18n import current
    from cxsite.markup.converters import page_features

    conv("Warm up **the** converter.")
    key = (page_features("Warm up **the** converter."), False, current().tag,
           current().catalogue.fingerprint)  # converters are per language too
    md = markup._CONVERTERS[key]
    calls = []

    def explode(root):
        calls.append(1)
        raise ValueError("a bug")

    monkeypatch.setattr(md.treeprocessors["cx_links"], "run", explode)
    with pytest.raises(ValueError):
        conv("Warm up **the** converter.")
    assert key not in markup._CONVERTERS
    assert "<strong>the</strong>" in conv("Warm up **the** converter.").html


@pytest.mark.parametrize("body, message", [
    ("[" * 50_000 + "]" * 50_000, "one paragraph holds more than 250 '['"),
    ("{{" * 50_000, "one paragraph holds more than 250 '{{'"),
    ("`" * 50_000 + "a", "one paragraph holds more than 250 '`'"),
    ("<" * 50_000 + "a", "one paragraph holds more than 250 '<'"),
    ("".join(">" * i + " x\n" for i in range(1, 300)), "this line is nested too deeply"),
    ("".join("    " * i + "!!! note\n" for i in range(60)), "this line is nested too deeply"),
])
def test_pathological_pages_end_quickly_with_a_message_naming_the_page(body, message):
    import time
    start = time.perf_counter()
    r = conv("Fine.\n\n" + body, body_line=4)
    assert time.perf_counter() - start < 3
    assert r.problems[0].message.startswith(message)
    assert r.problems[0].file == "content/findings/gallup.md" and r.problems[0].line >= 6


def test_many_brackets_in_separate_paragraphs_are_fine():
    r = conv("\n\n".join("[a] and [b] and [c]" for _ in range(200)))
    assert r.problems == [] and r.html.count("<p>") == 200


# --- raw HTML and unsafe URLs ---------------------------------------------------------------
def unsafe(body: str) -> object:
    import dataclasses
    config = dataclasses.replace(load_config(Path("/tmp/nonexistent-site")), unsafe_html=True)
    return convert(page(body), config, SITE)


def test_scripts_in_raw_html_are_left_out_with_a_warning_at_their_line():
    r = conv("Intro.\n\n<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> here.\n",
             body_line=2)
    assert "script" not in r.html and "onerror" not in r.html and "alert(1)</" not in r.html
    assert '<img src="x">' in r.html
    assert [(p.severity, p.line) for p in r.problems] == [("warning", 4), ("warning", 6)]
    assert "<script>" in r.problems[0].message and "onerror" in r.problems[1].message
    assert "unsafe_html: true" in r.problems[0].hint


def test_safe_raw_html_is_kept_as_written():
    body = ("<details><summary>More</summary>\n<p>Text with <abbr title=\"Net Promoter Score\">"
            "NPS</abbr>, H<sub>2</sub>O, x<sup>2</sup> and <kbd>Ctrl</kbd>.</p>\n</details>\n\n"
            "Inline <span class=\"note\">span</span> and <br> break.\n\n"
            "<table>\n<tr><td colspan=\"2\">cell</td></tr>\n</table>\n")
    r = conv(body)
    assert r.problems == []
    for kept in ("<details><summary>More</summary>", '<abbr title="Net Promoter Score">NPS</abbr>',
                 "<sub>2</sub>", "<sup>2</sup>", "<kbd>Ctrl</kbd>", '<span class="note">span</span>',
                 "<br>", '<td colspan="2">cell</td>'):
        assert kept in r.html


@pytest.mark.parametrize("body, line", [
    ("[click](javascript:alert(1))", 3), ("[click](JaVa&#115;cript:alert(1))", 3),
    ("[x](  vbscript:msgbox)", 3), ("![pic](data:text/html;base64,PHNjcmlwdD4=)", 3),
    ("[r][ref]\n\n[ref]: javascript:alert(1)", 5),  # where the address is written
    ("<a href=\"javascript:alert(1)\">raw</a>", 3),
])
def test_links_and_images_that_would_run_a_script_are_refused(body, line):
    r = conv("Text.\n\n" + body + "\n", body_line=1)
    assert "javascript:" not in r.html.lower() and "vbscript:" not in r.html and "data:" not in r.html
    assert r.problems and all(p.line == line for p in r.problems)


def test_attribute_lists_cannot_add_event_handlers():
    r = conv("## Title {: onclick=\"alert(1)\" .big }\n", body_line=7)
    assert "onclick" not in r.html and 'class="big"' in r.html
    assert [(p.line, p.severity) for p in r.problems] == [(7, "error")]


def test_a_trusted_site_keeps_raw_html_as_written():
    r = unsafe("<script>track()</script>\n\n<b onclick=\"x()\">b</b>\n")
    assert "<script>track()</script>" in r.html and 'onclick="x()"' in r.html
    assert r.problems == []


def test_block_html_is_never_cleaned(monkeypatch):
    """The HTML of cxsite's own blocks (charts, cards) is not raw HTML."""
    import sys
    import types

    from cxsite import blocks, markup
    module = types.ModuleType("fake_svg_block")
    module.render = lambda options, ctx: '<figure><svg onload="x"><script>vega()</script></svg></figure>'
    monkeypatch.setitem(sys.modules, "fake_svg_block", module)
    monkeypatch.setitem(blocks.BLOCK_TYPES, "svgblock", ("fake_svg_block", "render", False))
    monkeypatch.setattr(markup, "_CONVERTERS", {})
    r = conv("<b>raw</b>\n\n```svgblock\nx\n```\n")
    assert '<svg onload="x"><script>vega()</script></svg>' in r.html and r.problems == []


def test_an_obfuscated_email_autolink_is_not_a_missing_file():
    r = conv("Write to <team@example.org>.")
    assert r.problems == [] and "mailto" in html_unescape(r.html)


def html_unescape(text: str) -> str:
    import html
    return html.unescape(text.replace("&amp;", "&"))


# --- lists nested by two spaces -------------------------------------------------------------
def test_lists_nested_by_two_spaces_nest_as_on_github():
    r = conv("- Phase 1\n  - Discovery\n    - Interviews\n  - Design\n- Phase 2\n")
    assert r.html.replace("\n", "") == (
        "<ul><li>Phase 1<ul><li>Discovery<ul><li>Interviews</li></ul></li><li>Design</li></ul></li>"
        "<li>Phase 2</li></ul>")


def test_ordered_lists_nested_by_three_spaces_and_loose_two_space_lists():
    r = conv("1. First\n   - a\n   - b\n2. Second\n")
    assert r.html.replace("\n", "") == (
        "<ol><li>First<ul><li>a</li><li>b</li></ul></li><li>Second</li></ol>")
    r = conv("- One\n\n  Second paragraph of one.\n\n  - nested\n\n- Two\n")
    assert r.html.replace("\n", "") == (
        "<ul><li><p>One</p><p>Second paragraph of one.</p><ul><li>nested</li></ul></li>"
        "<li><p>Two</p></li></ul>")


@pytest.mark.parametrize("body", [
    "- a\n    - b\n        - c\n- d\n",  # four-space nesting
    "1. a\n\n    para\n\n        code in item\n\n2. b\n",  # code block inside an item
    "Text\n\n    - not a list\n      - code block\n",  # an indented code block
    "```\n- a\n  - b\n```\n",  # fenced code
    "!!! note\n    - a\n    - b\n",  # a list in an admonition body
    "- a\n- b\n\n\n- c\n",
])
def test_four_space_lists_and_code_read_exactly_as_python_markdown_reads_them(body):
    from cxsite import markup
    stock = markup.new_markdown(stock=True)
    stock.parser.blockprocessors.register(
        __import__("markdown").blockprocessors.OListProcessor(stock.parser), "olist", 40)
    stock.parser.blockprocessors.register(
        __import__("markdown").blockprocessors.UListProcessor(stock.parser), "ulist", 30)
    stock.parser.blockprocessors.register(
        __import__("markdown").blockprocessors.ListIndentProcessor(stock.parser), "indent", 90)
    stock.cx_state = markup._PageState(page(body), load_config(Path("/tmp/nonexistent-site")), SITE)
    assert conv(body).html == stock.convert(body)


def test_two_space_lists_in_an_admonition_nest():
    r = conv("!!! note\n    - a\n      - b\n")
    assert r.html.replace("\n", "").count("<ul>") == 2


# --- titles ---------------------------------------------------------------------------------
def test_a_heading_title_is_the_text_readers_see():
    from cxsite.markup import heading_title
    config = load_config(Path("/tmp/nonexistent-site"))
    assert heading_title(page("# Plain title\n\nText"), config) == "Plain title"
    assert heading_title(page("# The **new** `plan` & [roadmap](../roadmap.md)\n"), config) == \
        "The new plan & roadmap"
    assert heading_title(page("Text first\n\n# Not a title"), config) is None
    assert heading_title(page("# Score {{nope x}} today\n"), config) == "Score today"


def test_the_permalink_mark_is_not_part_of_the_heading():
    assert conv("# Learning C\\#\n\nText").heading == "Learning C#"


# --- plain Markdown is Python-Markdown's --------------------------------------------------
REPRESENTATIVE = [
    # a report page like the benchmark corpus: headings, paragraphs, lists, a table, links, Chinese
    "# Report 7: Loyalty\n\nCustomer **loyalty** grew in 以客户为中心 terms, see "
    "[the survey](https://example.org/s?a=1&b=2).\n\n## Section 1 journey\n\nMust-win battle *now*.\n\n"
    "- journey frontline 8%\n- retention battle 7%\n\n| Country | Agree | n |\n|---|---:|---:|\n"
    "| UK | 54% | 415 |\n| DE | 46% | 505 |\n\n### Detail\n\nA line  \nbreak, `code` and &amp; entity.\n",
    # call-outs, tabs, footnotes, definitions, abbreviations, code
    "!!! note \"Remember\"\n    Body with **bold**.\n\n=== \"Europe\"\n    EU text\n\n=== \"US\"\n    US text\n\n"
    "Text with a note[^1].\n\n[^1]: The note.\n\nTerm\n:   Definition.\n\n*[NPS]: Net Promoter Score\n\n"
    "NPS rose.\n\n```python\nprint('x')\n```\n\n    indented code\n\n1. one\n2. two\n    - nested\n",
]


@pytest.mark.parametrize("text", REPRESENTATIVE)
def test_plain_markdown_is_exactly_what_stock_python_markdown_makes(text):
    """For Markdown that needs none of cxsite's own rules (no .md links, no raw HTML, no
    two-space lists), a page's HTML is stock Python-Markdown's with the same extensions."""
    import markdown
    from markdown.extensions.toc import slugify_unicode

    stock = markdown.Markdown(
        extensions=["tables", "footnotes", "admonition", "attr_list", "def_list", "abbr",
                    "md_in_html", "toc", "pymdownx.superfences", "pymdownx.tabbed",
                    "pymdownx.details", "pymdownx.tasklist", "pymdownx.highlight"],
        extension_configs={
            "toc": {"permalink": "#", "permalink_title": "Link to this section",
                    "slugify": slugify_unicode, "toc_depth": "2-3"},
            "pymdownx.tabbed": {"alternate_style": True},
            "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight"},
            "footnotes": {"BACKLINK_TITLE": "Back to the text"}},
        output_format="html")
    expected = stock.convert(text)
    r = conv(text)
    if r.heading is not None:  # the page's own heading is taken out for the template
        expected = expected[expected.index("</h1>") + len("</h1>"):].lstrip()
    assert r.problems == []
    assert r.html == expected


@pytest.mark.parametrize("body, lines", [
    ("<div class=\"x\">\nraw\n\nmore [x](missing.md)\n</div>\n\nText [x](missing.md)\n", [7]),
    ("<div markdown>\n**in** [a](a.md)\n\n- list\n</div>\n\nAfter [b](b.md)\n", [2, 7]),
    ("Para\n\n```python\nx\n\ny\n```\n\n<details><summary>S</summary>\nz\n</details>\n\n[c](c.md)\n", [13]),
    ("- a\n- b [d](d.md)\n\n\n    continued [e](e.md)\n", [2, 5]),
    ("Text[^1]\n\n[^1]: Note with [f](f.md)\n\n[g](g.md)\n", [3, 5]),
    ("| a |\n|---|\n| [h](h.md) |\n\nx\n\n| b |\n|---|\n| [h](h.md) |\n", [3, 9]),
])
def test_lines_after_html_blocks_fences_footnotes_and_tables(body, lines):
    r = conv(body, body_line=1)
    assert sorted(p.line for p in r.problems if p.severity == "error") == lines


@pytest.mark.parametrize("body, line", [
    ("!!! note\n    Text\n\n    ```fake\n    data: x\n    colour: red\n    ```\n", 6),
    ("- item\n\n    ```fake\n    colour: red\n    ```\n", 4),
    ("> ```fake\n> colour: red\n> ```\n", 2),
    ("=== \"A\"\n    ```fake\n    a: 1\n    colour: red\n    ```\n", 4),
    ("````markdown\n```fake\ncolour: x\n```\n````\n\n```fake\nz: 1\ncolour: red\n```\n", 9),
])
def test_option_lines_of_blocks_inside_call_outs_lists_quotes_and_tabs(monkeypatch, body, line):
    import sys
    import types

    from cxsite import blocks, markup
    module = types.ModuleType("fake_block_module")

    def render(options, ctx):
        raise ctx.error("bad colour", key="colour")

    module.render = render
    monkeypatch.setitem(sys.modules, "fake_block_module", module)
    monkeypatch.setitem(blocks.BLOCK_TYPES, "fake", ("fake_block_module", "render", True))
    monkeypatch.setattr(markup, "_CONVERTERS", {})
    assert [p.line for p in conv(body, body_line=1).problems] == [line]


def test_making_a_converter_does_not_list_every_installed_package():
    """Markdown finds extensions named by a string among all installed packages' entry points
    (30 ms in each process); cxsite makes them from their modules, for superfences' own too."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from cxsite.config import load_config; "
            "from cxsite.content import Page, PageSource; from cxsite.markup import SiteMap, convert; "
            "page = Page(PageSource('a.md', 'a/', '', False), {}, sys.argv[1], 1); "
            "r = convert(page, load_config(Path('/tmp/nonexistent-site')), SiteMap({}, frozenset())); "
            "print(r.html.count('<table>'), r.html.count('highlight'), "
            "'importlib.metadata' in sys.modules)")
    body = "```python\nx = 1\n```\n\n| a |\n|---|\n| b |\n"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code, body], capture_output=True, text=True,
                         check=True, cwd=root).stdout
    assert out.split() == ["1", "1", "False"]


def test_raw_html_is_read_before_emphasis_as_in_python_markdown():
    """The safe raw HTML policy registers its pattern again; the fast processors still try the
    patterns in Markdown's order (a '*' inside a tag's attribute is not emphasis)."""
    from cxsite import markup

    r = conv('a *b <span title="*">c</span>')
    assert r.html == '<p>a *b <span title="*">c</span></p>'
    md = markup.new_markdown()
    inline = md.treeprocessors["inline"]
    assert [p for p, _, _ in inline._plan] == list(md.inlinePatterns)
    assert [p for p, _, _ in md.parser._plan()] == list(md.parser.blockprocessors)


def test_reference_links_work_and_brackets_without_a_definition_stay_text():
    """Reference patterns are skipped on a page without '[ref]: url' definitions only."""
    assert conv("See [the survey][s] and [roadmap].\n\n[s]: https://e.org\n[roadmap]: ../roadmap.md\n").html \
        == '<p>See <a href="https://e.org">the survey</a> and <a href="../../roadmap/">roadmap</a>.</p>'
    assert conv("See [the survey][s] and [roadmap] and ![logo][l].\n").html \
        == "<p>See [the survey][s] and [roadmap] and ![logo][l].</p>"
