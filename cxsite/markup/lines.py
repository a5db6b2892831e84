"""Where in the page's file each part of the converted HTML came from.

Python-Markdown keeps no source positions, so they are recovered in two exact steps and one
narrow search:

1. Preprocessors: the fenced blocks superfences replaced (it knows their first and last line)
   and the raw HTML blocks md_in_html replaced map each line the block parser sees back to a
   line of the page.
2. The block parser (SpanBlockParser) notes, for every top-level element it makes (a paragraph,
   a list, a table...), the lines of the blocks it was made from.
3. A link or citation inside such an element is found in those lines only, with code spans,
   fenced code and HTML comments blanked out, the n-th match for the n-th element.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Iterable

from markdown.blockparser import BlockParser

from .converters import in_order

_CODE_SPAN = re.compile(r"(?<!\\)(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_PLACEHOLDER = re.compile(r"^\s*\x02wzxhzdk:(\d+)\x03\s*$")


# block processor name -> substrings one of which a block must hold for it to apply (checked
# before its test; every one is necessary for the processor's own test or match). Processors
# that also continue an earlier block (admonitions, tabs, lists) are not listed. A character is
# found 15 times quicker than two in a row: a setext heading's test reads only its first line,
# so a block of one line (most paragraphs) is ruled out by its lack of '\n' alone.
BLOCK_NEEDS: dict[str, tuple[str, ...]] = {
    "table": ("|",), "hashheader": ("#",), "quote": (">",), "reference": ("]:",),
    "footnote": ("[^",), "abbr": ("*[",), "setextheader": ("\n",), "deflist": (":",),
}


class SpanBlockParser(BlockParser):
    """Python-Markdown's block parser, noting the lines each top-level element comes from.

    The loop is the stock one over a list of the block processors made once per page (the stock
    loop rebuilds it from the registry for every block), skipping a processor when the block
    lacks the characters its syntax needs.
    """

    spans: dict[int, tuple[etree.Element, int, int]]
    _procs: list
    _at_top: bool

    def parseDocument(self, lines: Iterable[str]) -> etree.ElementTree:  # noqa: N802
        self._procs = self._plan()
        self.spans = {}
        self._at_top = True
        return super().parseDocument(lines)

    def _plan(self) -> list[tuple[object, str | None, str | None]]:
        plan = []
        for name, processor in in_order(self.blockprocessors):
            needs = BLOCK_NEEDS.get(name, ())
            plan.append((processor, *(tuple(needs) + (None, None))[:2]))
        return plan

    def parseBlocks(self, parent: etree.Element, blocks: list[str]) -> None:  # noqa: N802
        if self._at_top and parent is self.root:
            self._at_top = False
            self._parse_top(parent, blocks)
            return
        procs = getattr(self, "_procs", None) or self._plan()
        while blocks:
            block = blocks[0]
            for processor, need, other in procs:
                if need is not None and need not in block and (other is None or other not in block):
                    continue
                if processor.test(parent, block):
                    if processor.run(parent, blocks) is not False:
                        break
                    block = blocks[0]

    def _parse_top(self, root: etree.Element, blocks: list[str]) -> None:
        original = list(blocks)
        n = len(original)
        suffix = [0] * (n + 1)  # lines of '\n\n'.join(original[k:])
        for k in range(n - 1, -1, -1):
            suffix[k] = original[k].count("\n") + 1 + (suffix[k + 1] + 1 if k < n - 1 else 0)
        total = suffix[0]

        def remaining() -> int:
            """Lines of the text still to parse (processors change only its first blocks)."""
            m, partial = len(blocks), 0
            for j in range(m):
                k = n - (m - j)
                if k >= 0 and blocks[j] is original[k]:
                    return partial + suffix[k]
                partial += blocks[j].count("\n") + 2
            return max(partial - 1, 0)

        procs = self._procs
        spans = self.spans
        left = total
        while blocks:
            start = total - left
            count = len(root)
            last = root[-1] if count else None
            block = blocks[0]
            for processor, need, other in procs:
                if need is not None and need not in block and (other is None or other not in block):
                    continue
                if processor.test(root, block):
                    if processor.run(root, blocks) is not False:
                        break
                    block = blocks[0]
            left = remaining() if blocks else 0
            end = max(start, total - left - 1)
            if len(root) > count:
                for child in root[count:]:
                    spans[id(child)] = (child, start, end)
            elif last is not None and id(last) in spans:  # a block added to the last element
                child, first, _ = spans[id(last)]
                spans[id(last)] = (child, first, end)


def fence_runs_hook(md) -> None:
    """Record the lines of each fenced block superfences finds (md.cx_fence_runs) and the
    first line of the block being formatted (md.cx_fence_start)."""
    pre = md.preprocessors["fenced_code_block"] if "fenced_code_block" in md.preprocessors else None
    if pre is None or not hasattr(pre, "process_nested_block") or not hasattr(pre, "reassemble"):
        return
    nested, reassemble = pre.process_nested_block, pre.reassemble

    def process_nested_block(ws, content, start, end):
        md.cx_fence_start = start
        return nested(ws, content, start, end)

    def reassemble_and_record(lines):
        md.cx_fence_runs = [(start, end) for _, start, end in pre.stack]
        return reassemble(lines)

    pre.process_nested_block = process_nested_block
    pre.reassemble = reassemble_and_record


class LineMap:
    """Source lines of a page body and what the converter made of them."""

    def __init__(self, body: str, first_line: int) -> None:
        self.body = body
        self.first_line = first_line  # file line of body line 0
        self.to_source: list[int] | None = None  # parser line -> body line
        self.parser: SpanBlockParser | None = None  # its spans: top-level element -> lines
        self._masked: list[str] | None = None
        self._tops: dict[int, etree.Element] | None = None
        self._fences: list[tuple[int, int]] = []
        self._recorded: tuple[list[str], list[str], list] = ([], [], [])
        self._seen: dict[tuple, int] = {}

    # --- built while converting ---------------------------------------------------------
    def record(self, fences: list[tuple[int, int]], after_fences: list[str],
               parsed: list[str], stash: list) -> None:
        """Keep what the preprocessors did; the map is made only if a line is asked for."""
        self._fences = fences
        self._recorded = (after_fences, parsed, stash)

    def _build_map(self) -> None:
        """Map the parser's lines to body lines: fences are exact; raw HTML blocks aligned."""
        after_fences, parsed, stash = self._recorded
        fence_map: list[int] = []
        i = 0
        for start, end in sorted(self._fences):
            fence_map.extend(range(i, start))
            fence_map.append(start)
            i = end
        fence_map.extend(range(i, i + len(after_fences) - len(fence_map)))
        if parsed == after_fences or not fence_map:
            self.to_source = fence_map
            return
        self.to_source = [fence_map[min(j, len(fence_map) - 1)]
                          for j in _align(after_fences, parsed, stash)]

    # --- asked when a problem needs a line ----------------------------------------------
    def line_of(self, el: etree.Element | None, pattern: re.Pattern | None,
                key: object = None) -> int | None:
        """The file line of the n-th match of pattern in the lines of el's top-level element
        (n counts earlier questions with the same key), else in the whole page."""
        span = self._span_of(el) if el is not None else None
        lines = self._masked_lines()
        if span is None:
            first, last = 0, len(lines) - 1
        else:
            first, last = span
        if pattern is None:
            return self.first_line + first if span else None
        text = "\n".join(lines[first:last + 1])
        seen_key = (first, key if key is not None else pattern.pattern)
        n = self._seen.get(seen_key, 0)
        self._seen[seen_key] = n + 1
        hits = list(pattern.finditer(text))
        if not hits and span is not None:  # e.g. a reference link's target is defined elsewhere
            text, first = "\n".join(lines), 0
            hits = list(pattern.finditer(text))
        if not hits:
            return self.first_line + first if span else None
        hit = hits[min(n, len(hits) - 1)]
        return self.first_line + first + text.count("\n", 0, hit.start())

    def _span_of(self, el: etree.Element) -> tuple[int, int] | None:
        spans = getattr(self.parser, "spans", None) or {}
        if self._tops is None:
            self._tops = {}
            for _, (top, _, _) in spans.items():
                for sub in top.iter():
                    self._tops[id(sub)] = top
        top = self._tops.get(id(el))
        if top is None:
            return None
        if self.to_source is None:
            self._build_map()
        _, start, end = spans[id(top)]
        to_source = self.to_source
        if not to_source:
            return None
        start = to_source[min(start, len(to_source) - 1)]
        end = to_source[min(end, len(to_source) - 1)]
        if end < start:
            end = start
        for f_start, f_end in self._fences:  # a fence at the end of the span: all its lines
            if f_start == end:
                end = f_end - 1
        return start, end

    def _masked_lines(self) -> list[str]:
        """The body with code and comments blanked out (same lines and columns)."""
        if self._masked is None:
            lines = self.body.split("\n")
            for start, end in self._fences:
                for i in range(start, min(end, len(lines))):
                    lines[i] = ""
            text = "\n".join(lines)
            blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))  # noqa: E731
            text = _COMMENT.sub(blank, _CODE_SPAN.sub(blank, text))
            self._masked = text.split("\n")
        return self._masked


