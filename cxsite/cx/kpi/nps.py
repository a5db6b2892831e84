"""Net Promoter Score from raw 0-10 answers: per period and dimension, with the number of
responses and a 95% margin of error. Pure, vectorised computation on pandas/numpy."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ...data import row_label, to_dates, to_numbers
from ...errors import SiteError
from ...privacy.suppression import withheld

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

PERIODS = ("month", "quarter", "year")
Z95 = 1.959964  # two-sided 95% normal quantile
BLANK = "not stated"  # the group of responses whose dimension cell is empty


@dataclass(frozen=True)
class Suppressed:
    """A group left out because it had too few responses (its values are never kept)."""

    period: str
    group: tuple[str, ...]
    complementary: bool = False  # withheld so that a smaller group cannot be worked out


def scores(df: "pd.DataFrame", rel: str, column: str = "score") -> "pd.Series":
    """The score column as numbers; anything but a whole number from 0 to 10 names its row."""
    import numpy as np

    values = to_numbers(df, column, rel).astype("float64")
    bad = values.notna() & ((values < 0) | (values > 10) | (values != np.floor(values)))
    if bad.any():
        idx = bad[bad].index[0]
        raise SiteError(f"the score '{df[column][idx]}' in column '{column}' is not a whole number "
                        "from 0 to 10", file=rel, line=row_label(df, idx, rel),
                        hint="a Net Promoter answer is 0, 1, 2 ... or 10; correct the cell, or leave "
                             "it empty if the person did not answer.")
    return values


def period_keys(dates: "pd.Series", period: str) -> "pd.Series":
    """Sortable period labels: 2026-03 (month), 2026-Q1 (quarter), 2026 (year)."""
    import numpy as np
    import pandas as pd

    year = dates.dt.year.to_numpy()
    if period == "year":
        codes = year
    elif period == "quarter":
        codes = year * 10 + (dates.dt.month.to_numpy() - 1) // 3 + 1
    else:
        codes = year * 100 + dates.dt.month.to_numpy()
    # Format each distinct period once, not once per response.
    uniq, inverse = np.unique(codes, return_inverse=True)
    if period == "year":
        labels = [f"{u:04d}" for u in uniq]
    elif period == "quarter":
        labels = [f"{u // 10:04d}-Q{u % 10}" for u in uniq]
    else:
        labels = [f"{u // 100:04d}-{u % 100:02d}" for u in uniq]
    return pd.Series(pd.Categorical.from_codes(inverse, categories=labels), index=dates.index)


def compute(score: "np.ndarray", keys: "pd.DataFrame") -> "pd.DataFrame":
    """NPS per distinct row of `keys`: n, promoters, passives, detractors, nps and moe (points).

    score holds 0-10 values aligned with keys; the result is sorted by the keys."""
    import numpy as np
    import pandas as pd

    codes = np.zeros(len(keys), dtype=np.int64)
    levels: list[np.ndarray] = []
    for col in keys.columns:
        c, uniq = pd.factorize(keys[col], sort=True)
        levels.append(np.asarray(uniq, dtype=object))
        codes = codes * len(uniq) + c
    group, index = np.unique(codes, return_inverse=True)
    size = len(group)
    n = np.bincount(index, minlength=size)
    promoters = np.bincount(index, weights=score >= 9, minlength=size).astype(np.int64)
    detractors = np.bincount(index, weights=score <= 6, minlength=size).astype(np.int64)
    out: dict[str, object] = {}
    rest = group.copy()
    for col, uniq in reversed(list(zip(keys.columns, levels))):
        out[col] = uniq[rest % len(uniq)]
        rest //= len(uniq)
    p, d = promoters / n, detractors / n
    frame = pd.DataFrame({col: out[col] for col in keys.columns})
    frame["n"] = n
    frame["promoters"] = promoters
    frame["passives"] = n - promoters - detractors
    frame["detractors"] = detractors
    frame["nps"] = 100 * (p - d)
    # Variance of (promoter - detractor) indicator: p + d - (p - d)^2.
    frame["moe"] = 100 * Z95 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0) / n)
    return frame


def nps_table(df: "pd.DataFrame", rel: str, *, by: Sequence[str] = (), period: str = "month",
              date_column: str = "date", score_column: str = "score") -> "pd.DataFrame":
    """NPS of a response file per period and per combination of the `by` columns."""
    import pandas as pd

    for col in (date_column, score_column, *by):
        if col not in df.columns:
            raise SiteError(f"the responses file has no column '{col}'", file=rel, line=1,
                            hint="the first row must name the columns, for example "
                                 "'date,score,segment'. The columns are: " + ", ".join(map(str, df.columns)))
    score = scores(df, rel, score_column)
    dates = to_dates(df, date_column, rel)
    missing = dates.isna() & score.notna()
    if missing.any():
        idx = missing[missing].index[0]
        raise SiteError(f"the response has no date in column '{date_column}'", file=rel,
                        line=row_label(df, idx, rel), hint="write the date of the answer as YYYY-MM-DD.")
    answered = score.notna().to_numpy()
    keys = pd.DataFrame({"period": period_keys(dates[answered], period)})
    for col in by:
        keys[col] = _labels(df[col])[answered]
    return compute(score.to_numpy()[answered], keys)


def _labels(cells: "pd.Series") -> "np.ndarray":
    """Cell text, trimmed, with empty cells as BLANK; each distinct cell is cleaned once."""
    import numpy as np
    import pandas as pd

    codes, uniq = pd.factorize(cells)
    clean = np.array([BLANK if not str(u).strip() else str(u).strip() for u in uniq] + [BLANK],
                     dtype=object)
    return clean[codes]  # code -1 (an empty cell) picks the BLANK at the end


def publishable(table: "pd.DataFrame", min_n: int, by: Sequence[str] = ()) -> tuple["pd.DataFrame", list[Suppressed]]:
    """Split off the groups that must not be published (see privacy.py): only their names are kept."""
    small, extra = withheld(table, min_n, within=["period"] if by else ())
    gone = [Suppressed(str(r["period"]), tuple(str(r[c]) for c in by), bool(extra[i]))
            for i, r in table[small | extra].iterrows()]
    return table[~(small | extra)].reset_index(drop=True), gone
