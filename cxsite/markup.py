"""Markdown to HTML for one page: extensions, links between pages, fenced blocks, citations."""
from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

import markdown
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pymdownx.superfences import SuperFencesException

from .blocks import BLOCK_TYPES, INLINE_TYPES, BlockContext, block_handler, inline_handler
from .config import Config
from .content import Page, relative_url
from .errors import Problem, SiteError, did_you_mean
from .i18n import N_, _, current
from .yamltext import parse_yaml

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})\s*\{?\s*\.?([\w-]*)")
_CITE = r"\{\{\s*([A-Za-z_][\w-]*)(.*?)\}\}"


@dataclass(frozen=True)
class SiteMap:
    """What a page may link to: page sources by content path, and other content files."""

    pages: dict[str, tuple[str, bool]]  # rel -> (url, is draft)
    assets: frozenset[str]
    # language code -> default-language page -> its URL in that language (translation or stand-in)
    localized: dict[str, dict[str, str]] = field(default_factory=dict)


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


def fence_lines(body: str, first_line: int) -> dict[str, list[int]]:
    """File line of each opening fence of a block type, in order, skipping nested examples."""
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
    """Per-conversion state the extensions share; reset for every page."""

    def __init__(self, page: Page, config: Config, site: SiteMap) -> None:
        self.page = page
        self.config = config
        self.site = site
        self.problems: list[Problem] = []
        self.fences = fence_lines(page.body, page.body_line)
        self.ctx = BlockContext(config=config, file=page.source.file, page_url=page.url)
        self.links: set[str] = set()
        self._lines = page.body.split("\n")
        self._seen: dict[str, int] = {}

    def line_of(self, needle: str) -> int | None:
        """The file line of the n-th occurrence of needle (n counts earlier look-ups)."""
        n = self._seen.get(needle, 0)
        self._seen[needle] = n + 1
        hits = [i for i, text in enumerate(self._lines) if needle in text]
        if not hits:
            return None
        return self.page.body_line + hits[min(n, len(hits) - 1)]

    def error(self, exc: SiteError, line: int | None) -> None:
        self.problems.append(exc.located(self.page.source.file, line).problem)


def _format_block(source: str, language: str, class_name: str, options: dict, md: markdown.Markdown,
                  **kwargs: Any) -> str:
    state: _PageState = md.cx_state
    lines = state.fences.get(language, [])
    n = state.ctx.counter.get("__fence_" + language, 0)
    state.ctx.counter["__fence_" + language] = n + 1
    line = lines[n] if n < len(lines) else None
    found = block_handler(language)
    if found is None:  # a block type that is not available: show it as code
        return f'<pre class="cx-code"><code class="language-{language}">{html.escape(source)}</code></pre>'
    fn, wants_yaml = found
    state.ctx.line = line
    try:
        options = source
        if wants_yaml:
            options = parse_yaml(source, file=state.page.source.file,
                                 first_line=(line or 0) + 1, what=f"the {language} block")
            if not isinstance(options, dict):
                raise SiteError(f"the {language} block must hold 'key: value' lines",
                                hint="write for example 'data: kpi_monthly.csv' on its own line.")
        return fn(options, state.ctx)
    except SiteError as exc:
        state.error(exc, line)
        return (f'<div class="cx-block-error" role="alert">This {html.escape(language)} block '
                f'could not be shown: {html.escape(exc.problem.message)}</div>')
    except Exception as exc:  # a bug, not a user mistake: superfences would show the block as code
        raise SuperFencesException(f"the {language} block handler failed") from exc


class _CiteProcessor(InlineProcessor):
    """{{name args}}: a value from the data, written into the prose at build time."""

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Markdown's API)
        state: _PageState = self.md.cx_state
        name, args = m.group(1), m.group(2).strip()
        line = state.line_of(m.group(0))
        fn = inline_handler(name)
        el = etree.Element("span", {"class": "cx-value"})
        try:
            if fn is None:
                raise SiteError(f"unknown citation '{{{{{name} ...}}}}'",
                                hint=did_you_mean(name, INLINE_TYPES) +
                                " To show '{{' literally, put the text in `backticks`.")
            state.ctx.line = line
            el.text = AtomicString(fn(args, state.ctx))  # data, not Markdown: never re-parsed as HTML
        except SiteError as exc:
            state.error(exc, line)
            el.set("class", "cx-value cx-block-error")
            el.text = _("(value unavailable)")
        return el, m.start(0), m.end(0)


class _LinkProcessor(Treeprocessor):
    """Turn links to .md files into page URLs and check that every local target exists."""

    def run(self, root: etree.Element) -> None:
        state: _PageState = self.md.cx_state
        for el in root.iter():
            attr = "href" if el.tag == "a" else "src" if el.tag in ("img", "source") else None
            target = el.get(attr) if attr else None
            if target:
                new = self._resolve(state, target)
                if new is not None:
                    el.set(attr, new)

    def _resolve(self, state: _PageState, target: str) -> str | None:
        if _SCHEME.match(target) or target.startswith(("#", "/", "//")):
            return None
        path, _, fragment = target.partition("#")
        path = path.split("?", 1)[0]
        if not path:
            return None
        page = state.page.source
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(page.rel), unquote(path)))
        suffix = "#" + fragment if fragment else ""
        line = state.line_of(target)
        if rel.startswith("../") or rel == "..":
            state.error(SiteError(f"the link '{target}' points outside the content folder",
                                  hint="link only to pages and files inside content/."), line)
            return None
        if rel.endswith("/") or not posixpath.splitext(rel)[1]:
            for index in ("_index.md", "index.md"):  # a link to a folder means its section page
                if posixpath.join(rel, index) in state.site.pages:
                    rel = posixpath.join(rel, index)
                    break
        if rel.lower().endswith(".md"):
            found = state.site.pages.get(rel)
            if found is None:
                here = posixpath.dirname(page.rel) or "."
                close = did_you_mean(rel, state.site.pages)
                for p in sorted(state.site.pages, key=len, reverse=True):  # as the author writes it
                    close = close.replace(f"'{p}'", f"'{posixpath.relpath(p, here)}'")
                state.error(SiteError(f"link to a missing page '{target}'",
                                      hint=f"{close} Links are relative to this page's folder."),
                            line)
                return None
            url, draft = found
            # a link from a page in another language goes to that language's version of the page
            url = state.site.localized.get(page.lang, {}).get(rel, url) if page.lang else url
            if draft and not state.config.serve_mode:
                state.error(SiteError(f"link to the draft page '{target}'",
                                      hint="publish that page (remove 'draft: true') or remove "
                                           "the link."), line)
            state.links.add(url)
            return quote(relative_url(page.url, url)) + suffix
        if rel in state.site.assets:
            return quote(relative_url(page.url, rel)) + suffix
        state.error(SiteError(f"link to a missing file '{target}'",
                              hint=did_you_mean(rel, state.site.assets | state.site.pages.keys())),
                    line)
        return None


