"""The text a reader sees in a published page body, split into its sections.

Only what the page shows is kept: no scripts, styles, charts' SVG, templates, elements marked
`hidden` or `aria-hidden="true"`, nor the '#' links beside headings. A heading with an id
(Markdown headings get one) starts a section, so a search result can link to it.
"""
from __future__ import annotations

import html
import re
from itertools import compress
from typing import NamedTuple

MAX_TEXT = 60_000  # characters of a page's text that are searched and shown in excerpts
BULK_READING = True  # see sections(); tests turn it off to compare with a step per tag

# a tag's attributes run to the first '>' outside quotes, with the white space before it (no
# backtracking: a tag that is not closed is text, as in a browser)
_TAG = re.compile(r"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|(/?)([a-zA-Z][\w:-]*+)"
                  r"((?:[^>\"']++|\"[^\"]*+\"|'[^']*+')*+)>)", re.S)
_TEXT = re.compile(r"[^<]+|<")  # the text between tags as a tokenizer sees it: '<' starts no tag
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
_SPACED = _BLOCK | _SEPARATE
_HEADING = frozenset({"h2", "h3", "h4", "h5", "h6"})
# inline tags, common in pages: named so that they are looked up without lowering
_PHRASING = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em",
                       "i", "ins", "kbd", "mark", "q", "s", "samp", "small", "strong", "sub", "sup",
                       "time", "u", "var"})


class _ByName(dict):
    """A value for each tag name as split() gives it (None for a comment); a name in another
    letter case is lowered when looked up (and not kept: names come from the page)."""

    def __missing__(self, name: str | None):
        return self[name.lower()] if name and name.lower() in self else self[None]


_KNOWN = _SPACED | _PHRASING | _SKIP | _HEADING | _VOID
_SPACING = _ByName({**dict.fromkeys(_KNOWN, ""), **dict.fromkeys(_SPACED, " "), None: ""})
# tags that may start or end a heading or a part to skip (besides those marked in attributes)
_SWITCHING = _ByName({**dict.fromkeys(_KNOWN, False), **dict.fromkeys(_SKIP | _HEADING, True),
                      None: False})


# plain values as named tuples: made several times a page, twice as fast as a frozen dataclass
class Section(NamedTuple):
    """A part of a page: its heading's anchor and words ("" for the part before any heading)."""

    anchor: str
    heading: str
    text: str


class Weighted(NamedTuple):
    """A run of a page's text; `heading` runs weigh more in ranking."""

    text: str
    heading: bool


def _attrs(raw: str) -> dict[str, str]:
    # findall() gives "" for the two kinds of value an attribute does not have
    return {name.lower(): html.unescape(double or single or bare)
            for name, double, single, bare in _ATTR.findall(raw)}


def _hidden(tag: str, attrs: str) -> bool:
    if tag in _SKIP:
        return True
    a = _attrs(attrs)
    return ("hidden" in a or a.get("aria-hidden", "").lower() == "true"
            or tag == "a" and "headerlink" in a.get("class", "").split())


def _clean(text: str) -> str:
    """The text with its entities decoded and each run of white space one space (split()
    takes the white space \\s does, faster)."""
    return " ".join((html.unescape(text) if "&" in text else text).split())


def _close(done: list[Section], runs: list[Weighted], anchor: str, heading: str,
           parts: list[str]) -> None:
    """End a section: keep it and its text runs."""
    text = _clean("".join(parts))
    if heading or text:
        done.append(Section(anchor, heading, text))
    if heading:
        runs.append(Weighted(heading, True))
    if text:
        runs.append(Weighted(text, False))


