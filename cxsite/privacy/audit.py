"""The site-wide check: no group smaller than the minimum can be worked out from the figures the
whole site publishes about a protected file, across pages, blocks, periods and breakdowns.

Each published aggregate covers a set of respondents (rows of a file of answers; groups of a file
of groups, a total counting as the groups it adds up). Publishing the size and sums of several
sets publishes those of every linear combination of them: a total minus its parts, a quarter
minus two of its months. So a set of respondents X can be worked out exactly when its indicator
vector lies in the span of the published sets' indicators. The audit looks for such an X with
0 < |X| < minimum:

1. respondents with the same membership in every published set form an *atom*; the published
   sets are unions of atoms, and so is every set that can be worked out;
2. the sets split into connected components (sets sharing atoms), checked one by one;
3. a small X is a union of atoms each smaller than the minimum, together smaller than it; those
   unions are enumerated (smallest first, within a budget; past it, the audit assumes the worst)
   and each is tested against the span of the component's sets (numpy linear algebra).

When it finds one, it withholds the smallest published set that takes part in working it out
(ties: first page URL, then block line), and looks again, until nothing can be worked out. It
only ever withholds more, so it ends; it reads the pages' records in a fixed order, so the same
site gives the same verdict whatever the order or the processes the pages were rendered in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ..data import read_file
from .ledger import AggregateKey, PagePrivacy, Published, SiteWithheld
from .policy import protection
from .query import Query, Key
from .table import grouping_of
from .units import totals, units_of

if TYPE_CHECKING:
    import numpy as np

    from ..config import Config

SEARCH_BUDGET = 200_000  # unions of small atoms tried per component before assuming the worst
SEE_PAGES = 3  # pages named in a note as holding the other figures
PRUNE_LIMIT = 40  # up to this many sets, a working-out is cut down to the sets it needs


@dataclass(eq=False)  # compared by identity: two sets are never the same set of atoms
class _Set:
    """One published set of respondents (several aggregates may cover the very same set)."""

    atoms: "np.ndarray"
    size: int
    records: list[Published]

    def order(self) -> tuple:
        first = min((r.page, r.line or 0, r.label) for r in self.records)
        return (self.size, *first)


class _Where:
    """Stands in for a block when the audit asks a query again (messages are never shown)."""

    def __init__(self, rel: str) -> None:
        self.file, self.line = rel, None


def audit(config: "Config", pages: Iterable[PagePrivacy],
          titles: dict[str, str]) -> dict[AggregateKey, SiteWithheld]:
    """The aggregates to withhold, for the whole site."""
    records: dict[str, list[Published]] = {}
    declared: dict[str, set[tuple[str, str]]] = {}
    for page in pages:
        for r in page.published:
            records.setdefault(r.file, []).append(r)
        for t in page.totals:
            declared.setdefault(t.file, set()).add((t.column, t.value))
    verdict: dict[AggregateKey, SiteWithheld] = {}
    for rel in sorted(records):
        found = sorted(records[rel], key=lambda r: (r.query, r.group, r.page, r.line or 0))
        verdict.update(_audit_file(config, rel, found, declared.get(rel, set()), titles))
    return verdict


def _audit_file(config: "Config", rel: str, records: list[Published],
                declared: set[tuple[str, str]], titles: dict[str, str]) -> dict:
    sets = _published_sets(config, rel, records, declared)
    if sets is None:
        return {}
    atom_sizes, found = sets
    withheld = _settle(found, atom_sizes, config.min_group_size)
    verdict = {}
    for s, others in withheld:
        pages = sorted({r.page for o in others for r in o.records})
        see = tuple((url, titles.get(url, url)) for url in pages[:SEE_PAGES])
        for r in s.records:
            verdict[r.key] = SiteWithheld(see)
    return verdict


# --- from records to sets of atoms ----------------------------------------------------------
def _published_sets(config: "Config", rel: str, records: list[Published],
                    declared: set[tuple[str, str]]) -> tuple["np.ndarray", list[_Set]] | None:
    """The atoms' sizes and the distinct published sets, as atoms."""
    import numpy as np
    import pandas as pd

    frame = read_file(config.source / rel, rel)
    found = protection(rel, frame.columns, config)
    if found is None:
        return None
    by_query: dict[str, list[Published]] = {}
    for r in records:
        by_query.setdefault(r.query, []).append(r)
    where = _Where(rel)
    families: list[tuple["np.ndarray", list[list[Published]]]] = []  # element -> set, the sets
    if found.answers:
        sizes = np.ones(len(frame), dtype=np.int64)
        for text, recs in by_query.items():
            grouping = grouping_of(frame, rel, _query(text), where)
            index = {g: i for i, g in enumerate(grouping.labels)}
            groups: dict[tuple, list[Published]] = {}
            for r in recs:
                groups.setdefault(r.group, []).append(r)
            lookup = np.full(len(grouping) + 1, -1, dtype=np.int64)
            members: list[list[Published]] = []
            for group, rs in groups.items():
                if group in index:
                    lookup[index[group]] = len(members)
                    members.append(rs)
            families.append((lookup[grouping.codes], members))  # codes -1 pick the last: -1
    else:
        units = units_of(frame, found)
        alias = totals(units, declared)
        residual: list[int] = []
        base: dict[int, list[int]] = {}

        def expand(u: int, seen: frozenset = frozenset()) -> list[int]:
            if u not in alias or u in seen:
                return [u]
            if u not in base:
                parts, extra = alias[u]
                out = [b for p in parts for b in expand(p, seen | {u})]
                if extra:
                    residual.append(extra)
                    out.append(len(units.sizes) + len(residual) - 1)
                base[u] = out
            return base[u]

        chosen: list[tuple[list[int], list[Published]]] = []
        for text, recs in by_query.items():
            grouping = grouping_of(frame, rel, _query(text), where)
            index = {g: i for i, g in enumerate(grouping.labels)}
            selected = grouping.codes >= 0
            pairs = np.unique(np.stack([grouping.codes[selected], units.ids[selected]]), axis=1)
            groups: dict[tuple, list[Published]] = {}
            for r in recs:
                groups.setdefault(r.group, []).append(r)
            for group, rs in groups.items():
                if group in index:
                    us = pairs[1][pairs[0] == index[group]]
                    chosen.append((sorted({b for u in us for b in expand(int(u))}), rs))
        sizes = np.concatenate([units.sizes, np.asarray(residual, dtype=np.int64)])
        for elements, rs in chosen:
            member = np.full(len(sizes), -1, dtype=np.int64)
            member[elements] = 0
            families.append((member, [rs]))
    if not families:
        return None
    # atoms: elements with the same membership in every published set
    atom = np.zeros(len(sizes), dtype=np.int64)
    for member, sets in families:
        atom = pd.factorize(atom * (len(sets) + 1) + member + 1)[0].astype(np.int64)
    atom_count = int(atom.max()) + 1
    atom_sizes = np.bincount(atom, weights=sizes, minlength=atom_count).astype(np.int64)
    distinct: dict[bytes, _Set] = {}
    for member, sets in families:
        owner = np.full(atom_count, -1, dtype=np.int64)
        owner[atom] = member  # atoms refine every family: each lies in one of its sets, or none
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(sets) + 1))
        for i, rs in enumerate(sets):
            atoms = order[bounds[i]:bounds[i + 1]]
            if not len(atoms):
                continue
            found_set = distinct.get(atoms.tobytes())
            if found_set is None:
                distinct[atoms.tobytes()] = _Set(atoms, int(atom_sizes[atoms].sum()), list(rs))
            else:
                found_set.records.extend(rs)
    return atom_sizes, sorted(distinct.values(), key=_Set.order)


