"""Net Promoter Score from raw 0-10 answers: per period and dimension, with the number of
responses and a 95% margin of error. Pure, vectorised computation on pandas/numpy.

A file of answers is protected: blocks get its counts per group from the privacy layer
(`counts` says what to count, `check_answers` what must hold first; cxsite.privacy.table does the
grouping) and turn them into scores with `from_counts`."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from ...data import row_label, to_dates, to_numbers
from ...errors import SiteError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

PERIODS = ("month", "quarter", "year")
Z95 = 1.959964  # two-sided 95% normal quantile


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


def from_counts(n: "np.ndarray", promoters: "np.ndarray",
                detractors: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """(NPS, 95% margin of error), in points, from each group's counts."""
    import numpy as np

    n = np.asarray(n, dtype="float64")
    promoters, detractors = np.asarray(promoters, "float64"), np.asarray(detractors, "float64")
    p, d = promoters / n, detractors / n
    # The score from whole counts, divided once: 100 * (14 - 37) / 40 is exactly -57.5, where
    # 100 * (14/40 - 37/40) is -57.49999..., which would round to -57 instead of -58.
    score = 100 * (promoters - detractors) / n
    # Variance of the (promoter - detractor) indicator: p + d - (p - d)^2.
    return score, 100 * Z95 * np.sqrt(np.maximum(p + d - (p - d) ** 2, 0) / n)


def counts(rel: str, score_column: str = "score") -> Callable[["pd.DataFrame"], "pd.DataFrame"]:
    """What a group's score is made of: its promoters (9-10) and detractors (0-6)."""
    import pandas as pd

    def measure(rows: "pd.DataFrame") -> "pd.DataFrame":
        score = scores(rows, rel, score_column)
        return pd.DataFrame({"promoters": score >= 9, "detractors": score <= 6}, index=rows.index)

    return measure


def check_answers(df: "pd.DataFrame", rel: str, *, date_column: str = "date",
                  score_column: str = "score") -> None:
    """Every answer is a whole number from 0 to 10 and has a date; else the row is named."""
    for col in (date_column, score_column):
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
