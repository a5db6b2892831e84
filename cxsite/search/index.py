"""The site's search index: the text of every page, searched in the browser by substring,
so Chinese (which has no spaces between words) is found as well as English."""
from __future__ import annotations

import html
import json
import re

MAX_TEXT = 20_000  # characters of a page's text kept in the index
_DROP = re.compile(r"<(svg|script|style|template)\b.*?</\1>|<a class=\"headerlink\".*?</a>", re.S | re.I)
_BLOCK_TAGS = re.compile(r"</?(p|div|li|ul|ol|h[1-6]|t[dhr]|table|br|dt|dd|details|summary|figure|figcaption|section|blockquote|pre)\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def page_text(body_html: str) -> str:
    """The readable text of a page body: no markup, charts' SVG or scripts."""
    text = _TAGS.sub("", _BLOCK_TAGS.sub(" ", _DROP.sub(" ", body_html)))
    return _SPACE.sub(" ", html.unescape(text)).strip()[:MAX_TEXT]


def record(url: str, title: str, section: str, body_html: str, lang: str = "") -> dict[str, str]:
    """A page's entry: u(rl), t(itle), s(ection), (te)x(t) and l(anguage, BCP 47) of its text."""
    entry = {"u": url, "t": title, "s": section, "x": page_text(body_html)}
    if lang:
        entry["l"] = lang
    return entry


def index_script(records: list[dict[str, str]]) -> bytes:
    """The index as a script (not JSON to fetch), so search works from file:// too."""
    data = json.dumps(sorted(records, key=lambda r: r["u"]), ensure_ascii=False,
                      separators=(",", ":"))
    return f"window.CXSITE_SEARCH={data};\n".encode("utf-8")
