"""{{value ...}}: one number (or date, or text) from a data file, written into the prose at build
time, so text and charts never disagree.

    In October 2026 the score was {{value data=kpi_monthly.csv column=value kpi=nps
    segment=Business period=2026-10}} points.

Arguments are key=value pairs (quote values with spaces: segment="All customers"). data, column,
pick, format and sort are options; every other key filters rows (column equals value).

From a protected file (cxsite.privacy) a sentence may quote the sum or mean of a group of at least
the minimum number of respondents, or one row of a file whose rows are groups; never one
person's answer.
"""
from __future__ import annotations

import difflib
import math
import re
import shlex
from typing import TYPE_CHECKING, Any

from ..data import (apply_where, at_block, column_kind, data_path, open_table, require_columns,
                    to_dates, to_numbers)
from ..errors import SiteError, did_you_mean
from .. import fmt as text_fmt
from ..fmt import format_too_large, is_date_format
from ..rounding import published
from ..privacy import notices
from ..privacy.table import ProtectedTable

if TYPE_CHECKING:
    import pandas as pd

    from . import BlockContext

OPTIONS = ("data", "column", "pick", "format", "sort")
PICKS = ("latest", "first", "sum", "mean", "min", "max")
EXAMPLE = "{{value data=kpi_monthly.csv column=value kpi=nps pick=latest}}"


def _fail(message: str, ctx: "BlockContext", hint: str | None = None) -> SiteError:
    return SiteError(message, file=ctx.file, line=ctx.line, hint=hint)


def parse_args(args: str, ctx: "BlockContext") -> dict[str, str]:
    """key=value pairs, shell-style quoting: segment="All customers"."""
    try:
        tokens = shlex.split(args)
    except ValueError:
        raise _fail("a quote is not closed in {{value ...}}", ctx,
                    'put a closing " after the value, e.g. segment="All customers".') from None
    out: dict[str, str] = {}
    for token in tokens:
        key, eq, value = token.partition("=")
        if not eq or not key:
            raise _fail(f"'{token}' in {{{{value ...}}}} is not a key=value pair", ctx,
                        f"write every argument as key=value, e.g. {EXAMPLE}")
        if key in out:
            raise _fail(f"'{key}' is given twice in {{{{value ...}}}}", ctx, "keep only one.")
        out[key] = value
    return out


def render_inline(args: str, ctx: "BlockContext") -> str:
    """The cited value as text (the page escapes it)."""
    opts = parse_args(args, ctx)
    for required in ("data", "column"):
        if not opts.get(required):
            _check_option_spelling(opts, ctx)
            raise _fail(f"{{{{value ...}}}} needs {required}=", ctx, f"write for example {EXAMPLE}")
    pick = opts.get("pick")
    if pick is not None and pick not in PICKS:
        raise _fail(f"unknown pick '{pick}'", ctx,
                    f"{did_you_mean(pick, PICKS)} The choices are: {', '.join(PICKS)}.")
    with at_block(ctx):
        df = open_table(opts["data"], ctx)
    rel = data_path(opts["data"], ctx)
    filters = {k: v for k, v in opts.items() if k not in OPTIONS}
    _check_filter_keys(filters, df.columns, df.require if isinstance(df, ProtectedTable) else
                       lambda names, option: require_columns(df, names, rel, ctx=ctx, option=option), ctx)
    if isinstance(df, ProtectedTable):
        with at_block(ctx):
            return _protected(df, opts, filters, pick, ctx)
    require_columns(df, [opts["column"]], rel, ctx=ctx, option="column")
    if opts.get("sort"):
        require_columns(df, [opts["sort"]], rel, ctx=ctx, option="sort")
    with at_block(ctx):
        rows = apply_where(df, filters, rel, ctx)
        row = _choose(rows, opts, pick, filters, rel, ctx)
        value, kind = _pick(rows, row, opts["column"], pick or "latest", opts.get("format"), rel, ctx)
    return format_value(value, kind, opts.get("format"), ctx)


