"""One page's entry in the search index, made from its published HTML in the render worker."""
from __future__ import annotations

import json
from dataclasses import dataclass

from .text import Section, Weighted, sections
from .tokens import is_cjk, tokens

HEADING_WEIGHT = 3  # a word in a heading counts as this many words of text


@dataclass(frozen=True)
class SearchRecord:
    """A page as search sees it, as plain values."""

    url: str
    title: str
    lang: str
    page: str  # what a result shows (title, section, text by section), as JSON
    length: int  # the page's length in positions, for ranking
    # term -> (weight * 2 + 1 if the term is in the title, positions: "count,first,gap,gap...")
    terms: dict[str, tuple[int, str]]


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
    found: dict[str, list] = {}  # term -> [weight, in title, positions]
    title_terms = tokens(title)
    for pos, term in _with_pairs(title_terms, 0):
        entry = found.setdefault(term, [0, 1, []])
        entry[2].append(pos)
    pos = len(title_terms)
    for run in runs:
        pos += 1  # a gap: a phrase never spans two blocks
        run_terms = tokens(run.text)
        weight = HEADING_WEIGHT if run.heading else 1
        for p, term in _with_pairs(run_terms, pos) if run.heading else enumerate(run_terms, pos):
            entry = found.get(term)
            if entry is None:
                entry = found[term] = [0, 0, []]
            entry[0] += weight
            entry[2].append(p)
        pos += len(run_terms)
    terms = {term: (w * 2 + t, _positions(ps)) for term, (w, t, ps) in found.items()}
    page = json.dumps({"u": url, "t": title, "s": section, "l": lang,
                       "p": [[s.anchor, s.heading, s.text] for s in parts]},
                      ensure_ascii=False, separators=(",", ":"))
    return SearchRecord(url, title, lang, page, pos, terms)


def _with_pairs(terms: list[str], start: int) -> list[tuple[int, str]]:
    """(position, term) of a title or heading, plus each pair of words side by side as one
    term ("brand promise"), so a page titled with the words of a query ranks first without
    loading positions."""
    found = list(enumerate(terms, start))
    found.extend((start + i, f"{a} {b}") for i, (a, b) in enumerate(zip(terms, terms[1:]))
                 if not is_cjk(a) and not is_cjk(b))
    return sorted(found)


def _positions(positions: list[int]) -> str:
    """'count,first,gap,gap...': small numbers that compress well."""
    out = [len(positions), positions[0]]
    out.extend(b - a for a, b in zip(positions, positions[1:]))
    return ",".join(map(str, out))