def sections(body_html: str) -> tuple[list[Section], list[Weighted]]:
    """The page's sections (for excerpts and links) and its text runs (for the index)."""
    done: list[Section] = []
    runs: list[Weighted] = []
    anchor = heading = heading_tag = skip_tag = ""
    parts: list[str] = []  # text of the current section
    target = parts  # where text goes: the section, or the heading being read
    skip_depth = size = 0
    # split() gives the text before the first tag, then for each tag (or comment: no name) its
    # groups and the text after it: tag k is pieces[4k + 1:4k + 4], the text before it pieces[4k]
    pieces = _TAG.split(body_html)
    count = len(pieces) // 4
    # Most tags only end a word or not (<p>, </td>, <strong>...). Outside headings and skipped
    # parts, the text up to the next tag that may change that (`stops`) is read in one join,
    # with a space for each tag that separates words, rather than a step per tag in Python.
    # The step per tag below is the rule; bulk reading stops for good where text is cut.
    names = pieces[2::4]
    stops = list(compress(range(count), map(_SWITCHING.__getitem__, names)))
    if "hidden" in body_html or "headerlink" in body_html:
        stops = sorted({*stops, *(k for k, attrs in enumerate(pieces[3::4])
                                  if attrs and ("hidden" in attrs or "headerlink" in attrs))})
    stops.append(count)
    plain = pieces[:]  # the text, and in place of each tag a space or nothing
    plain[1::4] = plain[3::4] = [""] * count
    plain[2::4] = map(_SPACING.__getitem__, names)
    upcoming = iter(stops)
    stop = next(upcoming)
    bulk = BULK_READING
    k = 0  # the next tag
    text = pieces[0]  # the text before it, not read yet
    while True:
        if bulk and not skip_depth and not heading_tag:
            while stop < k:
                stop = next(upcoming)
            if stop > k:
                chunk = "".join(plain[4 * k:4 * stop + 1])
                length = len(chunk) - plain[4 * k + 2:4 * stop:4].count(" ")  # the text's
                if size + length <= MAX_TEXT:
                    parts.append(chunk)
                    size += length
                    k, text = stop, ""
                else:
                    bulk = False
        if k == count:
            break
        closing, tag, attrs, following = pieces[4 * k + 1:4 * k + 5]
        k += 1
        if text and not skip_depth and size < MAX_TEXT:
            text = text[:MAX_TEXT - size]
            size += len(text)
            if target is parts or "<" not in text:
                target.append(text)
            else:  # in a heading, each piece a word apart: a lone '<' is a piece of its own
                target.extend(_TEXT.findall(text))
        text = following
        if not tag:  # a comment
            continue
        tag = tag.lower()
        if skip_depth:
            if tag == skip_tag and not attrs.rstrip().endswith("/"):
                skip_depth += -1 if closing else 1
            continue
        if not attrs and tag != heading_tag and tag not in _SKIP:  # most tags: <p>, </td>...
            if tag in _SPACED:
                target.append(" ")
            continue
        if closing:
            if tag == heading_tag:
                heading, heading_tag, target = _clean(" ".join(target)), "", parts
            elif tag in _SPACED:
                target.append(" ")
            continue
        if tag in _VOID or attrs.rstrip().endswith("/"):
            if tag in _SPACED:
                target.append(" ")
            continue
        if ("hidden" in attrs or "headerlink" in attrs or tag in _SKIP) and _hidden(tag, attrs):
            skip_tag, skip_depth = tag, 1
            continue
        if tag in _HEADING and not heading_tag and "id" in attrs:
            new_anchor = _attrs(attrs).get("id", "")
            if new_anchor:
                _close(done, runs, anchor, heading, parts)
                anchor, heading, heading_tag, parts = new_anchor, "", tag, []
                target = []
                continue
        if tag in _SPACED:
            target.append(" ")
    if text and not skip_depth and size < MAX_TEXT:  # the text after the last tag
        text = text[:MAX_TEXT - size]
        if target is parts or "<" not in text:
            target.append(text)
        else:
            target.extend(_TEXT.findall(text))
    if heading_tag:  # a heading never closed
        heading, parts = _clean(" ".join(target)), parts
    _close(done, runs, anchor, heading, parts)
    return done, runs


def page_text(html_text: str) -> str:
    """All the text a reader sees in a piece of HTML, headings included, on one line."""
    parts, _ = sections(html_text)
    return " ".join(" ".join(p for p in (s.heading, s.text) if p) for s in parts)
