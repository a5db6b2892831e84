"""Limits that keep one odd page from taking minutes or all the memory.

Python-Markdown reads nested lists and quotes recursively and tries some inline patterns from
every '[' or '{{' onwards, so a page with hundreds of levels of nesting, or tens of thousands of
unclosed brackets in one paragraph, would run out of stack or take minutes. No real report comes near these
limits; a page that does gets one message naming its line.
"""
from __future__ import annotations

import re

from ..errors import Problem, SiteError

MAX_NESTING = 40  # lists, quotes and indented blocks inside each other
MAX_RUN = 250  # '[', '{{', '<' or '`' in one paragraph, table cell or heading
# a line with 8 or more '>' or 80 spaces of indentation: worth a closer look (anchored at a
# newline rather than with re.M, which is several times slower to scan)
_DEEP = re.compile(r"\n(?:[ \t]*>){8,}|\n[ \t]{80,}\S")
_FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})", re.M)
OPENERS = ("[", "{{", "<", "`")


def check_source(body: str, file: str, first_line: int) -> None:
    """Raise a SiteError at the first line that nests too deeply. Cheap: one regex scan, the
    details only when it finds something."""
    if _DEEP.search("\n" + body) is not None:
        line = _deepest_line(body)
        if line is not None:
            raise SiteError(f"this line is nested too deeply: more than {MAX_NESTING} lists or "
                            f"quotes inside each other ({2 * MAX_NESTING} spaces of indentation "
                            f"or {MAX_NESTING} '>')",
                            file=file, line=first_line + line,
                            hint="nest lists and quotes less deeply; indented text that is "
                                 "not a list can go in a ``` fenced block.")


class TooManyOpeners(Exception):
    """A text holds more than MAX_RUN of one inline opener (raised while converting)."""

    def __init__(self, opener: str) -> None:
        super().__init__(opener)
        self.opener = opener


def check_text(text: str) -> None:
    """Called for each paragraph, table cell or heading before inline patterns are tried: the
    link and citation patterns look for a closing mark after every opener, so their cost grows
    with the square of the openers in one text."""
    if len(text) > MAX_RUN:
        for opener in OPENERS:
            if text.count(opener) > MAX_RUN:
                raise TooManyOpeners(opener)


def too_many(opener: str, body: str, file: str, first_line: int) -> Problem:
    """The message for a text with too many openers, at the line that holds most of them."""
    counts = [line.count(opener) for line in body.split("\n")]
    line = max(range(len(counts)), key=counts.__getitem__) if counts else 0
    return Problem(f"one paragraph holds more than {MAX_RUN} '{opener}'", file,
                   first_line + line,
                   "split the paragraph, or put the text in a ``` fenced block if it is data "
                   "or code.")


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
