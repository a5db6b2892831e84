"""Markdown to HTML for one page: extensions, links between pages, fenced blocks, citations.

convert() is the one entry point. It picks a converter for the syntax the page uses
(converters.py), knows the file line of every problem (lines.py), checks links (links.py),
keeps raw HTML safe (rawhtml.py) and refuses input that would take unbounded time (bounds.py).
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Any, Iterable

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from ..blocks import BLOCK_TYPES, INLINE_TYPES, BlockContext, block_handler, inline_handler
from ..config import Config
from ..content import Page
from ..errors import Problem, SiteError, did_you_mean
from ..i18n import N_, _, current
from ..privacy.ledger import PagePrivacy, Verdict
from ..yamltext import parse_yaml
from . import bounds
from .converters import ALL_FEATURES, build_markdown, page_features
from .lines import LineMap, SpanBlockParser, fence_runs_hook, literal_pattern
from .links import LinkProcessor, SiteMap
from .lists import install_list_nesting
from .rawhtml import install_raw_html_policy

__all__ = ["Rendered", "SiteMap", "convert", "fence_lines", "heading_title", "new_markdown"]

_FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})\s*\{?\s*\.?([\w-]*)")
_CITE = r"\{\{\s*([A-Za-z_][\w-]*)(.*?)\}\}"


@dataclass
class Rendered:
    """A page body after conversion: plain values only, so it can cross process boundaries."""

    html: str
    toc: list[dict]
    heading: str | None  # the text of a leading '# Heading', removed from html
    problems: list[Problem] = field(default_factory=list)
    inputs: set[str] = field(default_factory=set)
    files: dict[str, bytes] = field(default_factory=dict)
    needs: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)  # URLs of pages this page links to
    privacy: PagePrivacy = field(default_factory=PagePrivacy)  # aggregates of protected files
    cache_writes: list = field(default_factory=list)  # cache entries held until privacy settles


def fence_lines(body: str, first_line: int) -> dict[str, list[int]]:
    """File line of each opening fence of a block type, in order, skipping nested examples.

    A quick scan for the build's work estimate; conversion takes the lines from superfences."""
    found: dict[str, list[int]] = {}
    open_fence: str | None = None
    for i, line in enumerate(body.split("\n")):
        m = _FENCE_OPEN.match(line)
        if open_fence is None:
            if m:
                open_fence = m.group(1)
                if m.group(2) in BLOCK_TYPES:
                    found.setdefault(m.group(2), []).append(first_line + i)
        elif line.strip().startswith(open_fence[0] * len(open_fence)) and \
                line.strip().strip(open_fence[0]) == "":
            open_fence = None
    return found


class _PageState:
    """Per-conversion state the extensions share; made anew for every page."""

    def __init__(self, page: Page, config: Config, site: SiteMap,
                 verdict: Verdict | None = None) -> None:
        self.page = page
        self.config = config
        self.site = site
        self.problems: list[Problem] = []
        self.ctx = BlockContext(config=config, file=page.source.file, page_url=page.url,
                                verdict=verdict or {})
        self.links: set[str] = set()
        self.lines = LineMap(page.body, page.body_line)
        self.cites: dict[int, tuple[str, str, str]] = {}  # id(span) -> (name, args, source)

    def error(self, exc: SiteError, line: int | None) -> None:
        self.problems.append(exc.located(self.page.source.file, line).problem)


def _format_block(source: str, language: str, class_name: str, options: dict,
                  md: markdown.Markdown, **kwargs: Any) -> str:
    state: _PageState = md.cx_state
    start = getattr(md, "cx_fence_start", None)
    line = state.page.body_line + start if start is not None else None
    found = block_handler(language)
    if found is None:  # a block type that is not available: show it as code
        return f'<pre class="cx-code"><code class="language-{language}">{html.escape(source)}</code></pre>'
    fn, wants_yaml = found
    ctx = state.ctx
    ctx.line = line
    ctx.option_lines = {}
    try:
        options = source
        if wants_yaml:
            options = parse_yaml(source, file=state.page.source.file,
                                 first_line=(line or 0) + 1, what=f"the {language} block",
                                 lines=ctx.option_lines)
            if not isinstance(options, dict):
                raise SiteError(f"the {language} block must hold 'key: value' lines",
                                hint="write for example 'data: kpi_monthly.csv' on its own line.")
        return fn(options, ctx)
    except SiteError as exc:
        state.error(exc, line)
        return (f'<div class="cx-block-error" role="alert">This {html.escape(language)} block '
                f'could not be shown: {html.escape(exc.problem.message)}</div>')
    except RecursionError:
        state.error(SiteError(f"the {language} block is nested too deeply to read",
                              hint="flatten the lists and settings inside each other."), line)
        return f'<div class="cx-block-error" role="alert">This {html.escape(language)} block could not be shown.</div>'
    except Exception as exc:  # a bug, not a user mistake: superfences would show the block as code
        from pymdownx.superfences import SuperFencesException  # loaded: it called this handler

        raise SuperFencesException(f"the {language} block handler failed") from exc
    finally:
        ctx.option_lines = {}


