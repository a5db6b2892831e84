"""Python-Markdown converters, one per set of syntax a page uses, so plain pages stay cheap.

Every optional extension costs time on every block and every text node, used or not. A page
that has no '!!!' cannot hold an admonition, so its converter leaves the admonition extension
out; the HTML is the same as the full converter's (tests/test_markup.py checks this on random
documents). The extensions a page may need are found by looking for the characters their syntax
starts with: a false alarm only costs time, a miss never happens because every syntax needs them.
"""
from __future__ import annotations

import html
import importlib
import re
import xml.etree.ElementTree as etree
from typing import Any, Callable, Iterable

import markdown
from markdown.extensions.footnotes import FootnotePostprocessor
from markdown.extensions.md_in_html import MarkdownInHTMLPostprocessor
from markdown.extensions.toc import (TocExtension, TocTreeprocessor, escape_cdata, nest_toc_tokens,
                                     remove_fnrefs, render_inner_html, run_postprocessors,
                                     slugify_unicode, strip_tags, unescape, unique)
from markdown.inlinepatterns import (ImageReferenceInlineProcessor, ReferenceInlineProcessor,
                                   ShortImageReferenceInlineProcessor, ShortReferenceInlineProcessor)
from markdown.postprocessors import AndSubstitutePostprocessor, RawHtmlPostprocessor
from markdown.preprocessors import NormalizeWhitespace
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor
from markdown.treeprocessors import UnescapeTreeprocessor
from markdown.util import ETX, STX, AtomicString, Registry

from ..i18n import _
from .bounds import check_text

# feature -> does this page source need it? Checks are plain substring tests (fast, in C). A
# longer substring is looked for only once one of its characters is found: finding a character
# is a memchr, finding two or three in a row takes 15 times as long (4 us in a 3 KB page).
_DEF_LIST = re.compile(r"\n[ \t>]*:")  # a line starting with ':' (after indentation or '>')


def _has_def_list(s: str) -> bool:
    return ":" in s and (_DEF_LIST.search(s) is not None or s.lstrip(" \t>").startswith(":"))


def _has_fence(s: str) -> bool:
    return "`" in s and "```" in s or "~" in s and "~~~" in s


def _has_indented(s: str) -> bool:
    return "\n    " in s or "\t" in s or s.startswith("    ")

_TASK = re.compile(r"\[[ xX]\]")
FEATURES: dict[str, Callable[[str], bool]] = {
    "tables": lambda s: "|" in s,
    "footnotes": lambda s: "^" in s and "[^" in s,
    "admonition": lambda s: "!" in s and "!!!" in s,
    "attr_list": lambda s: "{" in s,
    "def_list": _has_def_list,
    "abbr": lambda s: "*[" in s,
    "md_in_html": lambda s: "<" in s,
    "superfences": _has_fence,
    "highlight": lambda s: _has_fence(s) or _has_indented(s),
    "tabbed": lambda s: "=" in s and "===" in s,
    "details": lambda s: "?" in s and "???" in s,
    "tasklist": lambda s: "[" in s and _TASK.search(s) is not None,
    "toc_marker": lambda s: "[TOC]" in s,
    "cite": lambda s: "{" in s and "{{" in s,
    "backslash": lambda s: "\\" in s,
}
ALL_FEATURES = frozenset(FEATURES)


def page_features(source: str) -> frozenset[str]:
    """The optional syntax a page's Markdown may use (a superset: never misses one)."""
    return frozenset(name for name, needed in FEATURES.items() if needed(source))


# name -> the extension and its settings; the order is the order extensions are loaded in
_EXTENSIONS: list[tuple[str, str, dict]] = [
    ("tables", "tables", {}),
    ("footnotes", "footnotes", {}),
    ("admonition", "admonition", {}),
    ("attr_list", "attr_list", {}),
    ("def_list", "def_list", {}),
    ("abbr", "abbr", {}),
    ("md_in_html", "md_in_html", {}),
    ("toc", "toc", {"permalink": "#", "slugify": slugify_unicode, "toc_depth": "2-3"}),
    ("superfences", "pymdownx.superfences", {}),
    ("tabbed", "pymdownx.tabbed", {"alternate_style": True}),
    ("details", "pymdownx.details", {}),
    ("tasklist", "pymdownx.tasklist", {}),
    ("highlight", "pymdownx.highlight", {"use_pygments": True, "css_class": "highlight"}),
]


