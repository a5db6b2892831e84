"""Links in a page: .md targets become page URLs, every local target must exist, and no link,
image or attribute may run a script (unless the site opts in to raw HTML)."""
from __future__ import annotations

import html
import posixpath
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from urllib.parse import quote, unquote

from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE

from ..content import relative_url
from ..errors import SiteError, did_you_mean
from .lines import link_pattern

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]+")
UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:")
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "background", "cite",
                  "longdesc", "srcset", "xlink:href", "data")


@dataclass(frozen=True)
class SiteMap:
    """What a page may link to: page sources by content path, and other content files."""

    pages: dict[str, tuple[str, bool]]  # rel -> (url, is draft)
    assets: frozenset[str]
    # language code -> default-language page -> its URL in that language (translation or stand-in)
    localized: dict[str, dict[str, str]] = field(default_factory=dict)


def unsafe_url(url: str) -> str | None:
    """The scheme if a URL would run a script or smuggle content (javascript:, data:...).

    Browsers ignore entities, spaces and control characters inside a scheme, so they are
    removed before looking."""
    plain = _INVISIBLE.sub("", html.unescape(url.replace(AMP_SUBSTITUTE, "&"))).lower()
    for scheme in UNSAFE_SCHEMES:
        if plain.startswith(scheme):
            return scheme
    return None


class LinkProcessor(Treeprocessor):
    """Turn links to .md files into page URLs and check that every local target exists.

    In safe mode (the default) it also refuses `javascript:`, `vbscript:` and `data:` URLs and
    drops event handler attributes ('onclick') that attribute lists could add."""

    def __init__(self, md, unsafe_html: bool, any_attributes: bool = True) -> None:
        super().__init__(md)
        self.unsafe_html = unsafe_html
        # only attribute lists ({: ...}) and HTML blocks can put attributes on any element;
        # without them, links and images are the only elements to look at
        self.any_attributes = any_attributes

    def run(self, root: etree.Element) -> None:
        state = self.md.cx_state
        safe = not self.unsafe_html
        if self.any_attributes:
            elements = root.iter()
        else:
            # each tag in reading order, which is what lines.py needs to tell equal links apart
            elements = [el for tag in ("a", "img", "source") for el in root.iter(tag)]
        for el in elements:
            attrib = el.attrib
            if not attrib:
                continue
            if safe:
                self._make_safe(state, el)
            attr = "href" if el.tag == "a" else "src" if el.tag in ("img", "source") else None
            target = attrib.get(attr) if attr else None
            if target:
                new = self._resolve(state, el, target)
                if new is not None:
                    el.set(attr, new)

    def _make_safe(self, state, el: etree.Element) -> None:
        for name in list(el.attrib):
            low = name.lower()
            if low.startswith("on") or low == "srcdoc":
                del el.attrib[name]
                state.error(SiteError(f"the attribute '{name}' would run a script in readers' "
                                      "browsers",
                                      hint="remove it; a site whose authors are all trusted can "
                                           "allow it with 'markdown: {unsafe_html: true}' in "
                                           "cxsite.yaml."),
                            state.lines.line_of(el, re.compile(re.escape(name) + r"\s*="),
                                                key=("attr", name)))
            elif low in URL_ATTRIBUTES:
                value = el.attrib[name]
                scheme = unsafe_url(value)
                if scheme:
                    el.attrib[name] = "#"
                    kind = "image" if el.tag == "img" else "link"
                    state.error(SiteError(f"the {kind} '{_short(value)}' uses '{scheme}', which "
                                          "can run a script or hide content",
                                          hint="link to a web address (https://...) or to a "
                                               "page or file in content/."),
                                state.lines.line_of(el, link_pattern(value), key=("link", value)))

    def _resolve(self, state, el: etree.Element, target: str) -> str | None:
        if _SCHEME.match(target) or target.startswith(("#", "/", "//", AMP_SUBSTITUTE)) \
                or target == "#":
            return None  # a web address, an anchor, or an e-mail address Markdown obfuscated
        path, _, fragment = target.partition("#")
        path = path.split("?", 1)[0]
        if not path:
            return None
        page = state.page.source
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(page.rel), unquote(path)))
        suffix = "#" + fragment if fragment else ""

        def line() -> int | None:
            return state.lines.line_of(el, link_pattern(target), key=("link", target))

        if rel.startswith("../") or rel == "..":
            state.error(SiteError(f"the link '{target}' points outside the content folder",
                                  hint="link only to pages and files inside content/."), line())
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
                            line())
                return None
            url, draft = found
            # a link from a page in another language goes to that language's version of the page
            url = state.site.localized.get(page.lang, {}).get(rel, url) if page.lang else url
            if draft and not state.config.serve_mode:
                state.error(SiteError(f"link to the draft page '{target}'",
                                      hint="publish that page (remove 'draft: true') or remove "
                                           "the link."), line())
            state.links.add(url)
            return quote(relative_url(page.url, url)) + suffix
        if rel in state.site.assets:
            return quote(relative_url(page.url, rel)) + suffix
        state.error(SiteError(f"link to a missing file '{target}'",
                              hint=did_you_mean(rel, state.site.assets | state.site.pages.keys())),
                    line())
        return None


def _short(url: str) -> str:
    return url if len(url) <= 60 else url[:57] + "..."
