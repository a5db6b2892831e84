"""Survey findings as data: one value per statement and group, from an aggregated table
(statement, group column, value, optional n) or a Likert distribution (response, count).

A table with group sizes (n, or counts of answers) is protected: its groups come through
cxsite.privacy, which leaves out groups below the site's minimum, the smallest others beside a
reference group (the total), and whatever the site-wide audit withholds. Only their names
survive, so no output file can ever contain their values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...data import row_label, to_numbers
from ...errors import SiteError, did_you_mean
from ...rounding import published_series
from ...privacy.query import Key
from ...privacy.table import OpenTable, ProtectedTable, Withheld
from ...privacy.units import counts

SHARE_DECIMALS = 1  # a share of respondents is published as 55.5 (%)

if TYPE_CHECKING:
    import pandas as pd

    from ...blocks import BlockContext

STATEMENT = "statement"


@dataclass
class Findings:
    """Publishable rows: statement, group, value (or response + share), n; and what was withheld."""

    rows: "pd.DataFrame"  # columns: statement, group, value, n (+ response, count for Likert)
    likert: bool
    statements: list[str]  # in file order
    groups: list[str]  # in file order, withheld ones excluded
    responses: list[str] = field(default_factory=list)  # Likert answers in file order
    withheld: list[tuple[str, Withheld]] = field(default_factory=list)  # (group, why)
    has_n: bool = False


def _text(df: "pd.DataFrame", col: str, rel: str, what: str) -> "pd.Series":
    """A column of names, trimmed; an empty cell names its row."""
    cells = df[col].astype("string").str.strip()
    blank = cells.isna() | (cells == "")
    if blank.any():
        idx = blank[blank].index[0]
        raise SiteError(f"the row has no {what} in column '{col}'", file=rel, line=row_label(df, idx, rel),
                        hint=f"fill in the {what}, or delete the row.")
    return cells.astype(str)


def findings(table: Any, rel: str, ctx: "BlockContext", *, by: str,
             statements: list[str] | None, total: str | None = None) -> Findings:
    """Read, check and filter a survey table (a DataFrame, or a ProtectedTable when it holds
    group sizes); small groups are withheld before anything else."""
    import pandas as pd

    if not isinstance(table, ProtectedTable):
        table = OpenTable(table, rel, ctx)
    cols = table.columns
    likert = "response" in cols and "count" in cols and "value" not in cols
    has_n = likert or "n" in cols
    table.require([by], option="by")
    table.require((["response", "count"] if likert else ["value"]) + ([STATEMENT] if statements else []))
    if by == STATEMENT:
        raise SiteError("'by' must name the column of groups (country, department...), not 'statement'",
                        file=ctx.file, line=ctx.line, hint="write for example 'by: country'.")
    has_statement = STATEMENT in cols
    known = table.names(STATEMENT) if has_statement else [""]
    for s in statements or []:
        if s not in known:
            raise SiteError(f"the statement '{s}' is not in {rel}", file=ctx.file, line=ctx.line,
                            hint=did_you_mean(s, known) + " The statement must match the file exactly.")
    keys = ([Key(STATEMENT)] if has_statement else []) + [Key(by)] + ([Key("response")] if likert else [])

    def check(df: "pd.DataFrame") -> None:
        _check(df, rel, by, likert, has_statement)

    def measure(df: "pd.DataFrame") -> "pd.DataFrame":
        if likert:
            return pd.DataFrame({"count": counts(df, "count", rel, required=False)})
        value = to_numbers(df, "value", rel).astype("float64")
        if "n" not in df.columns:
            return pd.DataFrame({"value": value})
        n = counts(df, "n", rel, required=True)
        return pd.DataFrame({"value_n": value * n, "rows_n": n})

    place = keys.index(Key(by))
    found = table.groups(where={STATEMENT: statements} if statements else None, keys=keys,
                         needs=[] if likert else ["value"], measure=measure,
                         measure_id=f"survey:{likert}", check=check,
                         total=(place, total) if total is not None else None,
                         label=lambda g: " / ".join(g))
    t = found.table
    rows = pd.DataFrame({"statement": t[STATEMENT].astype(str) if has_statement else "",
                         "group": t[by].astype(str)})
    if likert:
        rows["response"] = t["response"].astype(str)
        rows["count"] = t["count"].astype("float64")
        rows["n"] = t["n"].astype("float64")
        rows["value"] = 100 * rows["count"] / rows["n"].where(rows["n"] > 0)
    elif "n" in cols:
        rows["n"] = t["n"].astype("float64")
        rows["value"] = t["value_n"] / t["rows_n"].where(t["rows_n"] > 0)
    else:
        rows["value"] = t["value"].astype("float64")
        rows["n"] = float("nan")
    # Each share is rounded once, here, to what the table shows (55.5); labels, tooltips and
    # sentences show this figure (as 56%), so they never disagree with the table. For a protected
    # file this also keeps the data to what the page shows, no more.
    rows["value"] = published_series(rows["value"], SHARE_DECIMALS)
    order = statements or known
    shown = [s for s in order if s in set(rows["statement"])]
    responses = list(dict.fromkeys(rows["response"])) if likert else []
    withheld = [(w.names[by], w) for w in found.withheld]
    return Findings(rows, likert, shown, list(dict.fromkeys(rows["group"])), responses, withheld,
                    has_n)


def _check(df: "pd.DataFrame", rel: str, by: str, likert: bool, has_statement: bool) -> None:
    """Every row names its statement, group (and answer); values are percentages; a value
    table gives each group once per statement."""
    import pandas as pd

    statement = _text(df, STATEMENT, rel, "statement") if has_statement else pd.Series("", index=df.index)
    group = _text(df, by, rel, by)
    if likert:
        _text(df, "response", rel, "answer")
        counts(df, "count", rel, required=False)
        return
    value = to_numbers(df, "value", rel).astype("float64")
    out = value.notna() & ((value < 0) | (value > 100))
    if out.any():
        idx = out[out].index[0]
        raise SiteError(f"the value '{value[idx]:g}' in column 'value' is not a percentage from 0 to 100",
                        file=rel, line=row_label(df, idx, rel),
                        hint="write the share of people who agree, e.g. 56 for 56%.")
    if "n" in df.columns:
        counts(df, "n", rel, required=False)
    dup = pd.DataFrame({"s": statement, "g": group})[value.notna()].duplicated(keep="first")
    if dup.any():
        idx = dup[dup].index[0]
        raise SiteError(f"the group '{group[idx]}' appears twice for the same statement",
                        file=rel, line=row_label(df, idx, rel),
                        hint=f"keep one row per statement and {by}.")