def build_markdown(features: Iterable[str], extra: list[markdown.Extension],
                   superfences: dict, *, stock: bool = False) -> markdown.Markdown:
    """A converter with the named optional extensions, plus `extra` (the site's own).

    stock=True keeps Python-Markdown's own inline and toc processors (the tests' reference).
    """
    features = set(features) | {"toc"}
    if "superfences" in features:
        features.add("highlight")  # fenced code is highlighted by it
    names, configs = [], {}
    for feature, name, settings in _EXTENSIONS:
        if feature in features:
            names.append(name)
            config = dict(settings)
            if feature == "superfences":
                config.update(superfences)
            if feature == "footnotes":  # titles of links, in the page's language
                config["BACKLINK_TITLE"] = _("Back to the text")
            if feature == "toc":
                config["permalink_title"] = _("Link to this section")
            if feature == "toc" and "toc_marker" not in features:
                config["marker"] = ""  # no '[TOC]' on the page: skip looking for it
            if config:
                configs[name] = config
    toc = configs.pop("toc")
    extensions = [(TocExtension(**toc) if stock or "toc_marker" in features
                   else _TocTokensOnlyExtension(**toc)) if name == "toc" else
                  _extension(name, configs.get(name, {})) for name in names]
    md = _Markdown(extensions=extensions + extra, output_format="html")
    if not stock:
        if "md_in_html" not in features and "html_block" in md.preprocessors:
            # the page has no '<': no HTML block to find, and the search parses the whole page
            md.preprocessors.deregister("html_block")
        md.treeprocessors.register(FastInlineProcessor(md), "inline", 20)
        if "backslash" in features:
            md.treeprocessors.register(_FastUnescape(md), "unescape", 0)
        else:  # it restores the characters '\\' escapes; only the escape pattern stashes them
            md.treeprocessors.deregister("unescape")
        md.preprocessors.register(_FastNormalizeWhitespace(md), "normalize_whitespace", 30)
        # the stock method looks the tag up in a list, for every element, several times
        block_level = frozenset(md.block_level_elements)
        md.is_block_level = _Memo(  # type: ignore[method-assign]
            lambda tag: isinstance(tag, str) and tag.lower().rstrip("/") in block_level).__getitem__
    return md


def in_order(registry: Registry) -> list[tuple[str, Any]]:
    """(name, item) of a Markdown registry in the order Markdown uses them: by priority.

    Its private list is in that order only once the registry has sorted itself, which it does
    when used, not when an item is registered again (the raw HTML policy re-registers 'html')."""
    items = list(registry)  # sorts the registry
    return [(entry.name, item) for entry, item in zip(registry._priority, items)]


class _Memo(dict):
    """A function of a tag, worked out once per tag name (a page has a handful of them)."""

    def __init__(self, of: Callable[[object], bool]) -> None:
        super().__init__()
        self.of = of

    def __missing__(self, tag: object) -> bool:
        found = self[tag] = self.of(tag)
        return found


def _extension(name: str, config: dict) -> markdown.Extension:
    """The extension a name stands for, made from its module ('tables' is Markdown's own):
    what Markdown does with the name, without listing every installed package's entry points
    first (30 ms in each process)."""
    module = importlib.import_module(name if "." in name else "markdown.extensions." + name)
    return module.makeExtension(**config)


class _Markdown(markdown.Markdown):
    """Markdown, making the extensions named by others (superfences names highlight) as
    _extension() does."""

    def build_extension(self, ext_name: str, configs) -> markdown.Extension:  # noqa: D102
        return _extension(ext_name, dict(configs))


# a line of spaces only, from its newline: a search starting with a fixed character, where
# Python-Markdown's r'(?<=\n) +\n' makes the engine try the look-behind at every character
_SPACES_LINE = re.compile(r"\n +(?=\n)")


