"""Lists nested by two spaces, as on GitHub, as well as by four, as Python-Markdown wants.

    - Phase 1              - Phase 1
      - Discovery    ==      - Discovery      (nested, not a second top-level item)

Python-Markdown nests a list item only when it is indented by four spaces (its tab length);
GitHub and CommonMark nest it when it starts at or after the text of the item above. The list
processors below re-indent a list block before Python-Markdown reads it: an item indented past
its parent's marker but by less than four spaces is moved to its parent's indentation plus
four, and the lines that belong to it move with it. Four-space lists are left exactly as they
were; code blocks and fenced code (already set aside by then) are never touched.
"""
from __future__ import annotations

import re

import markdown
from markdown.blockprocessors import ListIndentProcessor, OListProcessor, UListProcessor

_ITEM = re.compile(r"^( *)([*+-]|\d{1,9}[.)])( +|$)")


def nest_two_space_items(block: str, tab: int = 4) -> str:
    """Re-indent the items of one list block so that Python-Markdown nests them as written."""
    if "\n " not in block:  # no indented line: nothing nests
        return block
    lines = block.split("\n")
    stack: list[tuple[int, int, int]] = []  # (marker column, text column, new marker column)
    out: list[str] = []
    changed = False
    for line in lines:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        m = _ITEM.match(line)
        if m:
            while stack and indent < stack[-1][1]:
                stack.pop()
            if not stack:
                new = indent
            else:
                marker, _, new_marker = stack[-1]
                if indent >= marker + tab:  # already nested the Python-Markdown way
                    new = new_marker + (indent - marker)
                else:  # nested the GitHub way: at or past the parent's text
                    new = new_marker + tab
            gap = len(m.group(3))
            text_col = indent + len(m.group(2)) + (gap if 0 < gap <= 4 else 1)
            stack.append((indent, text_col, new))
            shift = new - indent
        else:
            shift = 0
            for marker, text_col, new_marker in reversed(stack):
                if indent >= text_col:
                    shift = new_marker - marker
                    break
        if shift and stripped:
            line = " " * (indent + shift) + stripped
            changed = True
        out.append(line)
    return "\n".join(out) if changed else block


class _NestingOList(OListProcessor):
    def run(self, parent, blocks):  # noqa: D102
        blocks[0] = nest_two_space_items(blocks[0], self.tab_length)
        return super().run(parent, blocks)


class _NestingUList(UListProcessor):
    def run(self, parent, blocks):  # noqa: D102
        blocks[0] = nest_two_space_items(blocks[0], self.tab_length)
        return super().run(parent, blocks)


class _NestingListIndent(ListIndentProcessor):
    """A block after a list, indented by two or three spaces, belongs to the list's last item
    (a nested list or a second paragraph), as on GitHub."""

    def test(self, parent, block):  # noqa: D102
        if not block.startswith("  "):  # both need two spaces or more
            return False
        if super().test(parent, block):
            return True
        indent = len(block) - len(block.lstrip(" "))
        return (2 <= indent < self.tab_length and not self.parser.state.isstate("detabbed")
                and len(parent) > 0 and parent[-1] is not None
                and parent[-1].tag in self.LIST_TYPES)

    def run(self, parent, blocks):  # noqa: D102
        block = blocks[0]
        indent = len(block) - len(block.lstrip(" "))
        if indent < self.tab_length:
            pad = " " * (self.tab_length - indent)
            blocks[0] = "\n".join(pad + line if line.strip() else line for line in block.split("\n"))
            blocks[0] = nest_two_space_items(blocks[0], self.tab_length)
        return super().run(parent, blocks)


def install_list_nesting(md: markdown.Markdown) -> None:
    """Replace the list processors with ones that also nest by two spaces."""
    parser = md.parser
    for name, cls in (("olist", _NestingOList), ("ulist", _NestingUList),
                      ("indent", _NestingListIndent)):
        if name in parser.blockprocessors:
            priority = next(e.priority for e in parser.blockprocessors._priority if e.name == name)
            parser.blockprocessors.register(cls(parser), name, priority)