def _protected(table: ProtectedTable, opts: dict[str, str], filters: dict[str, str],
               pick: str | None, ctx: "BlockContext") -> str:
    """A value from a protected file: the sum or mean of a large enough group, or one row of a
    file of groups; a withheld group gives the reason instead of the number."""
    import pandas as pd

    column, rel, found = opts["column"], table.rel, table.protection
    table.require([column], option="column")
    if opts.get("sort"):
        table.require([opts["sort"]], option="sort")
    if pick in ("min", "max"):
        raise notices.not_linear(found, pick, ctx)
    if pick in ("sum", "mean"):
        groups = table.groups(where=filters or None, needs=[column], measure=lambda rows: pd.DataFrame(
            {"x": to_numbers(rows, column, rel), "rows": 1.0}, index=rows.index),
            measure_id=f"cite:{column}", label=lambda g: f"{pick} of {column}")
        if groups.withheld:
            return notices.short(groups.withheld[0].reason, ctx.config.min_group_size)
        row = groups.table.iloc[0]
        value = row["x"] if pick == "sum" else row["x"] / row["rows"]
        return format_value(float(value), "number", opts.get("format"), ctx)
    if found.answers:
        raise SiteError(f"{rel} is protected: {found.reason}, so a sentence cannot quote one of its "
                        "rows", file=ctx.file, line=ctx.line,
                        hint=f"write pick=mean or pick=sum: the sentence then shows the mean or sum of "
                             f"the matching answers, when there are at least {ctx.config.min_group_size}.")
    chosen: list = []

    def choose(rows: "pd.DataFrame") -> list:
        chosen.append(_choose(rows, opts, pick, filters, rel, ctx))
        return chosen

    found_rows = table.rows(where=filters or None, pick=choose, label=lambda g: " ".join(g))
    if found_rows.withheld:
        return notices.short(found_rows.withheld[0].reason, ctx.config.min_group_size)
    rows = found_rows.frame
    value, kind = _pick(rows, chosen[0], column, pick or "latest", opts.get("format"), rel, ctx)
    return format_value(value, kind, opts.get("format"), ctx)


def _check_option_spelling(opts: dict[str, str], ctx: "BlockContext") -> None:
    for key in opts:
        if key not in OPTIONS and difflib.get_close_matches(key, OPTIONS, n=1, cutoff=0.6):
            raise _fail(f"unknown option '{key}' in {{{{value ...}}}}", ctx,
                        f"{did_you_mean(key, OPTIONS)} The options are data, column, pick, format "
                        "and sort; any other key filters rows by a column.")


def _check_filter_keys(filters: dict[str, str], columns: Any, require: Any,
                       ctx: "BlockContext") -> None:
    """A key that is no column is a misspelt option or a misspelt column: say which."""
    for key in filters:
        if key in columns:
            continue
        _check_option_spelling({key: ""}, ctx)
        require([key], option="filter")


def _distinguishing(rows: "pd.DataFrame", column: str, filters: dict) -> str:
    """A filter that would narrow the rows: the first column whose values differ."""
    for col in rows.columns:
        if col != column and col not in filters and rows[col].nunique() > 1:
            return f"{col}={rows[col].dropna().astype(str).iloc[-1]}"
    return "another column=value"


def _choose(rows: "pd.DataFrame", opts: dict[str, str], pick: str | None, filters: dict,
            rel: str, ctx: "BlockContext") -> Any:
    """The index of the row a citation shows: the only one, or the latest or first in time
    (by `sort`, else by the date column). sum and mean use every row: None."""
    if pick in ("sum", "mean", "min", "max"):
        return None
    if len(rows) > 1 and pick is None:
        raise _fail(f"{len(rows)} rows of {rel} match, but a citation shows one value", ctx,
                    f"add a filter such as {_distinguishing(rows, opts['column'], filters)}, "
                    f"or choose one with pick={'|'.join(PICKS)}.")
    order = rows
    by = opts.get("sort") or _date_column(rows)
    if by:
        keys = to_dates(rows, by, rel) if column_kind(rows, by) == "date" else rows[by]
        order = rows.assign(_key=keys.values).sort_values("_key", kind="stable")
    return order.index[-1] if (pick or "latest") == "latest" else order.index[0]


