"""Markdown to HTML for one page: extensions, links between pages, fenced blocks, citations."""
from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import quote, unquote

import markdown
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pymdownx.superfences import SuperFencesException

from .converters import ALL_FEATURES, build_markdown, page_features
from ..blocks import BLOCK_TYPES, INLINE_TYPES, BlockContext, block_handler, inline_handler
from ..config import Config
from ..content import Page, relative_url
from ..errors import Problem, SiteError, did_you_mean
from ..yamltext import parse_yaml

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FENCE_OPEN = re.compile(r"^\s*(`{3,}|~{3,})\s*\{?\s*\.?([\w-]*)")
_CITE = r"\{\{\s*([A-Za-z_][\w-]*)(.*?)\}\}"


@dataclass(frozen=True)
class SiteMap:
    """What a page may link to: page sources by content path, and other content files."""

    pages: dict[str, tuple[str, bool]]  # rel -> (url, is draft)
    assets: frozenset[str]


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
            el.text = "(value unavailable)"
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


class _CxExtension(markdown.Extension):
    def __init__(self, features: frozenset[str]) -> None:
        super().__init__()
        self.features = features

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802
        if "cite" in self.features:
            md.inlinePatterns.register(_CiteProcessor(_CITE, md), "cx_cite", 175)
        md.treeprocessors.register(_LinkProcessor(md), "cx_links", 15)


def new_markdown(features: Iterable[str] = ALL_FEATURES, *, stock: bool = False) -> markdown.Markdown:
    """A converter with the site's extensions (expensive: keep it, reset() it between pages).

    stock=True gives every extension with Python-Markdown's own processors: the reference the
    tests compare the fast converters with."""
    fences = [{"name": name, "class": "cx-block", "format": _format_block}
              for name in BLOCK_TYPES]
    features = frozenset(features)
    return build_markdown(features, [_CxExtension(features)], {"custom_fences": fences},
                          stock=stock)


_CONVERTERS: dict[frozenset[str], markdown.Markdown] = {}
_H1 = re.compile(r'^\s*<h1[^>]*>(.*?)</h1>\s*', re.S)
_TAGS = re.compile(r"<[^>]+>")


def convert(page: Page, config: Config, site: SiteMap) -> Rendered:
    """Convert one page's Markdown body to HTML, collecting its problems and dependencies."""
    features = page_features(page.body)
    md = _CONVERTERS.get(features)
    if md is None:
        md = _CONVERTERS[features] = new_markdown(features)
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
