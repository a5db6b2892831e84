"""Limits that keep one odd page from taking minutes or all the memory.

Python-Markdown reads nested lists and quotes recursively and tries some inline patterns from
every '[' or '{{' onwards, so a page with hundreds of levels of nesting, or tens of thousands of
unclosed brackets, would run out of stack or take minutes. No real report comes near these
limits; a page that does gets one message naming its line.
"""
from __future__ import annotations

import re

from ..errors import Problem, SiteError

MAX_NESTING = 40  # lists, quotes and indented blocks inside each other
MAX_RUN = 1_000  # '[', '{{' or '<' in one paragraph
_DEEP = re.compile(r"^(?:[ \t]*>){8,}|^[ \t]{80,}\S", re.M)
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})", re.M)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_OPENERS = ("[", "{{", "<", "`")


def check_source(body: str, file: str, first_line: int) -> None:
    """Raise a SiteError at the first line that nests too deeply or a paragraph holding an
    unbounded run of brackets. Cheap: one regex scan, details only when it finds something."""
    if _DEEP.search(body) is not None:
        line = _deepest_line(body)
        if line is not None:
            raise SiteError(f"lists or quotes are nested more than {MAX_NESTING} levels deep",
                            file=file, line=first_line + line,
                            hint="nest lists and quotes less deeply; indented text that is "
                                 "not a list can go in a ``` fenced block.")
    if len(body) > 4 * MAX_RUN and max(body.count(o) for o in _OPENERS) > MAX_RUN:
        offset = 0
        for para in _PARAGRAPHS.split(body):
            for opener in _OPENERS:
                if para.count(opener) > MAX_RUN:
                    line = first_line + body.count("\n", 0, body.find(para, offset))
                    raise SiteError(f"one paragraph holds more than {MAX_RUN:,} '{opener}'",
                                    file=file, line=line,
                                    hint="split the paragraph, or put the text in a ``` fenced "
                                         "block if it is data or code.")
            offset += len(para)


def _deepest_line(body: str) -> int | None:
    """The first line (0-based) nesting deeper than MAX_NESTING, outside fenced code."""
    fence: str | None = None
    for i, line in enumerate(body.split("\n")):
        m = _FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
                continue
            if m.group(1).startswith(fence) and not line.strip(" \t>`~"):
                fence = None
                continue
        if fence is not None:
            continue
        quotes = len(re.match(r"(?:[ \t]*>)*", line).group(0).replace(" ", "").replace("\t", ""))
        rest = line.lstrip(" \t>")
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if quotes > MAX_NESTING or (rest and indent // 2 > MAX_NESTING):
            return i
    return None


def too_deep(body: str, file: str, first_line: int) -> Problem:
    """The message for a page Python-Markdown could not read for its nesting (RecursionError)."""
    line = _deepest_line(body)
    return Problem("the page is nested too deeply to read (lists, quotes or blocks inside "
                   "each other)", file, first_line + line if line is not None else None,
                   "nest lists, quotes, admonitions and tabs less deeply.")
