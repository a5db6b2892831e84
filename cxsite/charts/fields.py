"""Column names as Vega-Lite field references. Vega-Lite reads a field name as an access path:
'a.b' is field b inside a, 'x[0]' an array element, and a quote starts a quoted key; a column
named 'Sales (€, 2025.1)' or "Customers' view" would give a blank chart or 'Access path missing
closing quote'. Every such character is escaped with a backslash, so the column is read as it is
named; titles are given the name as written, never the escaped reference."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

_SPECIAL = re.compile(r"([.\[\]'\"])")
# Vega-Lite loses a backslash in a field name whatever the escaping (its stack and scale steps
# unescape the name again): in the data drawn, a backslash becomes this look-alike.
BACKSLASH = "\u29f5"


def field_ref(name: str) -> str:
    """The column name as a Vega-Lite field: 'Score 2025.1' -> 'Score 2025\\.1'."""
    return _SPECIAL.sub(r"\\\1", str(name).replace("\\", BACKSLASH))


def drawable(data: "pd.DataFrame") -> "pd.DataFrame":
    """The data as the chart draws it: columns named as field_ref expects them."""
    if not any("\\" in str(c) for c in data.columns):
        return data
    return data.rename(columns=lambda c: str(c).replace("\\", BACKSLASH))