def _query(text: str) -> Query:
    import json

    where, keys, needs = json.loads(text)
    return Query.of(where, [Key(c, k) for c, k in keys], needs)


# --- the fixpoint ---------------------------------------------------------------------------
def _settle(sets: list[_Set], atom_sizes: "np.ndarray",
            min_n: int) -> list[tuple[_Set, list[_Set]]]:
    """Withhold sets until no small group can be worked out; (withheld, the sets it was worked
    out with) in the order they were withheld."""
    active = list(sets)
    clean: set[frozenset[int]] = set()  # components known to give nothing away
    out: list[tuple[_Set, list[_Set]]] = []
    while True:
        found = _violation(active, atom_sizes, min_n, clean)
        if found is None:
            return out
        pick = min(found, key=_Set.order)
        active = [s for s in active if s is not pick]
        out.append((pick, [s for s in found if s is not pick]))


def _violation(active: list[_Set], atom_sizes: "np.ndarray", min_n: int,
               clean: set[frozenset[int]]) -> list[_Set] | None:
    """The sets that together give away a small group, or None."""
    for s in active:
        if s.size < min_n:
            return [s]
    for component in _components(active):
        ident = frozenset(id(s) for s in component)
        if ident in clean:
            continue
        found = _component_violation(component, atom_sizes, min_n)
        if found is None:
            clean.add(ident)
        else:
            return found
    return None


