"""Column names as Vega-Lite field references. Vega-Lite reads a field name as an access path:
'a.b' is field b inside a, 'x[0]' an array element, and a quote starts a quoted key; a column
named 'Sales (€, 2025.1)' or "Customers' view" would give a blank chart or 'Access path missing
closing quote'. Every such character is escaped with a backslash, so the column is read as it is
named; titles are given the name as written, never the escaped reference."""
from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\.\[\]'\"])")


def field_ref(name: str) -> str:
    """The column name as a Vega-Lite field: 'Score 2025.1' -> 'Score 2025\\.1'."""
    return _SPECIAL.sub(r"\\\1", str(name))
