"""Published figures are rounded once, here, at their decimals, as people and spreadsheets
round (half away from zero: 12.25 -> 12.3), from the number as it was written (12.25, not the
binary 12.2499999...). Everything shown (a card, a table, a CSV, a tooltip, a sentence) then
formats the same rounded value, so they never disagree."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def published(value: float, decimals: int) -> float:
    """The value as the site publishes it: 12.25 at 1 decimal -> 12.3; NaN stays NaN."""
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        return value
    exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    out = float(exact)
    return 0.0 if out == 0 else out  # -0.0 never shows a sign


def published_series(values: "pd.Series", decimals: int) -> "pd.Series":
    """published() of every value of a column (the index is kept)."""
    import pandas as pd

    return pd.Series([published(v, decimals) for v in values], index=values.index,
                     name=values.name, dtype="float64")
