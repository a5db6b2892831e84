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
3. a small X is a union of small atoms. Projecting each small atom's indicator away from the span
   of the component's sets (an SVD), X can be worked out exactly when its atoms' remainders add
   up to zero: X is a 0/1 vector of the kernel of those remainders. In the kernel's reduced row
   echelon form every such vector is a sum of rows; rows that are small unions themselves are
   taken at once, other sums are searched (smallest first, within a budget; past it, the audit
   assumes the worst for the block of atoms concerned).

For each small union found, the sets that work it out are found one by one (each the one that
best explains what is left: orthogonal matching pursuit) and cut down to those needed; the
smallest of them is withheld (ties: first page URL, then block line). Unions whose working-outs
share no set are handled in the same pass; passes repeat until nothing can be worked out. The
audit only ever withholds more, so it ends; it reads the pages' records in a fixed order, so
the same site gives the same verdict whatever the order or the processes its pages came from.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ..data import file_sha, read_file
from .ledger import AggregateKey, PagePrivacy, Published, SiteWithheld
from .policy import protection
from .query import Key, Query
from .table import grouping_of
from .units import totals, units_of

if TYPE_CHECKING:
    import numpy as np

    from ..config import Config

SEARCH_BUDGET = 200_000  # unions of small atoms tried per component before assuming the worst
SEE_PAGES = 3  # pages named in a note as holding the other figures
PRUNE_LIMIT = 40  # up to this many sets, a working-out is cut down to the sets it needs
PURSUIT_STEPS = 40  # sets tried one by one to work out a small group, before taking them all


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


_DONE: dict[tuple, dict] = {}  # the verdicts of recent audits: serve asks again after every save


def _audit_file(config: "Config", rel: str, records: list[Published],
                declared: set[tuple[str, str]], titles: dict[str, str]) -> dict:
    key = (rel, file_sha(config.source / rel, rel), config.min_group_size, config.protected,
           tuple(records), tuple(sorted(declared)), tuple(sorted(titles.items())))
    if key in _DONE:
        return _DONE[key]
    sets = _published_sets(config, rel, records, declared)
    verdict = {} if sets is None else _verdict(sets, config.min_group_size, titles)
    if len(_DONE) >= 8:
        del _DONE[next(iter(_DONE))]
    _DONE[key] = verdict
    return verdict


