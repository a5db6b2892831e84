"""Survey findings as data: one value per statement and group, from an aggregated table
(statement, group column, value, optional n) or a Likert distribution (response, count).

Groups with fewer respondents than the site's minimum are removed here, before anything is
rendered: only their names survive, so no output file can ever contain their values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...data import require_columns, row_label, to_numbers
from ...errors import SiteError, did_you_mean
from ...privacy.suppression import withheld

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
    groups: list[str]  # in file order, suppressed ones excluded
    responses: list[str] = field(default_factory=list)  # Likert answers in file order
    suppressed: list[tuple[str, str]] = field(default_factory=list)  # (statement, group)
    has_n: bool = False
    complementary: list[tuple[str, str]] = field(default_factory=list)  # withheld to protect others


def _text(df: "pd.DataFrame", col: str, rel: str, what: str) -> "pd.Series":
    """A column of names, trimmed; an empty cell names its row."""
    cells = df[col].astype("string").str.strip()
    blank = cells.isna() | (cells == "")
    if blank.any():
        idx = blank[blank].index[0]
        raise SiteError(f"the row has no {what} in column '{col}'", file=rel, line=row_label(df, idx, rel),
                        hint=f"fill in the {what}, or delete the row.")
    return cells.astype(str)


def _counts(df: "pd.DataFrame", col: str, rel: str) -> "pd.Series":
    values = to_numbers(df, col, rel)
    bad = values.notna() & ((values < 0) | (values != values.round()))
    if bad.any():
        idx = bad[bad].index[0]
        raise SiteError(f"'{df[col][idx]}' in column '{col}' is not a number of people", file=rel,
                        line=row_label(df, idx, rel), hint="write a whole number such as 120.")
    return values


def findings(df: "pd.DataFrame", rel: str, ctx: "BlockContext", *, by: str,
             statements: list[str] | None, total: str | None = None) -> Findings:
    """Read, check and filter a survey table; small groups are withheld before anything else."""
    import pandas as pd

    likert = "response" in df.columns and "count" in df.columns and "value" not in df.columns
    require_columns(df, [by], rel, ctx=ctx, option="by")
    need = (["response", "count"] if likert else ["value"]) + ([STATEMENT] if statements else [])
    require_columns(df, need, rel, ctx=ctx)
    if by == STATEMENT:
        raise SiteError("'by' must name the column of groups (country, department...), not 'statement'",
                        file=ctx.file, line=ctx.line, hint="write for example 'by: country'.")
    statement = _text(df, STATEMENT, rel, "statement") if STATEMENT in df.columns else pd.Series("", index=df.index)
    group = _text(df, by, rel, by)
    known = list(dict.fromkeys(statement))
    if statements:
        for s in statements:
            if s not in known:
                raise SiteError(f"the statement '{s}' is not in {rel}", file=ctx.file, line=ctx.line,
                                hint=did_you_mean(s, known) + " The statement must match the file exactly.")
        keep = statement.isin(statements).to_numpy()
    else:
        keep = slice(None)
    frame = pd.DataFrame({"statement": statement, "group": group})
    if likert:
        frame["response"] = _text(df, "response", rel, "answer")
        frame["count"] = _counts(df, "count", rel)
        frame = frame[keep]
        frame = frame[frame["count"].notna()]
        n = frame.groupby(["statement", "group"], sort=False)["count"].transform("sum")
        frame["n"] = n
        frame["value"] = 100 * frame["count"] / n.where(n > 0)
    else:
        frame["value"] = to_numbers(df, "value", rel).astype("float64")
        frame["n"] = _counts(df, "n", rel) if "n" in df.columns else float("nan")
        out = frame["value"].notna() & ((frame["value"] < 0) | (frame["value"] > 100))
        if out.any():
            idx = out[out].index[0]
            raise SiteError(f"the value '{frame['value'][idx]:g}' in column 'value' is not a percentage from 0 to 100",
                            file=rel, line=row_label(df, idx, rel),
                            hint="write the share of people who agree, e.g. 56 for 56%.")
        frame = frame[keep]
        dup = frame.duplicated(["statement", "group"], keep="first")
        if dup.any():
            idx = dup[dup].index[0]
            raise SiteError(f"the group '{frame['group'][idx]}' appears twice for the same statement",
                            file=rel, line=row_label(df, idx, rel),
                            hint=f"keep one row per statement and {by}.")
        frame = frame[frame["value"].notna()]
    return _withhold(frame, likert, ctx.config.min_group_size, has_n=likert or "n" in df.columns,
                     order=statements or known, total=total)


def _withhold(frame: "pd.DataFrame", likert: bool, min_n: int, *, has_n: bool, order: list[str],
              total: str | None) -> Findings:
    """Withhold small groups; beside a total (the reference group), also enough others that no
    small group can be worked out by subtraction."""
    sizes = frame.drop_duplicates(["statement", "group"])  # Likert rows repeat a group's n
    small, extra = withheld(sizes, min_n, within=["statement"], complement=total is not None,
                            spare=sizes["group"].eq(total))
    gone = list(zip(sizes.loc[small | extra, "statement"], sizes.loc[small | extra, "group"]))
    hidden = set(gone)
    keep = [(st, g) not in hidden for st, g in zip(frame["statement"], frame["group"])]
    rows = frame[keep].reset_index(drop=True)
    statements = [s for s in order if s in set(rows["statement"])]
    responses = list(dict.fromkeys(rows["response"])) if likert else []
    complementary = list(zip(sizes.loc[extra, "statement"], sizes.loc[extra, "group"]))
    return Findings(rows, likert, statements, list(dict.fromkeys(rows["group"])), responses, gone,
                    has_n, complementary)
