"""One page's entry in the search index, made from its published HTML in the render worker."""
from __future__ import annotations

import json
from array import array
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate, chain, count
from operator import sub
from typing import Sequence

from .text import Section, Weighted, sections
from .tokens import is_cjk, tokens

HEADING_WEIGHT = 3  # a word in a heading counts as this many words of text
# json.dumps() with these options makes an encoder for each call
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class SearchRecord:
    """A page as search sees it, as plain values.

    Pickled (between processes, in the build's record) with its terms packed into three
    values, and unpacked only when they are looked at: most records of a site are carried
    from one build to the next without being looked at."""

    url: str
    title: str
    lang: str
    page: str  # what a result shows (title, section, text by section), as JSON
    length: int  # the page's length in positions, for ranking
    # term -> (weight * 2 + 1 if the term is in the title, positions: "count,first,gap,gap...")
    terms: dict[str, tuple[int, str]]

    def __reduce__(self):
        packed = self.__dict__.get("_packed")
        if packed is None:
            terms = self.terms
            packed = ("\n".join(terms), array("q", [w for w, _ in terms.values()]).tobytes(),
                      "\n".join([where for _, where in terms.values()]))
        return _packed_record, (self.url, self.title, self.lang, self.page, self.length, packed)

    def columns(self) -> tuple[list[str], Sequence[int], list[str]]:
        """The terms, their weights and their positions, in three lists of the same order: what
        the index reads, without unpacking a record from another process into `terms`."""
        packed = self.__dict__.get("_packed")
        if packed is None or "terms" in self.__dict__:
            terms = self.terms
            return list(terms), [w for w, _ in terms.values()], [p for _, p in terms.values()]
        keys, weights, positions = packed
        if not keys:
            return [], [], []
        return keys.split("\n"), array("q", weights), positions.split("\n")

    def __getattr__(self, name: str):
        if name != "terms" or "_packed" not in self.__dict__:
            raise AttributeError(name)
        keys, weights, positions = self.__dict__["_packed"]
        terms = dict(zip(keys.split("\n"), zip(array("q", weights), positions.split("\n")))) \
            if keys else {}
        object.__setattr__(self, "terms", terms)
        return terms


def _packed_record(url: str, title: str, lang: str, page: str, length: int,
                   packed: tuple[str, bytes, str]) -> SearchRecord:
    """A record from its pickled form; its terms are unpacked when first asked for."""
    rec = object.__new__(SearchRecord)
    for name, value in (("url", url), ("title", title), ("lang", lang), ("page", page),
                        ("length", length), ("_packed", packed)):
        object.__setattr__(rec, name, value)
    return rec


def record(url: str, title: str, section: str, lang: str, body_html: str,
           description: str = "") -> SearchRecord:
    """The search record of a page: its title, its section's title, and the text it shows."""
    parts, runs = sections(body_html)
    if description:  # the theme shows it above the body
        if parts and not parts[0].anchor:
            parts[0] = Section("", "", f"{description} {parts[0].text}")
        else:
            parts.insert(0, Section("", "", description))
        runs.insert(0, Weighted(description, False))
    # term -> its positions (a defaultdict: measured alone, faster than get() or setdefault())
    where: defaultdict[str, list[int]] = defaultdict(list)
    in_title: dict[str, int] = {}  # term -> how many of its positions are in the title
    in_headings: dict[str, int] = {}  # ... and in headings
    title_terms = tokens(title)
    _add(where, in_title, _with_pairs(title_terms, 0))
    pos = len(title_terms)
    for run in runs:
        pos += 1  # a gap: a phrase never spans two blocks
        run_terms = tokens(run.text)
        if run.heading:
            _add(where, in_headings, _with_pairs(run_terms, pos))
        else:
            for p, term in enumerate(run_terms, pos):
                where[term].append(p)
        pos += len(run_terms)
    for term in in_title:  # in position order, as gaps need
        where[term].sort()
    found = list(where.values())
    weights = [len(f) * 2 for f in found]  # most terms are in the text only: their count
    if in_title or in_headings:
        index = dict(zip(where, count()))
        for term in in_title.keys() | in_headings.keys():
            title_count, heading_count = in_title.get(term, 0), in_headings.get(term, 0)
            i = index[term]
            weight = len(found[i]) - title_count + (HEADING_WEIGHT - 1) * heading_count
            weights[i] = weight * 2 + (1 if title_count else 0)
    page = _to_json({"u": url, "t": title, "s": section, "l": lang,
                     "p": [[s.anchor, s.heading, s.text] for s in parts]})
    # made packed, as a record pickles (see SearchRecord): the index reads it so, and `terms`
    # is unpacked only if something asks for it
    return _packed_record(url, title, lang, page, pos,
                          ("\n".join(where), array("q", weights).tobytes(), _positions(found)))


def _add(where: defaultdict[str, list[int]], counts: dict[str, int],
         found: list[tuple[int, str]]) -> None:
    for p, term in found:
        where[term].append(p)
        counts[term] = counts.get(term, 0) + 1


def _with_pairs(terms: list[str], start: int) -> list[tuple[int, str]]:
    """(position, term) of a title or heading, plus each pair of words side by side as one
    term ("brand promise"), so a page titled with the words of a query ranks first without
    loading positions."""
    found = list(enumerate(terms, start))
    found.extend((start + i, f"{a} {b}") for i, (a, b) in enumerate(zip(terms, terms[1:]))
                 if not is_cjk(a) and not is_cjk(b))
    return sorted(found)


_NUMBERS = tuple(map(str, range(4096)))  # small numbers as text, three times faster than str()


def _texts(values: list[int]) -> list[str]:
    """Whole numbers, none negative, as text."""
    try:
        return list(map(_NUMBERS.__getitem__, values))
    except IndexError:  # thousands of words (or pages) apart
        return list(map(str, values))


def joined(values: list[int]) -> str:
    """Whole numbers, none negative, as 'a,b,c'."""
    return ",".join(_texts(values))


def _positions(terms: list[list[int]]) -> str:
    """Each term's positions (in order) as 'count,first,gap,gap...' (small numbers that
    compress well), a line each. Written for all the terms of a page at once, in one join
    with a few operations per term: a call per term costs more than the writing."""
    flat = list(chain.from_iterable(terms))
    before = [0, *flat]  # the position before each: a gap from it...
    starts = list(accumulate(map(len, terms), initial=0))
    for start in starts[:-1]:  # ... but a term starts at its first position
        before[start] = 0
    numbers = _texts(list(map(sub, flat, before)))
    for term, start in zip(terms, starts):  # the count before the first position
        numbers[start] = f"\n{len(term)},{numbers[start]}"
    return ",".join(numbers)[1:].replace(",\n", "\n")
