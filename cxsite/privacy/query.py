"""What a block may ask of a data file: which rows (`where`), grouped how (`keys`), and which
columns must hold a value (`needs`). A Query is a plain value with a stable text form, so the
site-wide audit can ask the same question again, in another process, and get the same groups.

    Query.of({"segment": "Business"}, [Key("date", "month"), Key("touchpoint")], ["score"])
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Sequence

from ..data import per_frame, to_dates, to_numbers, where_mask

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

BLANK = "not stated"  # the group of rows whose cell is empty
PERIODS = ("month", "quarter", "year")
KINDS = ("text", "number", "date", *PERIODS)


@dataclass(frozen=True)
class Key:
    """Group rows by a column: its text, its number, its date, or the month/quarter/year of a date."""

    column: str
    kind: str = "text"


@dataclass(frozen=True)
class Query:
    where: str = "null"  # the filter as canonical JSON (dates written as ISO text)
    keys: tuple[Key, ...] = ()
    needs: tuple[str, ...] = ()

    @classmethod
    def of(cls, where: Any = None, keys: Sequence[Key] = (), needs: Sequence[str] = ()) -> "Query":
        return cls(canonical(where if where != {} else None), tuple(keys), tuple(needs))

    @property
    def text(self) -> str:
        """The query's identity: two blocks asking the same question share it."""
        return json.dumps([json.loads(self.where), [[k.column, k.kind] for k in self.keys],
                           list(self.needs)], ensure_ascii=False, sort_keys=True)

    def filter(self) -> Any:
        return json.loads(self.where)


def canonical(value: Any) -> str:
    """JSON of a block's filter. Dates become ISO text, which the filter treats the same way."""
    def default(v: Any) -> Any:
        if isinstance(v, (date, datetime)):
            return v.isoformat()
        raise TypeError(type(v).__name__)

    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=default)


@dataclass
class Grouping:
    """The answer to a query: a group number for each row of the file (-1: not selected)."""

    codes: "np.ndarray"
    labels: list[tuple[str, ...]]  # each group's label, one text per key

    def __len__(self) -> int:
        return len(self.labels)


def evaluate(frame: "pd.DataFrame", rel: str, query: Query, ctx: Any) -> Grouping:
    """Group the rows of a file as the query says. Groups are ordered by their keys: text in the
    order of the file, numbers, dates and periods ascending."""
    import numpy as np
    import pandas as pd

    mask = where_mask(frame, query.filter(), rel, ctx).to_numpy().copy()
    for col in query.needs:
        mask &= frame[col].notna().to_numpy()
    keys = [key_codes(frame, k, rel) for k in query.keys]
    for codes, _ in keys:
        mask &= codes >= 0
    sel = np.flatnonzero(mask)
    combined = np.zeros(len(sel), dtype=np.int64)
    parts: list["np.ndarray"] = []
    for codes, levels in keys:
        size = max(len(levels), 1)
        combined, uniq = pd.factorize(combined * size + codes[sel], sort=True)
        parts = [p[uniq // size] for p in parts] + [uniq % size]
    out = np.full(len(frame), -1, dtype=np.int64)
    if not keys:  # one group: every selected row
        out[sel] = 0
        return Grouping(out, [()] if len(sel) else [])
    out[sel] = combined.reshape(-1)
    texts = [np.asarray(levels, dtype=object)[p] for p, (_, levels) in zip(parts, keys)]
    return Grouping(out, [tuple(t) for t in zip(*texts)])


def key_codes(frame: "pd.DataFrame", key: Key, rel: str) -> tuple["np.ndarray", list[str]]:
    """(the level of each row, -1 for none; the levels as text). Kept while the table is:
    blocks and the audit group a file by the same keys many times."""
    return per_frame(frame, ("key codes", key), lambda: _key_codes(frame, key, rel))


def _key_codes(frame: "pd.DataFrame", key: Key, rel: str) -> tuple["np.ndarray", list[str]]:
    import numpy as np
    import pandas as pd

    from ..data import factorized

    if key.kind == "text":
        codes, uniq = factorized(frame, key.column)
        clean = [label(u) for u in uniq]
        blank = (codes < 0).any() or BLANK in clean  # empty cells: a group of their own
        merged, levels = pd.factorize(np.asarray(clean + [BLANK], dtype=object))  # ' A' is 'A'
        levels = [str(v) for v in levels]
        if not blank:
            levels = levels[:-1]  # the BLANK added last names no row
        return merged[codes].astype(np.int64), levels
    if key.kind == "number":
        values = to_numbers(frame, key.column, rel)
        codes, uniq = pd.factorize(values, sort=True)
        return codes.astype(np.int64), [label(u) for u in uniq]
    dates = to_dates(frame, key.column, rel)
    if key.kind == "date":
        codes, uniq = pd.factorize(dates, sort=True)
        return codes.astype(np.int64), [label(u) for u in uniq]
    return period_codes(dates, key.kind)


def period_codes(dates: "pd.Series", period: str) -> tuple["np.ndarray", list[str]]:
    """Each date's period (month 2026-03, quarter 2026-Q1, year 2026): codes and sorted labels."""
    import numpy as np

    missing = dates.isna().to_numpy()
    year = dates.dt.year.fillna(0).to_numpy(dtype=np.int64)
    month = dates.dt.month.fillna(1).to_numpy(dtype=np.int64)
    if period == "year":
        raw = year
    elif period == "quarter":
        raw = year * 10 + (month - 1) // 3 + 1
    else:
        raw = year * 100 + month
    uniq, inverse = np.unique(raw[~missing], return_inverse=True)
    codes = np.full(len(raw), -1, dtype=np.int64)
    codes[~missing] = inverse.reshape(-1)
    if period == "year":
        labels = [f"{u:04d}" for u in uniq]
    elif period == "quarter":
        labels = [f"{u // 10:04d}-Q{u % 10}" for u in uniq]
    else:
        labels = [f"{u // 100:04d}-{u % 100:02d}" for u in uniq]
    return codes, labels


def label(value: Any) -> str:
    """A cell as a group's name: trimmed text, whole numbers without '.0', dates as ISO dates."""
    if value is None or (isinstance(value, float) and value != value):
        return BLANK
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if hasattr(value, "item"):  # numpy scalars
        return label(value.item())
    text = str(value).strip()
    return text or BLANK
