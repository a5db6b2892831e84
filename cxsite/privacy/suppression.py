"""Which groups of respondents may be published.

A group with fewer respondents than the minimum is withheld. That alone is not enough: when the
groups of a breakdown are shown beside a total (or beside each other with their sizes), a single
withheld group can be worked out by subtraction. So within each breakdown that withholds a group,
the smallest other groups are withheld too, until the withheld groups hold at least the minimum
number of respondents together (complementary suppression, as statistical offices do it).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import pandas as pd


def withheld(table: "pd.DataFrame", min_n: int, within: Sequence[str] = (), *, n: str = "n",
             complement: bool = True, spare: "pd.Series | None" = None) -> tuple["pd.Series", "pd.Series"]:
    """Two masks over the rows: groups below min_n, and the others withheld to protect them.

    `within` names the columns of a breakdown (e.g. the period, or the statement): rows that share
    them are the groups of one breakdown. Rows without a size are never withheld; rows marked in
    `spare` (a total shown beside its groups) are never withheld to protect others.
    """
    import pandas as pd

    small = table[n].notna() & (table[n] < min_n)
    extra = pd.Series(False, index=table.index)
    if not small.any() or not complement:
        return small, extra
    candidates = table[n].notna() & ~small
    if spare is not None:
        candidates &= ~spare
    parts = [table.index[pos] for pos in
             table.groupby(list(within), sort=False, dropna=False).indices.values()] if within \
        else [table.index]
    for rows in parts:
        part = table.loc[rows]
        hidden = small.loc[rows]
        if not hidden.any() or hidden.all():
            continue
        total = part.loc[hidden, n].sum()
        for idx in part.loc[candidates.loc[rows]].sort_values(n, kind="stable").index:
            if total >= min_n:
                break
            extra[idx] = True
            total += part.at[idx, n]
    return small, extra