class _CiteProcessor(InlineProcessor):
    """{{name args}}: a value from the data, written into the prose at build time.

    Only marks the place: _ValuesProcessor fills it in once the page's tree is complete, when
    the citation's line is known."""

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Markdown's API)
        state: _PageState = self.md.cx_state
        el = etree.Element("span", {"class": "cx-value"})
        el.text = AtomicString("")
        state.cites[id(el)] = (m.group(1), m.group(2).strip(), m.group(0))
        return el, m.start(0), m.end(0)


class _ValuesProcessor(Treeprocessor):
    """Fill in each {{citation}} in reading order, each with its own line."""

    def run(self, root: etree.Element) -> None:
        state: _PageState = self.md.cx_state
        if not state.cites:
            return
        for el in root.iter("span"):
            found = state.cites.get(id(el))
            if found is None:
                continue
            name, args, source = found
            line = state.lines.line_of(el, literal_pattern(source), key=("cite", source))
            fn = inline_handler(name)
            try:
                if fn is None:
                    raise SiteError(f"unknown citation '{{{{{name} ...}}}}'",
                                    hint=did_you_mean(name, INLINE_TYPES) +
                                    " To show '{{' literally, put the text in `backticks`.")
                state.ctx.line = line
                el.text = AtomicString(fn(args, state.ctx))  # data, not Markdown or HTML
            except SiteError as exc:
                state.error(exc, line)
                el.set("class", "cx-value cx-block-error")
                el.text = AtomicString(_("(value unavailable)"))


class _LineCapture(Preprocessor):
    """Keeps the lines at one stage of preprocessing, so lines.py can map them back."""

    def __init__(self, md: markdown.Markdown, final: bool) -> None:
        super().__init__(md)
        self.final = final

    def run(self, lines: list[str]) -> list[str]:
        md = self.md
        if not self.final:
            md.cx_after_fences = lines
            return lines
        state: _PageState = md.cx_state
        state.lines.record(getattr(md, "cx_fence_runs", []), md.cx_after_fences, lines,
                           md.htmlStash.rawHtmlBlocks)
        return lines


# The titles Python-Markdown gives a call-out box written without one (!!! note): translated
DEFAULT_TITLES = {t: t for t in (
    N_("Note"), N_("Tip"), N_("Warning"), N_("Example"), N_("Important"), N_("Info"),
    N_("Caution"), N_("Danger"), N_("Hint"), N_("Attention"), N_("Error"), N_("Abstract"),
    N_("Summary"), N_("Question"), N_("Success"), N_("Failure"), N_("Bug"), N_("Quote"))}


class _TitleProcessor(Treeprocessor):
    """Call-out boxes and collapsible sections written without a title get one in the page's
    language (Python-Markdown would write the English type name: 'Note')."""

    def run(self, root: etree.Element) -> None:
        for el in root.iter():
            if (el.tag == "summary" or el.tag == "p" and "admonition-title" in el.get("class", "")) \
                    and len(el) == 0 and el.text in DEFAULT_TITLES:
                el.text = _(DEFAULT_TITLES[el.text])


class _CxExtension(markdown.Extension):
    def __init__(self, features: frozenset[str], unsafe_html: bool, stock: bool = False) -> None:
        super().__init__()
        self.features = features
        self.unsafe_html = unsafe_html
        self.stock = stock

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        if not self.stock:  # the stock parser's loop, noting source lines
            md.parser.__class__ = SpanBlockParser
        md.preprocessors.register(_LineCapture(md, final=False), "cx_after_fences", 22)
        md.preprocessors.register(_LineCapture(md, final=True), "cx_lines", 1)
        if "cite" in self.features:
            md.inlinePatterns.register(_CiteProcessor(_CITE, md), "cx_cite", 175)
            md.treeprocessors.register(_ValuesProcessor(md), "cx_values", 19)
        # after attr_list (8), so links and attributes it sets are checked too
        any_attributes = bool({"attr_list", "md_in_html"} & self.features)
        md.treeprocessors.register(LinkProcessor(md, self.unsafe_html, any_attributes),
                                   "cx_links", 7.5)
        if {"admonition", "details"} & self.features:
            md.treeprocessors.register(_TitleProcessor(md), "cx_titles", 7)
        install_list_nesting(md)
        install_raw_html_policy(md, self.unsafe_html)


def new_markdown(features: Iterable[str] = ALL_FEATURES, *, stock: bool = False,
                 unsafe_html: bool = False) -> markdown.Markdown:
    """A converter with the site's extensions (expensive: keep it, reset() it between pages).

    stock=True gives every extension with Python-Markdown's own processors: the reference the
    tests compare the fast converters with."""
    fences = [{"name": name, "class": "cx-block", "format": _format_block}
              for name in BLOCK_TYPES]
    features = frozenset(features)
    md = build_markdown(features, [_CxExtension(features, unsafe_html, stock)],
                        {"custom_fences": fences}, stock=stock)
    fence_runs_hook(md)
    return md


