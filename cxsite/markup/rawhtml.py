"""Raw HTML written in a page: kept when it is safe, left out when it could run a script.

Markdown passes HTML through as written, so a page could carry `<script>`, `onerror=` or a
`javascript:` link to every reader. By default (like Hugo, which drops raw HTML unless told
otherwise) cxsite keeps the harmless tags people use in reports (tables, details/summary, abbr,
sup/sub, kbd, br, images, span/div with a class...) and leaves the rest out with a warning,
cleaning each piece of raw HTML with nh3. Only the author's raw HTML is cleaned: the HTML of
cxsite's own blocks (charts, KPI cards) and of highlighted code never passes through here.
A site whose authors are all trusted opts out with `markdown: {unsafe_html: true}`.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
import nh3
from markdown.inlinepatterns import HtmlInlineProcessor

from ..errors import SiteError
from .links import unsafe_url

ALLOWED_TAGS = frozenset({
    "a", "abbr", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite",
    "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i",
    "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})
GENERIC_ATTRIBUTES = {"class", "id", "title", "lang", "dir", "role"}
ATTRIBUTES = {
    "*": GENERIC_ATTRIBUTES,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "abbr": {"title"},
    "q": {"cite"}, "blockquote": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
_VOID = {"br", "col", "hr", "img", "wbr"}
_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w:-]*)([^>]*)>", re.S)
_ATTR = re.compile(r"""([^\s"'<>/=]+)\s*(?:=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
HINT = ("only tags that cannot run scripts are kept; a site whose authors are all trusted can "
        "keep all raw HTML with 'markdown: {unsafe_html: true}' in cxsite.yaml.")


def clean(fragment: str) -> str:
    """A fragment of HTML with only the allowed tags, attributes and URLs left."""
    return nh3.clean(fragment, tags=set(ALLOWED_TAGS), attributes=ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel=None, strip_comments=True,
                     generic_attribute_prefixes={"aria-", "data-"})


def clean_tag(tag: str) -> str:
    """One inline tag ('<span class="x">', '</span>', '<br>') cleaned on its own."""
    m = _TAG.fullmatch(tag.strip())
    if m is None:
        return ""  # a comment or a processing instruction: left out
    closing, name = m.group(1), m.group(2).lower()
    if name not in ALLOWED_TAGS:
        return ""
    if closing:
        return f"</{name}>"
    cleaned = clean(tag if name in _VOID else f"{tag}</{name}>")
    end = cleaned.find(">")
    return cleaned[:end + 1] if cleaned.startswith("<" + name) and end > 0 else ""


def removed(before: str, after: str) -> list[str]:
    """What cleaning left out, as readers of a warning know it: '<script>', 'onclick'."""
    lost: list[str] = []
    kept_tags = {m.group(2).lower() for m in _TAG.finditer(after)}
    kept_attrs = {a.group(1).lower() for m in _TAG.finditer(after) for a in _ATTR.finditer(m.group(3))}
    for m in _TAG.finditer(before):
        name = m.group(2).lower()
        if name not in kept_tags and f"<{name}>" not in lost:
            lost.append(f"<{name}>")
        for a in _ATTR.finditer(m.group(3)):
            attr = a.group(1).lower()
            if attr not in kept_attrs and attr not in lost and not attr.startswith(("/",)):
                lost.append(attr)
    return lost


class SafeHtmlInline(HtmlInlineProcessor):
    """Inline raw HTML, one tag at a time, cleaned before it is stored."""

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (Markdown's API)
        raw = self.backslash_unescape(self.unescape(m.group(1)))
        if raw.startswith("<!--"):  # a comment: a note to colleagues, not for readers
            safe = ""
        else:
            safe = clean_tag(raw)
            if safe != raw:
                _warn(self.md, raw, safe)
        return self.md.htmlStash.store(safe), m.start(0), m.end(0)


def _warn(md: markdown.Markdown, raw: str, safe: str) -> None:
    """A warning at the raw HTML's line naming what was left out (nothing if only the
    spelling changed, e.g. quotes around an attribute)."""
    lost = removed(raw, safe)
    if not lost:
        return
    state = md.cx_state
    first = re.escape(raw.strip().split("\n", 1)[0][:60])
    line = state.lines.line_of(None, re.compile(first), key=("html", first))
    state.ctx.warnings.append(SiteError(
        f"raw HTML left out: {', '.join(lost)} (it could run a script in readers' browsers)",
        file=state.page.source.file, line=line, hint=HINT, severity="warning").problem)


def _clean_stashed(md: markdown.Markdown, start: int) -> None:
    """Clean the raw HTML blocks the html_block preprocessor stored from index start on."""
    blocks = md.htmlStash.rawHtmlBlocks
    for i in range(start, len(blocks)):
        item = blocks[i]
        if isinstance(item, str):
            safe = clean(item)
            if safe != item:
                _warn(md, item, safe)
            # an empty string would leave an empty paragraph; a comment is left out of the page
            blocks[i] = safe if safe.strip() else "<!-- raw HTML omitted -->"
        elif isinstance(item, etree.Element):
            _clean_element(md, item)


def _clean_element(md: markdown.Markdown, el: etree.Element) -> None:
    """A block md_in_html keeps as an element (markdown="1"): its tag and attributes."""
    for sub in el.iter():
        if not isinstance(sub.tag, str):
            continue
        if sub.tag.lower() not in ALLOWED_TAGS:
            _warn(md, f"<{sub.tag}>", "")
            sub.tag = "div"
        allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(sub.tag.lower(), set())
        for name in list(sub.attrib):
            low = name.lower()
            ok = (low in allowed or low.startswith(("aria-", "data-")) or low == "markdown")
            if ok and low in ("href", "src", "cite") and unsafe_url(sub.attrib[name]):
                ok = False
            if not ok:
                _warn(md, f"<{sub.tag} {name}=\"\">", f"<{sub.tag}>")
                del sub.attrib[name]


def install_raw_html_policy(md: markdown.Markdown, unsafe_html: bool) -> None:
    """Clean raw HTML blocks and inline tags, unless the site trusts its authors."""
    if unsafe_html:
        return
    if "html" in md.inlinePatterns:
        md.inlinePatterns.register(SafeHtmlInline(md.inlinePatterns["html"].pattern, md), "html", 90)
    if "html_block" in md.preprocessors:
        pre = md.preprocessors["html_block"]
        run = pre.run

        def run_and_clean(lines: list[str]) -> list[str]:
            start = len(md.htmlStash.rawHtmlBlocks)
            out = run(lines)
            _clean_stashed(md, start)
            return out

        pre.run = run_and_clean