def _align(before: list[str], after: list[str], stash: list) -> list[int]:
    """For each line of `after` (raw HTML blocks replaced by placeholders), its `before` index.

    md_in_html replaces each raw HTML block by one placeholder line and adds or drops blank
    lines around it; every other line is kept as it was.
    """
    out: list[int] = []
    i, last = 0, max(len(before) - 1, 0)
    for line in after:
        if line.strip():  # skip blank lines md_in_html dropped before this one
            while i < len(before) and line != before[i] and not before[i].strip():
                i += 1
        m = _PLACEHOLDER.match(line)
        if m and i < len(before) and line != before[i]:  # a raw HTML block starting at line i
            out.append(min(i, last))
            raw = stash[int(m.group(1))] if int(m.group(1)) < len(stash) else None
            if isinstance(raw, str):
                i += raw.count("\n") + 1
            else:  # an element (markdown="1"): skip to the line after its closing tag
                i = _after_block(before, i)
        elif i < len(before) and line == before[i]:
            out.append(i)
            i += 1
        else:  # a blank line md_in_html added
            out.append(min(max(i - 1, 0), last))
    return out


def _after_block(lines: list[str], i: int) -> int:
    """The line after an HTML block that starts at line i: the next blank line after a line
    ending with a closing tag, or the end."""
    j = i
    while j < len(lines):
        if lines[j].rstrip().endswith(">") and (j + 1 == len(lines) or not lines[j + 1].strip()):
            return j + 1
        j += 1
    return j


def link_pattern(target: str) -> re.Pattern:
    """A Markdown link, image, reference definition or autolink to target."""
    t = re.escape(target)
    return re.compile(r"(?:\]\(\s*<?|\]:\s*<?|<)" + t + r"|\]\(\s*<?" + t)


def literal_pattern(text: str) -> re.Pattern:
    """The text as written (a citation's source, for one)."""
    return re.compile(re.escape(text))