class _FastNormalizeWhitespace(NormalizeWhitespace):
    """The stock preprocessor, emptying lines of spaces with a search that is 15x quicker."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        source = source.replace(STX, "").replace(ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        return _SPACES_LINE.sub("\n", source).split("\n")


class _FastUnescape(UnescapeTreeprocessor):
    """Restores backslash-escaped characters, skipping the regex for text holding none."""

    def unescape(self, text: str) -> str:
        return self.RE.sub(self._unescape, text) if STX in text else text


# Postprocessors that change nothing but the placeholders Markdown writes between STX and ETX
# (stashed HTML, '&' of entities, footnote back-link marks): text without STX is left as it is.
_PLACEHOLDER_ONLY = (RawHtmlPostprocessor, MarkdownInHTMLPostprocessor,
                     AndSubstitutePostprocessor, FootnotePostprocessor)
# what the serializer escapes (&, <, >) or unescape() and the postprocessors replace (STX..ETX)
_NOT_PLAIN = re.compile("[&<>\x02\x03]")


class _TocTokensOnly(TocTreeprocessor):
    """Heading ids, permalinks and toc_tokens, without the '[TOC]' block nobody asked for.

    The stock processor builds, prettifies and serialises a table of contents for every page;
    the site's templates use md.toc_tokens only, and a page without '[TOC]' has nowhere to put it.
    It also serialises every heading and runs every postprocessor over it to learn its inner
    HTML; for a heading that is plain text (most are) that HTML is the text itself.
    """

    def __init__(self, md: markdown.Markdown, config: dict) -> None:
        super().__init__(md, config)
        # tag -> is it a heading: the stock test, made once per tag rather than per element
        self._is_heading = _Memo(lambda tag: isinstance(tag, str) and
                                 self.header_rgx.match(tag) is not None)

    def run(self, doc: etree.Element) -> None:
        """The stock run (Markdown 3.11, pinned), with plain headings read without serialising
        them and no table of contents made (md.toc is left empty)."""
        md = self.md
        plain_ok = all(type(pp) in _PLACEHOLDER_ONLY for pp in md.postprocessors)
        used_ids = {el.attrib["id"] for el in doc.iter() if "id" in el.attrib}
        id_counters: dict[str, int] = {}
        toc_tokens = []
        is_heading = self._is_heading
        for el in doc.iter():
            if is_heading[el.tag]:
                self.set_level(el)
                text = el.text or ""
                if plain_ok and not len(el) and _NOT_PLAIN.search(text) is None \
                        and (not el.tail or STX not in el.tail):
                    innerhtml = text.strip()  # what render_inner_html() makes of it
                else:
                    innerhtml = render_inner_html(remove_fnrefs(el), md)
                name = strip_tags(innerhtml)
                if "id" not in el.attrib:  # an id given with {: #id } is kept
                    el.attrib["id"] = unique(self.slugify(html.unescape(name), self.sep), used_ids,
                                             id_counters)
                data_toc_label = ""
                if "data-toc-label" in el.attrib:
                    data_toc_label = run_postprocessors(unescape(el.attrib["data-toc-label"]), md)
                    name = escape_cdata(strip_tags(data_toc_label))
                    del el.attrib["data-toc-label"]
                level = int(el.tag[-1])
                if self.toc_top <= level <= self.toc_bottom:
                    toc_tokens.append({"level": level, "id": unescape(el.attrib["id"]),
                                       "name": name, "html": innerhtml,
                                       "data-toc-label": data_toc_label})
                if self.use_anchors:
                    self.add_anchor(el, el.attrib["id"])
                if self.use_permalinks not in [False, None]:
                    self.add_permalink(el, el.attrib["id"])
        md.toc_tokens = nest_toc_tokens(toc_tokens)
        md.toc = ""


class _TocTokensOnlyExtension(TocExtension):
    TreeProcessorClass = _TocTokensOnly


# --- inline patterns: skip those that cannot match ------------------------------------------
# pattern name -> substrings one of which every match contains. A pattern whose substrings are
# all absent from a text cannot match it, so trying it is wasted work (most text nodes hold
# none of Markdown's inline syntax). Names not listed are always tried.
PATTERN_NEEDS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",), "escape": ("\\",), "footnote": ("[^",), "cx_cite": ("{{",),
    "reference": ("[",), "link": ("[",), "image_link": ("![",), "image_reference": ("![",),
    "short_reference": ("[",), "short_image_ref": ("![",), "autolink": ("<",),
    "automail": ("<",), "linebreak": ("  \n",), "html": ("<",), "entity": ("&",),
    "em_strong": ("*", "_"),
}


def _any_of(needs: set[str]) -> re.Pattern:
    """A regex finding any of the substrings: one class for single characters, and the longer
    substrings that contain none of those characters (a space alone would match most text,
    where the line break '  \n' needs two and a newline)."""
    chars = {n for n in needs if len(n) == 1}
    longer = sorted(re.escape(n) for n in needs if len(n) > 1 and not chars & set(n))
    return re.compile("|".join(["[" + "".join(re.escape(c) for c in sorted(chars)) + "]"] + longer))


_ANY_NEED = _any_of({n for ns in PATTERN_NEEDS.values() for n in ns} | {"\x02", "\x03"})


_REFERENCES = (ReferenceInlineProcessor, ShortReferenceInlineProcessor,
               ImageReferenceInlineProcessor, ShortImageReferenceInlineProcessor)


class FastInlineProcessor(InlineTreeprocessor):
    """Python-Markdown's inline processor, trying only the patterns a text can match.

    Overrides `run` and the private `__handleInline` of Markdown 3.x (pinned in pyproject.toml);
    the loops are the stock ones, plus the skips. tests/test_markup.py checks that the overrides
    are installed and give byte-identical HTML.
    """

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        ordered = in_order(md.inlinePatterns)
        names = [name for name, _ in ordered]
        # (pattern, first substring it needs, second substring or None); (pattern, None, None)
        # for a pattern whose needs are unknown: always tried
        self._plan = self._every = [
            (pattern, *(tuple(PATTERN_NEEDS.get(name) or ()) + (None, None))[:2])
            for name, pattern in ordered]
        # a '[text][ref]' pattern makes a link only from a '[ref]: url' definition; on a page
        # without one it finds its brackets, reads them, and leaves the text as it was
        self._no_references = [step for step in self._plan if type(step[0]) not in _REFERENCES]
        # a text holding none of the characters any pattern needs is left as it is
        self._prefilter = all(name in PATTERN_NEEDS for name in names)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802
        if isinstance(data, AtomicString):
            return data
        if patternIndex == 0:
            if self._prefilter and _ANY_NEED.search(data) is None:
                return data
            check_text(data)
        plan = self._plan
        apply = self._InlineProcessor__applyPattern
        startIndex = 0  # noqa: N806 (as in Markdown)
        count = len(plan)
        while patternIndex < count:
            pattern, need, other = plan[patternIndex]
            if need is not None and need not in data and (other is None or other not in data):
                patternIndex += 1
                startIndex = 0  # noqa: N806
                continue
            data, matched, startIndex = apply(pattern, data, patternIndex, startIndex)  # noqa: N806
            if not matched:
                patternIndex += 1
        return data

    def run(self, tree: etree.Element, ancestors: list[str] | None = None) -> etree.Element:
        """The stock run (Markdown 3.11, pinned), leaving a text or tail that no pattern can
        match where it is: the stock loop takes it out, finds nothing in it and puts it back,
        looking up the element's position among its siblings for every tail (most texts)."""
        plain = (lambda text: _ANY_NEED.search(text) is None) if self._prefilter else \
            (lambda text: False)
        self._plan = self._every if self.md.references else self._no_references
        handle = self._InlineProcessor__handleInline
        place = self._InlineProcessor__processPlaceholders
        self.stashed_nodes = {}
        tree_parents = [] if ancestors is None else ancestors[:]
        self.parent_map = parent_map = {c: p for p in tree.iter() for c in p}
        stack = [(tree, tree_parents)]
        self._InlineProcessor__build_ancestors(tree, tree_parents)
        while stack:
            current, parents = stack.pop(0)
            self.ancestors = parents
            if current is not tree:
                self.ancestors.append(current.tag.lower())
            insert_queue = []
            for child in current:
                text = child.text
                if text and not isinstance(text, AtomicString) and not plain(text):
                    self.ancestors.append(child.tag.lower())
                    child.text = None
                    found = place(handle(text), child)
                    for item in found:
                        parent_map[item[0]] = child
                    stack += found
                    insert_queue.append((child, found))
                    self.ancestors.pop()
                tail = child.tail
                if tail and not plain(tail):
                    tail = handle(tail)
                    dummy = etree.Element("d")
                    child.tail = None
                    found = place(tail, dummy, False)
                    if dummy.tail:
                        child.tail = dummy.tail
                    pos = list(current).index(child) + 1
                    found.reverse()
                    for new_child in found:
                        parent_map[new_child[0]] = current
                        current.insert(pos, new_child[0])
                if len(child):
                    parent_map[child] = current
                    stack.append((child, self.ancestors[:]))
            for element, found in insert_queue:
                for i, obj in enumerate(found):
                    element.insert(i, obj[0])
        return tree