# Inline patterns whose matches all start with one of these characters (or a stash marker).
_KNOWN_INLINE = {"backtick", "escape", "footnote", "cx_cite", "reference", "link", "image_link",
                 "image_reference", "short_reference", "short_image_ref", "autolink", "automail",
                 "linebreak", "html", "entity", "em_strong"}
_INLINE_TRIGGER = re.compile(r"[`\\\[{!<\n&*_\x02\x03]")


class _FastInlineProcessor(InlineTreeprocessor):
    """Skips pattern matching for text that no inline pattern can match.

    Most text nodes (table cells, plain sentences) hold none of the characters that start
    Markdown's inline syntax; trying all sixteen patterns on each costs ~40% of a build.
    """

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802
        if patternIndex == 0 and _INLINE_TRIGGER.search(data) is None:
            return data
        return super()._InlineProcessor__handleInline(data, patternIndex)


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
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        md.inlinePatterns.register(_CiteProcessor(_CITE, md), "cx_cite", 175)
        md.treeprocessors.register(_LinkProcessor(md), "cx_links", 15)
        md.treeprocessors.register(_TitleProcessor(md), "cx_titles", 14)


def _use_fast_inline(md: markdown.Markdown) -> None:
    """Install the fast path only when every inline pattern is one it knows the start of."""
    if {p.name for p in md.inlinePatterns._priority} <= _KNOWN_INLINE:
        md.treeprocessors.register(_FastInlineProcessor(md), "inline", 20)


def new_markdown() -> markdown.Markdown:
    """A Markdown converter with the site's extensions (expensive: reuse it with reset())."""
    fences = [{"name": name, "class": "cx-block", "format": _format_block}
              for name in BLOCK_TYPES]
    md = markdown.Markdown(
        extensions=[
            "tables", "footnotes", "admonition", "attr_list", "def_list", "abbr", "md_in_html",
            "toc", "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.details",
            "pymdownx.tasklist", "pymdownx.highlight", _CxExtension(),
        ],
        extension_configs={
            "toc": {"permalink": "#", "permalink_title": _("Link to this section"),
                    "slugify": slugify_unicode, "toc_depth": "2-3"},
            "pymdownx.superfences": {"custom_fences": fences},
            "pymdownx.tabbed": {"alternate_style": True},
            "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight"},
            "footnotes": {"BACKLINK_TITLE": _("Back to the text")},
        },
        output_format="html",
    )
    _use_fast_inline(md)
    return md


# one converter per language (and catalogue): the titles of its links differ
_MD: dict[tuple[str, str], markdown.Markdown] = {}
_H1 = re.compile(r'^\s*<h1[^>]*>(.*?)</h1>\s*', re.S)
_TAGS = re.compile(r"<[^>]+>")


def convert(page: Page, config: Config, site: SiteMap) -> Rendered:
    """Convert one page's Markdown body to HTML, collecting its problems and dependencies."""
    reader = current()
    key = (reader.tag, reader.catalogue.fingerprint)
    md = _MD.get(key)
    if md is None:
        md = _MD[key] = new_markdown()
    md.reset()
    state = _PageState(page, config, site)
    md.cx_state = state
    body_html = md.convert(page.body)
    heading = None
    m = _H1.match(body_html)
    if m:
        heading = html.unescape(_TAGS.sub("", m.group(1))).rstrip("#").strip()
        body_html = body_html[m.end():]
    toc = _toc_without_h1(getattr(md, "toc_tokens", []))
    ctx = state.ctx
    return Rendered(body_html, toc, heading, state.problems + ctx.warnings, ctx.inputs, ctx.files,
                    ctx.needs, state.links)


def _toc_without_h1(tokens: list[dict]) -> list[dict]:
    out: list[dict] = []
    for t in tokens:
        if t["level"] == 1:
            out.extend(_toc_without_h1(t["children"]))
        else:
            out.append({"id": t["id"], "name": html.unescape(t["name"]), "level": t["level"],
                        "children": _toc_without_h1(t["children"])})
    return out