# by syntax used, raw HTML policy, and language (the titles of its links are in the page's)
_CONVERTERS: dict[tuple[frozenset[str], bool, str, str], markdown.Markdown] = {}
MAX_CONVERTERS = 64
_H1 = re.compile(r'^\s*<h1[^>]*>(.*?)</h1>\s*', re.S)
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def _converter(features: frozenset[str], unsafe_html: bool, tag: str = "",
               catalogue: str = "") -> markdown.Markdown:
    key = (features, unsafe_html, tag, catalogue)
    md = _CONVERTERS.get(key)
    if md is None:
        if len(_CONVERTERS) >= MAX_CONVERTERS:  # a site using every mix of syntax: start over
            _CONVERTERS.clear()
        md = _CONVERTERS[key] = new_markdown(features, unsafe_html=unsafe_html)
    return md


def convert(page: Page, config: Config, site: SiteMap, verdict: Verdict | None = None) -> Rendered:
    """Convert one page's Markdown body to HTML, collecting its problems and dependencies.
    `verdict` holds the aggregates the site-wide privacy audit withholds.

    A page that cannot be converted (too deeply nested, a bug in an extension) never leaves its
    converter half-way through a page: the converter is dropped and made anew for the next."""
    state = _PageState(page, config, site, verdict)
    try:
        bounds.check_source(page.body, page.source.file, page.body_line)
    except SiteError as exc:
        return Rendered("", [], None, [exc.problem])
    reader = current()
    key = (page_features(page.body), bool(config.unsafe_html), reader.tag,
           reader.catalogue.fingerprint)
    md = _converter(*key)
    md.reset()
    md.cx_state = state
    state.lines.parser = md.parser
    md.cx_fence_start = None
    md.cx_fence_runs = []
    try:
        body_html = md.convert(page.body)
    except RecursionError:
        _CONVERTERS.pop(key, None)
        problem = bounds.too_deep(page.body, page.source.file, page.body_line)
        return Rendered("", [], None, [problem])
    except bounds.TooManyOpeners as exc:
        _CONVERTERS.pop(key, None)
        problem = bounds.too_many(exc.opener, page.body, page.source.file, page.body_line)
        return Rendered("", [], None, [problem])
    except SiteError as exc:
        _CONVERTERS.pop(key, None)
        return Rendered("", [], None, [exc.located(page.source.file).problem])
    except BaseException:
        _CONVERTERS.pop(key, None)
        raise
    finally:
        md.cx_state = None
    heading = None
    m = _H1.match(body_html)
    if m:
        heading = _text_of(m.group(1))
        body_html = body_html[m.end():]
    toc = _toc_without_h1(getattr(md, "toc_tokens", []))
    ctx = state.ctx
    return Rendered(body_html, toc, heading, state.problems + ctx.warnings, ctx.inputs, ctx.files,
                    ctx.needs, state.links, ctx.privacy, ctx.cache_writes)


def _text_of(inner_html: str) -> str:
    """The text a reader sees in a heading's HTML (its permalink mark left out)."""
    return html.unescape(_TAGS.sub("", _HEADERLINK.sub("", inner_html))).strip()


def _toc_without_h1(tokens: list[dict]) -> list[dict]:
    out: list[dict] = []
    for t in tokens:
        if t["level"] == 1:
            out.extend(_toc_without_h1(t["children"]))
        else:
            out.append({"id": t["id"], "name": html.unescape(t["name"]), "level": t["level"],
                        "children": _toc_without_h1(t["children"])})
    return out


_ATX_H1 = re.compile(r"\A\s*#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
_PLAIN = re.compile(r"[`\\\[{!<&*_]")


def heading_title(page: Page, config: Config) -> str | None:
    """The text of the page's leading '# Heading' as readers see it in the page, for menus,
    <title>, the pager and search: Markdown rendered, {{values}} filled in. None if the page
    does not start with one. Problems are left to the page's own conversion to report."""
    m = _ATX_H1.match(page.body)
    if m is None:
        return None
    text = m.group(1)
    if _PLAIN.search(text) is None:  # nothing to render: the text as written
        return text
    line = page.body_line + page.body[:m.start(1)].count("\n")
    heading_page = Page(page.source, page.meta, "# " + text, line)
    try:
        rendered = convert(heading_page, config, SiteMap({}, frozenset()))
    except Exception:  # a title is never worth failing the load for: the page reports it
        return _strip_citations(text)
    failed = any(p.severity == "error" for p in rendered.problems)
    # a figure of a protected file is shown where the site-wide audit sees it (the page's
    # heading), never in menus and titles on other pages, which it does not see
    if rendered.heading is None or (failed and "{{" in text) or rendered.privacy:
        return _strip_citations(text)
    return rendered.heading


def _strip_citations(text: str) -> str:
    """The heading without its {{citations}}, when their values cannot be had."""
    return re.sub(r"\s+", " ", re.sub(_CITE, "", text, flags=re.S)).strip()