def _pick(rows: "pd.DataFrame", index: Any, column: str, pick: str, fmt: str | None,
          rel: str, ctx: "BlockContext") -> tuple[Any, str]:
    kind = column_kind(rows, column)
    if pick in ("sum", "mean", "min", "max"):
        numbers = to_numbers(rows, column, rel).dropna()
        if numbers.empty:
            raise _fail(f"the column '{column}' has no numbers in the matching rows", ctx,
                        "check the filters, or fill in the cells.")
        return float(getattr(numbers, pick)()), "number"
    value = rows.at[index, column]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise _fail(f"the cell in column '{column}' is empty", ctx,
                    f"fill it in {rel}, or cite another row.")
    if kind == "number":
        value = float(to_numbers(rows.loc[[index]], column, rel).iloc[0])
    elif kind == "date" and fmt:
        value = to_dates(rows.loc[[index]], column, rel).iloc[0]
    elif kind == "date":  # as written in the file: 2026-03 stays 2026-03
        value, kind = _cell_text(value), "text"
    return value, kind


def _cell_text(value: Any) -> str:
    if hasattr(value, "isoformat"):  # a date cell from Excel
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip()


def _date_column(rows: "pd.DataFrame") -> str | None:
    """The column that orders rows in time, so pick=latest means the latest period."""
    for col in rows.columns:
        if column_kind(rows, col) == "date":
            return col
    return None


_PRECISION = re.compile(r"\.(\d+)([f%])$")


def _published(value: float, spec: str) -> float:
    """The value rounded as the site rounds (12.25 -> 12.3 with .1f), before format() rounds it
    half to even on its binary value (12.2)."""
    m = _PRECISION.search(spec)
    if not m:
        return value
    digits = int(m.group(1)) + (2 if m.group(2) == "%" else 0)
    return published(value, digits)


DATE_WORDS = ("month", "day")  # format=month: Mar 2026 (2026年3月); format=day: Mar 15, 2026


def format_value(value: Any, kind: str, fmt: str | None, ctx: "BlockContext") -> str:
    """A number as people write it in the page's language (1,234.5; 12), a date as 2026-03-31,
    as the page's language writes a month or a day (format=month, format=day), or a format's
    result."""
    if kind == "date":
        if fmt == "month":
            return text_fmt.month(value.date())
        if fmt == "day":
            return text_fmt.day(value.date())
        try:
            if fmt and not is_date_format(fmt):
                raise ValueError(fmt)
            return text_fmt.strftime(value, fmt) if fmt else value.date().isoformat()
        except (ValueError, AttributeError):
            raise _fail(f"'{fmt}' is not a date format", ctx,
                        "use for example format=month, format=day, format=%Y-%m-%d or "
                        "format=\"%B %Y\".") from None
    if fmt and format_too_large(fmt):
        raise _fail(f"the format '{fmt[:40]}' is too large: {format_too_large(fmt)}", ctx,
                    "use for example format=.1f (12.3) or format=,.0f (1,235).")
    if kind == "number":
        if fmt:
            try:
                return text_fmt.localise_digits(format(_published(value, fmt), fmt))
            except ValueError:
                raise _fail(f"'{fmt}' is not a number format", ctx,
                            "use for example format=.1f (12.3), format=,.0f (1,235) or "
                            "format=+.1f (+2.5).") from None
        return text_fmt.decimal(value)
    if fmt:
        raise _fail(f"format= only applies to numbers and dates; '{str(value)[:40]}' is text", ctx,
                    "remove format=.")
    return str(value)
