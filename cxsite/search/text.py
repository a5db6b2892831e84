"""The text a reader sees in a published page body, split into its sections.

Only what the page shows is kept: no scripts, styles, charts' SVG, templates, elements marked
`hidden` or `aria-hidden="true"`, nor the '#' links beside headings. A heading with an id
(Markdown headings get one) starts a section, so a search result can link to it.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

MAX_TEXT = 60_000  # characters of a page's text that are searched and shown in excerpts

_TOKEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<(/?)([a-zA-Z][\w:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|([^<]+|<)",
                    re.S)
_ATTR = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_SKIP = frozenset({"script", "style", "svg", "math", "template", "noscript", "iframe", "object",
                   "canvas", "button", "select", "textarea"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})
_BLOCK = frozenset({"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody",
                    "tfoot", "tr", "td", "th", "caption", "br", "hr", "section", "article",
                    "aside", "header", "footer", "nav", "main", "figure", "figcaption",
                    "blockquote", "pre", "details", "summary", "h1", "h2", "h3", "h4", "h5", "h6",
                    "address", "fieldset", "legend", "form", "label"})
_SEPARATE = frozenset({"span", "img"})  # labels that sit side by side: never one word together
_HEADING = frozenset({"h2", "h3", "h4", "h5", "h6"})
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Section:
    """A part of a page: its heading's anchor and words ("" for the part before any heading)."""

    anchor: str
    heading: str
    text: str


@dataclass(frozen=True)
class Weighted:
    """A run of a page's text; `heading` runs weigh more in ranking."""

    text: str
    heading: bool


def _attrs(raw: str) -> dict[str, str]:
    found = {}
    for m in _ATTR.finditer(raw):
        value = next((v for v in m.group(2, 3, 4) if v is not None), "")
        found[m.group(1).lower()] = html.unescape(value)
    return found


def _hidden(tag: str, attrs: str) -> bool:
    if tag in _SKIP:
        return True
    if "hidden" not in attrs and "headerlink" not in attrs:
        return False
    a = _attrs(attrs)
    return ("hidden" in a or a.get("aria-hidden", "").lower() == "true"
            or tag == "a" and "headerlink" in a.get("class", "").split())


class _Sections:
    """Collects text into sections as the tags go by."""

    def __init__(self) -> None:
        self.done: list[Section] = []
        self.runs: list[Weighted] = []
        self.anchor = ""
        self.heading = ""
        self.parts: list[str] = []  # text of the current section
        self.heading_parts: list[str] | None = None  # text of the heading being read
        self.size = 0

    def text(self, data: str) -> None:
        if self.size >= MAX_TEXT:
            return
        data = data[:MAX_TEXT - self.size]
        self.size += len(data)
        (self.heading_parts if self.heading_parts is not None else self.parts).append(data)

    def open_heading(self, anchor: str) -> None:
        self.close()
        self.anchor, self.heading_parts = anchor, []

    def close_heading(self) -> None:
        if self.heading_parts is not None:
            self.heading = _clean(" ".join(self.heading_parts))
            self.heading_parts = None

    def close(self) -> None:
        """End the current section."""
        self.close_heading()
        text = _clean("".join(self.parts))
        if self.heading or text:
            self.done.append(Section(self.anchor, self.heading, text))
        if self.heading:
            self.runs.append(Weighted(self.heading, True))
        if text:
            self.runs.append(Weighted(text, False))
        self.anchor, self.heading, self.parts = "", "", []


def _clean(text: str) -> str:
    return _SPACE.sub(" ", html.unescape(text)).strip()


def sections(body_html: str) -> tuple[list[Section], list[Weighted]]:
    """The page's sections (for excerpts and links) and its text runs (for the index)."""
    out = _Sections()
    skip_tag, skip_depth = "", 0
    heading_tag = ""
    for m in _TOKEN.finditer(body_html):
        closing, tag, attrs, data = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag is None:
            if data is not None and not skip_depth:
                out.text(data)
            continue
        tag = tag.lower()
        if skip_depth:
            if tag == skip_tag and not attrs.rstrip().endswith("/"):
                skip_depth += -1 if closing else 1
            continue
        if closing:
            if tag == heading_tag:
                out.close_heading()
                heading_tag = ""
            if tag in _BLOCK or tag in _SEPARATE:
                out.text(" ")
            continue
        if tag in _VOID or attrs.rstrip().endswith("/"):
            if tag in _BLOCK or tag in _SEPARATE:
                out.text(" ")
            continue
        if _hidden(tag, attrs):
            skip_tag, skip_depth = tag, 1
            continue
        if tag in _HEADING and not heading_tag:
            anchor = _attrs(attrs).get("id", "") if "id" in attrs else ""
            if anchor:
                out.open_heading(anchor)
                heading_tag = tag
                continue
        if tag in _BLOCK or tag in _SEPARATE:
            out.text(" ")
    out.close()
    return out.done, out.runs


def page_text(html_text: str) -> str:
    """All the text a reader sees in a piece of HTML, headings included, on one line."""
    parts, _ = sections(html_text)
    return " ".join(" ".join(p for p in (s.heading, s.text) if p) for s in parts)