def _components(active: list[_Set]) -> list[list[_Set]]:
    """Sets that share atoms, directly or through others, in their order."""
    import numpy as np

    owner = np.concatenate([np.full(len(s.atoms), i) for i, s in enumerate(active)])
    atoms = np.concatenate([s.atoms for s in active])
    label = np.arange(len(active))
    top = len(active)
    while True:  # every set takes the smallest label among the sets it shares an atom with
        by_atom = np.full(int(atoms.max()) + 1, top)
        np.minimum.at(by_atom, atoms, label[owner])
        new = label.copy()
        np.minimum.at(new, owner, by_atom[atoms])
        if (new == label).all():
            break
        label = new
    groups: dict[int, list[_Set]] = {}
    for i, s in enumerate(active):
        groups.setdefault(int(label[i]), []).append(s)
    return list(groups.values())


def _component_violation(component: list[_Set], atom_sizes: "np.ndarray",
                         min_n: int) -> list[_Set] | None:
    import numpy as np

    atoms = np.unique(np.concatenate([s.atoms for s in component]))
    matrix = np.zeros((len(component), len(atoms)))
    for i, s in enumerate(component):
        matrix[i, np.searchsorted(atoms, s.atoms)] = 1.0
    # atoms in exactly the same sets are one atom here (a set withheld may have merged them)
    packed = np.ascontiguousarray(np.packbits(matrix.T.astype(bool), axis=1))
    _, first, inverse = np.unique(packed.view(np.dtype((np.void, packed.shape[1]))).ravel(),
                                  return_index=True, return_inverse=True)
    columns = matrix[:, first]
    inverse = inverse.reshape(-1)
    sizes = np.bincount(inverse, weights=atom_sizes[atoms], minlength=columns.shape[1])
    small = [a for a in np.argsort(sizes, kind="stable") if 0 < sizes[a] < min_n]
    if not small:
        return None
    # the part of each small atom's indicator outside the span of the sets: a union of atoms can
    # be worked out exactly when those parts add up to zero
    _, singular, vt = np.linalg.svd(columns, full_matrices=False)
    tol = max(columns.shape) * np.finfo(float).eps * (singular[0] if len(singular) else 0.0)
    basis = vt[singular > max(tol, 1e-9)]
    eye = np.zeros((columns.shape[1], len(small)))
    eye[small, range(len(small))] = 1.0
    residue = eye - basis.T @ (basis[:, small])
    q, r = np.linalg.qr(residue)
    found = _zero_sum(r, [float(sizes[a]) for a in small], min_n)
    if found is None:
        return None
    target = np.zeros(columns.shape[1])
    if found == "budget":  # too many unions to try: assume the smallest small atom is exposed
        target[small[0]] = 1.0
        involved = [s for i, s in enumerate(component) if columns[i, small[0]]]
        return involved
    target[[small[i] for i in found]] = 1.0
    coef = np.linalg.lstsq(columns.T, target, rcond=None)[0]
    scale = max(np.abs(coef).max(), 1.0)
    involved = [i for i in range(len(component)) if abs(coef[i]) > 1e-7 * scale]
    if len(involved) <= PRUNE_LIMIT:  # keep only the sets the working-out needs
        for i in sorted(involved, key=lambda i: component[i].order(), reverse=True):
            rest = [j for j in involved if j != i]
            if rest and _spans(columns[rest], target):
                involved = rest
    return [component[i] for i in involved] or list(component)


def _spans(rows: "np.ndarray", target: "np.ndarray") -> bool:
    """Whether target is a linear combination of the rows."""
    import numpy as np

    coef = np.linalg.lstsq(rows.T, target, rcond=None)[0]
    return bool(np.abs(rows.T @ coef - target).max() < 1e-7)


def _zero_sum(vectors: "np.ndarray", sizes: list[float], min_n: int):
    """Indices of a non-empty set of columns adding up to zero with sizes adding up to less than
    min_n (smallest first), None if there is none, "budget" if the search gave up."""
    import numpy as np

    k = vectors.shape[1]
    tol = 1e-8 * max(1.0, float(np.abs(vectors).max()) if vectors.size else 1.0)
    budget = [SEARCH_BUDGET]
    chosen: list[int] = []

    def walk(start: int, total: "np.ndarray", size: float):
        for i in range(start, k):
            if size + sizes[i] >= min_n:
                break  # sizes are ascending: no later atom fits either
            budget[0] -= 1
            if budget[0] < 0:
                return "budget"
            chosen.append(i)
            here = total + vectors[:, i]
            if np.abs(here).max() <= tol:
                return list(chosen)
            found = walk(i + 1, here, size + sizes[i])
            if found is not None:
                return found
            chosen.pop()
        return None

    return walk(0, np.zeros(vectors.shape[0]), 0.0)