def _verdict(sets: tuple, min_n: int, titles: dict[str, str]) -> dict:
    atom_sizes, found = sets
    withheld = _settle(found, atom_sizes, min_n)
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
    out with) in the order they were withheld.

    Each pass withholds, for every working-out found, the smallest set it needs, skipping those
    that share a set with one already handled in the pass (the next pass looks again)."""
    active = list(sets)
    clean: set[frozenset[int]] = set()  # components known to give nothing away
    out: list[tuple[_Set, list[_Set]]] = []
    while True:
        found = _violations(active, atom_sizes, min_n, clean)
        if not found:
            return out
        used: set[int] = set()
        gone: set[int] = set()
        for involved in found:
            if used & {id(s) for s in involved}:
                continue
            used |= {id(s) for s in involved}
            pick = min(involved, key=_Set.order)
            gone.add(id(pick))
            out.append((pick, [s for s in involved if s is not pick]))
        active = [s for s in active if id(s) not in gone]


def _violations(active: list[_Set], atom_sizes: "np.ndarray", min_n: int,
                clean: set[frozenset[int]]) -> list[list[_Set]]:
    """Groups of sets that each give away a small group (empty: nothing can be worked out)."""
    too_small = [[s] for s in active if s.size < min_n]
    if too_small:
        return too_small
    found: list[list[_Set]] = []
    for component in _components(active):
        ident = frozenset(id(s) for s in component)
        if ident in clean:
            continue
        here = _component_violations(component, atom_sizes, min_n)
        if here:
            found.extend(here)
        else:
            clean.add(ident)
    return found


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


def _component_violations(component: list[_Set], atom_sizes: "np.ndarray",
                          min_n: int) -> list[list[_Set]]:
    """For each small group the component's sets give away, the sets that do it."""
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
    sizes = np.bincount(inverse.reshape(-1), weights=atom_sizes[atoms], minlength=columns.shape[1])
    small = np.array([a for a in np.argsort(sizes, kind="stable") if 0 < sizes[a] < min_n], dtype=int)
    if not len(small):
        return []
    # the published sets span a space of sets of atoms; 1_X lies in it exactly when the part of
    # 1_X outside it is zero. For the small atoms, those parts live in a space of their own
    u, singular, vt = np.linalg.svd(columns, full_matrices=False)
    tol = max(columns.shape) * np.finfo(float).eps * (singular[0] if len(singular) else 0.0)
    rank = int((singular > max(tol, 1e-9)).sum())
    basis = vt[:rank]
    residue = -basis.T @ basis[:, small]
    residue[small, np.arange(len(small))] += 1.0
    # unions of small atoms whose residues add up to zero: the kernel of the residues
    _, rs, rvt = np.linalg.svd(residue, full_matrices=True)
    kernel = rvt[int((rs > 1e-8).sum()):]  # rows: a basis of the derivable combinations
    if not len(kernel):
        return []
    unions = _unions(kernel, sizes[small], min_n)
    out = []
    for union in unions:
        if isinstance(union, tuple):  # too many unions to try: assume its atom is given away
            out.append([s for i, s in enumerate(component) if columns[i, small[union[1]]]])
            continue
        target = np.zeros(columns.shape[1])
        target[small[union]] = 1.0
        coef = u[:, :rank] @ ((vt[:rank] @ target) / singular[:rank])  # the least-norm working-out
        out.append(_needed(component, columns, coef, target))
    return out


def _needed(component: list[_Set], columns: "np.ndarray", coef: "np.ndarray",
            target: "np.ndarray") -> list[_Set]:
    """A few sets that work the target out: first the sets added one by one, each the one that
    best explains what is left (orthogonal matching pursuit), else all the sets of the least-norm
    working-out; then cut down to those it needs (the largest tried first)."""
    import numpy as np

    norms = np.linalg.norm(columns, axis=1)
    involved: list[int] = []
    left = target.copy()
    for _ in range(PURSUIT_STEPS):
        score = np.abs(columns @ left) / np.maximum(norms, 1e-12)
        score[involved] = -1.0
        involved.append(int(np.argmax(score)))
        sub = columns[involved]
        left = target - sub.T @ np.linalg.lstsq(sub.T, target, rcond=None)[0]
        if np.abs(left).max() < 1e-7:
            break
    else:
        scale = max(float(np.abs(coef).max()), 1.0)
        involved = [i for i in range(len(component)) if abs(coef[i]) > 1e-7 * scale]
    if len(involved) <= PRUNE_LIMIT:
        touched = np.flatnonzero(columns[involved].any(axis=0) | (target > 0))
        for i in sorted(involved, key=lambda i: component[i].order(), reverse=True):
            rest = [j for j in involved if j != i]
            if rest and _spans(columns[np.ix_(rest, touched)], target[touched]):
                involved = rest
    return [component[i] for i in sorted(involved)] or list(component)


def _spans(rows: "np.ndarray", target: "np.ndarray") -> bool:
    """Whether target is a linear combination of the rows."""
    import numpy as np

    coef = np.linalg.lstsq(rows.T, target, rcond=None)[0]
    return bool(np.abs(rows.T @ coef - target).max() < 1e-7)


