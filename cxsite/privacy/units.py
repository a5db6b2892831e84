"""Respondents as the privacy rules count them.

In a file of answers each row is one respondent. In a file of groups (an `n` or `count` column)
the respondents are known only by group: a *unit* is one group of one statement (the rows with
the same values in every column but value, n, count and response), its size the sum of its n or
count. A unit whose size equals the sum of its sibling units (the other values of one column) is
their total: an "All employees" row beside its departments. So is a unit a survey block names as
its reference. The audit counts a total as its siblings plus whoever else it holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from ..data import per_frame, row_label, to_numbers
from ..errors import SiteError
from .policy import STATEMENT, Protection
from .query import key_codes, Key

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


@dataclass
class Units:
    """The units of a file of groups: which unit each row belongs to, and each unit's size."""

    ids: "np.ndarray"  # per row
    sizes: "np.ndarray"  # per unit (int64)
    labels: list[tuple[str, ...]]  # per unit, one text per identity column
    columns: list[str]  # the identity columns
    statements: "np.ndarray | None"  # per unit, its statement's number (None: no statement column)


def counts(frame: "pd.DataFrame", column: str, rel: str, *, required: bool) -> "pd.Series":
    """A column of numbers of people: whole and not negative; empty cells are an error when
    `required` (a group's size), else no one."""
    values = to_numbers(frame, column, rel)
    bad = values.notna() & ((values < 0) | (values != values.round()))
    if bad.any():
        idx = bad[bad].index[0]
        raise SiteError(f"'{frame[column][idx]}' in column '{column}' is not a number of people",
                        file=rel, line=row_label(frame, idx, rel), hint="write a whole number such as 120.")
    if required and values.isna().any():
        idx = values.index[values.isna().to_numpy()][0]
        raise SiteError(f"the row has no number of respondents in column '{column}'", file=rel,
                        line=row_label(frame, idx, rel),
                        hint=f"write how many people answered; without '{column}' the site cannot "
                             "tell whether a group is large enough to publish.")
    return values.fillna(0)


def units_of(frame: "pd.DataFrame", found: Protection) -> Units:
    """The units of a file of groups (worked out once per loaded file)."""
    return per_frame(frame, ("units", found.rel), lambda: _units_of(frame, found))


def _units_of(frame: "pd.DataFrame", found: Protection) -> Units:
    import numpy as np
    import pandas as pd

    columns = found.identity(frame.columns)
    size = counts(frame, found.size, found.rel, required=not found.parts).to_numpy(dtype=np.int64)
    ids = np.zeros(len(frame), dtype=np.int64)
    parts, levels = [], []
    for col in columns:
        codes, names = key_codes(frame, Key(col), found.rel)
        uniq, ids = np.unique(ids * len(names) + codes, return_inverse=True)
        ids = ids.reshape(-1)
        parts = [p[uniq // len(names)] for p in parts] + [uniq % len(names)]
        levels.append(np.asarray(names, dtype=object))
    count = int(ids.max()) + 1 if len(ids) else 0
    sizes = np.bincount(ids, weights=size, minlength=count).astype(np.int64)
    labels = [tuple(t) for t in zip(*(lv[p] for p, lv in zip(parts, levels)))] if columns \
        else [()] * count
    statements = parts[columns.index(STATEMENT)] if STATEMENT in columns else None
    return Units(ids, sizes, labels, columns, statements)


def totals(units: Units, declared: Iterable[tuple[str, str]]) -> dict[int, tuple[list[int], int]]:
    """The units that are totals of their siblings: unit -> (the siblings, how many respondents
    it holds beyond them). A sibling that is itself a total counts as its own siblings."""
    declared = set(declared)
    found: dict[int, tuple[list[int], int]] = {}
    labels = units.labels
    for i, col in enumerate(units.columns):
        if col == STATEMENT:
            continue
        families: dict[tuple, list[int]] = {}
        for u, lab in enumerate(labels):
            families.setdefault(lab[:i] + lab[i + 1:], []).append(u)
        for members in families.values():
            if len(members) < 3:
                continue
            whole = int(units.sizes[members].sum())
            for t in members:
                others = [u for u in members if u != t]
                rest = whole - int(units.sizes[t])
                if (col, labels[t][i]) in declared:
                    found[t] = (others, max(int(units.sizes[t]) - rest, 0))
                elif rest > 0 and int(units.sizes[t]) == rest:
                    found.setdefault(t, (others, 0))
    return found