def _unions(kernel: "np.ndarray", sizes: "np.ndarray", min_n: int) -> list:
    """Unions of small atoms (indices into sizes, which ascend) whose indicator lies in the span
    of the kernel rows and which hold fewer than min_n respondents; ("budget", atom) for a block
    of atoms too large to search, atom its smallest.

    In the reduced row echelon form of the span each row has a 1 at its own pivot and 0 at the
    other pivots, so every 0/1 vector of the span is the sum of the rows whose pivots it holds:
    it is enough to add up rows, whose pivots together hold fewer than min_n respondents."""
    import numpy as np

    echelon = _rref(kernel)
    support = np.abs(echelon) > 1e-8
    # a span that splits over disjoint sets of atoms (months, say) has an echelon form that
    # splits the same way: its rows link the atoms that must be searched together
    block = np.arange(echelon.shape[1])

    def root(a: int) -> int:
        while block[a] != a:
            block[a] = block[block[a]]
            a = block[a]
        return a

    for row in support:
        members = np.flatnonzero(row)
        for a in members[1:]:
            block[root(int(a))] = root(int(members[0]))
    rows_of: dict[int, list[int]] = {}
    for i, row in enumerate(support):
        rows_of.setdefault(root(int(np.flatnonzero(row)[0])), []).append(i)
    found: list = []
    for key in sorted(rows_of):
        rows = echelon[rows_of[key]]
        quick = [np.flatnonzero(r > 0.5) for r in rows if _is_01(r)]
        quick = [u for u in quick if sizes[u].sum() < min_n]
        if quick:  # rows of the echelon form that are small unions themselves
            found.extend(sorted(u.tolist()) for u in quick)
            continue
        left = list(range(len(rows)))
        while left:  # each union found takes its rows out; the others are searched again
            union = _zero_one_sum(rows[left], sizes, min_n)
            if union is None:
                break
            if union == "budget":
                found.append(("budget", int(np.flatnonzero(rows[left].any(axis=0))[0])))
                break
            found.append(union[1])
            left = [r for i, r in enumerate(left) if i not in union[0]]
    return found


def _is_01(vector: "np.ndarray") -> bool:
    import numpy as np

    return bool(np.all((np.abs(vector) < 1e-8) | (np.abs(vector - 1) < 1e-8)))


def _zero_one_sum(rows: "np.ndarray", sizes: "np.ndarray", min_n: int):
    """(the rows, the atoms) of a non-empty 0/1 sum of echelon rows holding fewer than min_n
    respondents, None if there is none, "budget" if the search gave up. Rows whose pivots hold too many together
    are never added: the sum holds every pivot of its rows."""
    import numpy as np

    pivots = [int(np.flatnonzero(np.abs(r) > 1e-8)[0]) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: (sizes[pivots[i]], pivots[i]))
    budget = [SEARCH_BUDGET]
    chosen: list[int] = []

    def walk(start: int, total: "np.ndarray", held: float):
        for j in range(start, len(order)):
            i = order[j]
            if held + sizes[pivots[i]] >= min_n:
                break  # pivots ascend in size: no later row fits either
            budget[0] -= 1
            if budget[0] < 0:
                return "budget"
            chosen.append(i)
            here = total + rows[i]
            if _is_01(here) and sizes[here > 0.5].sum() < min_n:
                return set(chosen), sorted(np.flatnonzero(here > 0.5).tolist())
            deeper = walk(j + 1, here, held + sizes[pivots[i]])
            if deeper is not None:
                return deeper
            chosen.pop()
        return None

    return walk(0, np.zeros(rows.shape[1]), 0.0)


def _rref(rows: "np.ndarray") -> "np.ndarray":
    """The reduced row echelon form of a matrix (floating point, partial pivoting)."""
    import numpy as np

    m = rows.astype(float).copy()
    lead = 0
    out_rows = 0
    for col in range(m.shape[1]):
        if out_rows == m.shape[0]:
            break
        pivot = out_rows + int(np.argmax(np.abs(m[out_rows:, col])))
        if abs(m[pivot, col]) < 1e-9:
            continue
        m[[out_rows, pivot]] = m[[pivot, out_rows]]
        m[out_rows] /= m[out_rows, col]
        others = np.arange(m.shape[0]) != out_rows
        m[others] -= np.outer(m[others, col], m[out_rows])
        out_rows += 1
        lead = col
    del lead
    m = m[:out_rows]
    m[np.abs(m) < 1e-10] = 0.0
    return m
