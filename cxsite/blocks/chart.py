"""The ```chart block (a chart from a data file, compiled through Altair to Vega-Lite), a raw
Vega-Lite spec in a ```vega-lite block or a file, and a Python module returning an Altair chart.

    ```chart
    data: kpi_monthly.csv
    where: {kpi: nps}
    mark: line
    x: period
    y: value
    color: segment
    title: Net Promoter Score by customer segment
    ```
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import os
import posixpath
import sys
import traceback
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..engine.cache import digest
from ..charts.figure import (Figure, engine_key, figure_html, make_figure, readable_name, render_figure,
                             table_from_spec, theme, use_cache)
from ..data import (apply_where, at_block, column_kind, data_path, file_digest, load_table,
                    open_table, require_columns)
from ..errors import SiteError, did_you_mean
from ..charts.fields import drawable, field_ref
from ..fmt import format_too_large, is_date_format
from ..i18n import _, current
from ..privacy import notices
from ..privacy.table import ProtectedTable
from ..yamltext import parse_yaml
from .. import fmt as text_fmt
from .chartdata import RESPONSES, Plan, aggregate_title, axes, plan, prepare, prepare_protected
from .spec_limits import check_generators

if TYPE_CHECKING:
    import pandas as pd

    from . import BlockContext

MARKS = ("bar", "line", "area", "point", "arc", "rule", "text")
CHANNELS = ("x", "y", "color", "size", "theta", "text", "column", "row")
OPTIONS = (
    "data", "where", "mark", *CHANNELS, "tooltip", "sort", "stack", "aggregate", "format",
    "date_format", "width", "height", "title", "description", "source", "csv", "legend",
    "point", "target", "labels", "spec", "python",
)
FIELD_KEYS = ("field", "title", "type", "aggregate", "sort", "format")
TYPES = {"number": "quantitative", "quantitative": "quantitative", "date": "temporal",
         "temporal": "temporal", "text": "nominal", "category": "nominal", "nominal": "nominal",
         "ordinal": "ordinal", "order": "ordinal"}
AGGREGATES = ("sum", "mean", "median", "min", "max", "count")
SORTS = ("ascending", "descending", "none", "x", "-x", "y", "-y")
STACKS = (True, False, "grouped", "normalize", "center")
LEGENDS = ("top", "bottom", "left", "right", "none")
SPEC_OPTIONS = ("spec", "data", "where", "title", "description", "source", "csv")
PYTHON_OPTIONS = ("python", "title", "description", "source", "csv")
CODE_FOLDERS = ("charts", "data")
WIDTH = 460
# wrap long category labels onto several lines (Vega draws an array of strings as lines)
_WRAP = "split(trim(replace(datum.label, regexp('(.{{1,{n}}})(\\\\s+|$)', 'g'), '$1\\n')), '\\n')"
_D3_FORMAT = r"^(.?[<>=^])?[-+( ]?[$#]?0?\d*,?(\.\d+)?~?[%bcdeEfgGnoprsxX]?$"


MARK_ALIASES = {"pie": "arc", "donut": "arc", "column": "bar", "columns": "bar", "bars": "bar",
                "scatter": "point", "dot": "point", "lines": "line", "label": "text"}


def _suggest(word: str, choices: tuple, aliases: dict[str, str] | None = None) -> str:
    """'did you mean ...?' when a choice is close, else the whole list."""
    import difflib

    alias = (aliases or {}).get(word.lower())
    if alias:
        return f"did you mean '{alias}'?"
    if difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.5):
        return did_you_mean(word, choices)
    return "the choices are: " + ", ".join(map(str, choices)) + "."


def _fail(message: str, ctx: "BlockContext", hint: str | None = None, *,
          key: str | None = None) -> SiteError:
    """A mistake in the block, at the line of option `key` when one is named."""
    return SiteError(message, file=ctx.file, line=ctx.line_of(key), hint=hint)


# --- options --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One encoding as the author wrote it: a column and how to show it."""

    channel: str
    name: str
    title: str | None = None
    type: str | None = None  # a Vega-Lite type, when the author forced one
    aggregate: str | None = None
    sort: Any = "unset"
    format: str | None = None


def _check_keys(options: dict, allowed: tuple, ctx: "BlockContext", what: str) -> None:
    for key in options:
        if key not in allowed:
            if key in OPTIONS:
                raise _fail(f"the option '{key}' cannot be used {what}", ctx,
                            f"the options here are: {', '.join(allowed)}.", key=str(key))
            raise _fail(f"unknown option '{key}' in the chart block", ctx,
                        _suggest(str(key), allowed), key=str(key))


def _text(options: dict, key: str, ctx: "BlockContext") -> str | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        raise _fail(f"'{key}' must be text, not a list or mapping", ctx,
                    f"write it on one line, e.g. '{key}: Net Promoter Score'.", key=key)
    return str(value).strip() or None


def _choice(options: dict, key: str, choices: tuple, ctx: "BlockContext", default: Any = None) -> Any:
    value = options.get(key, default)
    if value is None or value in choices:
        return value
    raise _fail(f"'{value}' is not a valid value for '{key}'", ctx,
                f"{did_you_mean(str(value), [str(c).lower() for c in choices])}", key=key)


def _size(options: dict, key: str, ctx: "BlockContext") -> int | None:
    value = options.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 20 <= value <= 4000:
        raise _fail(f"'{key}' must be a number of pixels from 20 to 4000, not {value!r}", ctx,
                    f"write for example '{key}: {400 if key == 'width' else 300}'.", key=key)
    return value


def _format(value: Any, key: str, ctx: "BlockContext", line_key: str | None = None) -> str | None:
    """A d3 number format ('format') or a strftime date format ('date_format'), checked;
    line_key names the option whose line a mistake points at (default: key)."""
    import re

    if value is None:
        return None
    text = str(value)
    if key == "date_format":
        if not is_date_format(text):
            raise _fail(f"'{text}' is not a date format", ctx,
                        "use codes such as '%b %Y' (Jan 2026), '%Y-%m-%d' (2026-01-31) or "
                        "'%d %B %Y' (31 January 2026).", key=line_key or key)
    elif not re.match(_D3_FORMAT, text):
        raise _fail(f"'{text}' is not a number format", ctx,
                    "use for example ',.0f' (1,234), '.1f' (12.3), '.0%' (0.12 shown as 12%) or "
                    "'+.1f' (+2.5).", key=line_key or key)
    if format_too_large(text):
        raise _fail(f"the format '{text[:40]}' is too large: {format_too_large(text)}", ctx,
                    "use for example ',.0f' (1,234) or '.1f' (12.3).", key=line_key or key)
    return text


def _field(channel: str, value: Any, ctx: "BlockContext") -> Field | None:
    if value is None:
        return None
    if isinstance(value, dict):
        for key in value:
            if key not in FIELD_KEYS:
                raise _fail(f"unknown setting '{key}' in '{channel}'", ctx,
                            f"{did_you_mean(str(key), FIELD_KEYS)} For example "
                            f"'{channel}: {{field: value, title: Score}}'.", key=f"{channel}.{key}")
        if not value.get("field"):
            raise _fail(f"'{channel}' needs a 'field': the column to show", ctx,
                        f"write for example '{channel}: {{field: value, title: Score}}'.", key=channel)
        if isinstance(value["field"], (dict, list)):
            raise _fail(f"the 'field' of '{channel}' must name one column, not a list", ctx,
                        f"write for example '{channel}: {{field: value, title: Score}}'.",
                        key=f"{channel}.field")
        kind = value.get("type")
        if kind is not None and str(kind).lower() not in TYPES:
            raise _fail(f"unknown type '{kind}' in '{channel}'", ctx,
                        did_you_mean(str(kind), ("number", "date", "category", "ordinal")),
                        key=f"{channel}.type")
        agg = value.get("aggregate")
        if agg is not None and agg not in AGGREGATES:
            raise _fail(f"unknown aggregate '{agg}' in '{channel}'", ctx, did_you_mean(str(agg), AGGREGATES),
                        key=f"{channel}.aggregate")
        title = value.get("title")
        if "title" in value and title is None:
            title = ""  # 'title: null' hides the axis or legend title
        return Field(channel, str(value["field"]), None if title is None else str(title),
                     TYPES[str(kind).lower()] if kind is not None else None, agg,
                     value.get("sort", "unset"),
                     _format(value.get("format"), "format", ctx, line_key=f"{channel}.format"))
    if isinstance(value, list):
        raise _fail(f"'{channel}' must name one column, not a list", ctx,
                    f"write for example '{channel}: value'.", key=channel)
    return Field(channel, str(value).strip())


@dataclass
class ChartOptions:
    """A chart block's options, checked."""

    data: str
    where: Any
    mark: str
    fields: dict[str, Field]
    tooltip: Any
    sort: Any
    stack: Any
    aggregate: str | None
    format: str | None
    date_format: str | None
    width: int | None
    height: int | None
    title: str | None
    description: str | None
    source: str | None
    csv: str | None
    legend: str | None
    point: bool
    target: float | None
    labels: dict[str, str]


def parse_options(options: dict, ctx: "BlockContext") -> ChartOptions:
    """Check a chart block's options; every mistake names the option and suggests a fix."""
    _check_keys(options, OPTIONS, ctx, "in a chart block")
    if options.get("data") is None:
        raise _fail("the chart block needs 'data': the file in data/ to draw", ctx,
                    "write for example 'data: kpi_monthly.csv'.")
    mark = options.get("mark")
    if mark is None:
        raise _fail("the chart block needs 'mark': the kind of chart", ctx,
                    f"write for example 'mark: bar'; the kinds are: {', '.join(MARKS)}.")
    if mark not in MARKS:
        raise _fail(f"unknown mark '{mark}'", ctx, _suggest(str(mark), MARKS, MARK_ALIASES), key="mark")
    fields = {ch: f for ch in CHANNELS if (f := _field(ch, options.get(ch), ctx)) is not None}
    _check_channels(mark, fields, ctx)
    tooltip = options.get("tooltip", True)
    if not isinstance(tooltip, (bool, list)) and not isinstance(tooltip, str):
        raise _fail("'tooltip' must be true, false or a list of columns", ctx,
                    "write for example 'tooltip: [country, value, n]'.", key="tooltip")
    sort = options.get("sort")
    if sort is not None and not isinstance(sort, list) and sort not in SORTS:
        raise _fail(f"'{sort}' is not a valid value for 'sort'", ctx,
                    f"{did_you_mean(str(sort), SORTS)} Use 'ascending', 'descending', '-y' "
                    "(largest first), 'y', 'none' (file order) or a list of values in order.",
                    key="sort")
    stack = options.get("stack")
    if stack is not None and stack not in STACKS:
        raise _fail(f"'{stack}' is not a valid value for 'stack'", ctx,
                    "use true (stacked), false or 'grouped' (side by side), 'normalize' (100%) "
                    "or 'center'.", key="stack")
    point = options.get("point", False)
    if not isinstance(point, bool):
        raise _fail("'point' must be true or false", ctx, "write 'point: true' to mark each value.",
                    key="point")
    target = options.get("target")
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float))):
        raise _fail(f"'target' must be a number, not {target!r}", ctx, "write for example 'target: 30'.",
                    key="target")
    if target is not None and ("column" in fields or "row" in fields):
        raise _fail("'target' cannot be combined with 'column' or 'row'", ctx,
                    "remove the target line, or draw one chart per group.")
    labels = options.get("labels") or {}
    if not isinstance(labels, dict):
        raise _fail("'labels' must map values to the labels to show", ctx,
                    "write for example 'labels: {share_of_wallet: Share of wallet}'.", key="labels")
    return ChartOptions(
        data=options["data"], where=options.get("where"), mark=mark, fields=fields,
        tooltip=tooltip, sort=sort, stack=stack,
        aggregate=_choice(options, "aggregate", AGGREGATES, ctx),
        format=_format(options.get("format"), "format", ctx),
        date_format=_format(options.get("date_format"), "date_format", ctx),
        width=_size(options, "width", ctx), height=_size(options, "height", ctx),
        title=_text(options, "title", ctx), description=_text(options, "description", ctx),
        source=_text(options, "source", ctx), csv=_text(options, "csv", ctx),
        legend=_choice(options, "legend", LEGENDS, ctx), point=point,
        target=None if target is None else float(target),
        labels={str(k): str(v) for k, v in labels.items()},
    )


def _check_channels(mark: str, fields: dict[str, Field], ctx: "BlockContext") -> None:
    if mark == "arc":
        if "x" in fields or "y" in fields:
            raise _fail("an 'arc' (pie) chart uses 'theta' for the numbers and 'color' for the "
                        "slices, not 'x' or 'y'", ctx, "write for example 'theta: share' and "
                                                       "'color: answer'.")
        if "theta" not in fields:
            raise _fail("an 'arc' (pie) chart needs 'theta': the column with the numbers", ctx,
                        "write for example 'theta: share'.")
        return
    if "theta" in fields:
        raise _fail("'theta' is only for 'mark: arc' (pie charts)", ctx,
                    "use 'x' and 'y' for this kind of chart.")
    if mark == "rule":
        if "x" not in fields and "y" not in fields:
            raise _fail("a 'rule' chart needs 'x' or 'y'", ctx, "write for example 'y: target'.")
        return
    missing = [ch for ch in ("x", "y") if ch not in fields]
    if missing:
        raise _fail(f"a '{mark}' chart needs '{missing[0]}': the column to put on that axis", ctx,
                    f"write for example '{missing[0]}: {'value' if missing[0] == 'y' else 'period'}'.")
    if mark == "text" and "text" not in fields:
        raise _fail("a 'text' chart needs 'text': the column whose values are written", ctx,
                    "write for example 'text: value'.")


# --- the chart block ------------------------------------------------------------------------
def render_block(options: dict, ctx: "BlockContext") -> str:
    """A ```chart block: from a data file, a Vega-Lite file (spec:) or a Python module (python:)."""
    if "python" in options:
        _check_keys(options, PYTHON_OPTIONS, ctx, "with 'python'")
        return _python_chart(options, ctx)
    if "spec" in options:
        _check_keys(options, SPEC_OPTIONS, ctx, "with 'spec'")
        return _spec_file_chart(options, ctx)
    opts = parse_options(options, ctx)
    title = opts.title or _default_title(opts)
    place = dict(title=title, description=opts.description or "", csv_name=opts.csv,
                 source=opts.source)
    # An unchanged block over an unchanged file is served from the cache without pandas,
    # Altair or vl-convert; a block that warned is redone, so its warnings are seen again.
    # A protected file is never served from it (see _protected_chart); whether a file is
    # protected depends on its bytes and on the config's list, both in the key.
    rel, sha = file_digest(opts.data, ctx)
    key = digest("chart-block", _code_key(), options, rel, sha, theme(ctx.config), engine_key(),
                 ctx.config.declares_protected(rel),
                 current().catalogue.fingerprint)  # the table's caption is in the page's language
    cache = use_cache(ctx.config, ctx)
    hit = cache.get_json("figure", key)
    if hit is not None:
        return figure_html(Figure(**hit), ctx, **place)
    warned = len(ctx.warnings)
    with at_block(ctx):
        table = open_table(opts.data, ctx)
        if isinstance(table, ProtectedTable):
            return _protected_chart(opts, table, ctx, place)
        table = apply_where(table, opts.where, rel, ctx)
        chart, published = build_chart(opts, table, rel, ctx)
    # the block's chart is built by this module from checked options: no schema validation
    fig = make_figure(chart, published, ctx.config, title=title, description=opts.description or "",
                      validate=False, cache=cache)
    if len(ctx.warnings) == warned:
        cache.put_json("figure", key, fig.to_json())
    return figure_html(fig, ctx, **place)


def _protected_chart(opts: ChartOptions, table: ProtectedTable, ctx: "BlockContext",
                     place: dict) -> str:
    """A chart of a protected file: its groups from the privacy layer, the groups withheld named
    under it. Not kept in the figure cache: what it shows depends on the whole site's audit."""
    tips = _tooltip_columns(opts, table.require)
    for f in opts.fields.values():
        table.require([f.name], option=f.channel)
    p = plan(opts, tips, table.kind)
    _check_numbers(opts, p, table.rel, ctx, None)
    data, published, gone = prepare_protected(p, opts, table, ctx)
    note = notices.note(gone, ctx)
    if data.empty:
        return f'<div class="cx-chart-withheld">{note}</div>'
    chart = compose(opts, p, data)
    fig = make_figure(chart, _headed(published, p.fields, opts), ctx.config, title=place["title"],
                      description=opts.description or "", validate=False,
                      cache=use_cache(ctx.config, ctx))
    return figure_html(fig, ctx, **place) + note


def _field_title(f: Field, opts: ChartOptions) -> str:
    """What a column is called on the page: its title, its label (labels: {value: Score}), its name."""
    return f.title or opts.labels.get(f.name) or f.name


def _default_title(opts: ChartOptions) -> str:
    f = opts.fields
    measure = f.get("y") or f.get("theta") or f.get("x")
    by = [_field_title(x, opts) for x in (f.get("x"), f.get("color")) if x and x is not measure]
    head = _field_title(measure, opts) if measure else _("Chart")
    head = head[:1].upper() + head[1:]
    return _("%(measure)s by %(groups)s", measure=head, groups=text_fmt.join(by)) if by else head


@lru_cache(maxsize=None)
def _code_key() -> str:
    """The code that turns a block into a figure: a change to it invalidates cached figures."""
    here = Path(__file__).resolve().parent.parent
    sources = [(here / name).read_bytes() for name in
               ("charts/figure.py", "data.py", "blocks/chart.py", "blocks/chartdata.py",
                "privacy/policy.py")]
    return digest(*sources, *(_version(name) for name in ("altair", "pandas")))


def _version(package: str) -> str:
    """A package's version without importing it; listing its folder's dist-info is fastest."""
    spec = importlib.util.find_spec(package)
    if spec and spec.origin:
        site = Path(spec.origin).parent.parent
        infos = [p for p in os.listdir(site) if p.startswith(package + "-") and p.endswith(".dist-info")]
        if len(infos) == 1:
            return infos[0]
    from importlib.metadata import version

    return version(package)


def build_chart(opts: ChartOptions, table: "pd.DataFrame", rel: str,
                ctx: "BlockContext") -> tuple[Any, "pd.DataFrame"]:
    """The Altair chart of a block over its filtered table, and the table to publish with it
    (one row per group when the block aggregates)."""
    tips = _tooltip_columns(opts, lambda names, option: require_columns(
        table, names, rel, ctx=ctx, option=option))
    for f in opts.fields.values():
        require_columns(table, [f.name], rel, ctx=ctx, option=f.channel)
    p = plan(opts, tips, lambda name: column_kind(table, name))
    _check_numbers(opts, p, rel, ctx, table)
    data, published = prepare(p, opts, table, rel)
    return compose(opts, p, data), _headed(published, p.fields, opts)


def _check_numbers(opts: ChartOptions, p: Plan, rel: str, ctx: "BlockContext",
                   table: "pd.DataFrame | None") -> None:
    """theta and size need numbers; the message quotes a cell, except of a protected file."""
    for f in opts.fields.values():
        if f.channel in ("theta", "size") and p.types[f.name] != "quantitative":
            sample = table[f.name].dropna() if table is not None else ()
            raise _fail(f"the column '{f.name}' ('{f.channel}') must hold numbers", ctx,
                        f"check {rel}: '{f.name}' holds text such as '{sample.iloc[0]}'." if len(sample)
                        else f"check the column '{f.name}' in {rel}.")


def compose(opts: ChartOptions, p: Plan, data: "pd.DataFrame") -> Any:
    """The Altair chart of prepared data (aggregated already: no aggregate is left to Vega)."""
    import altair as alt

    opts = replace(opts, aggregate=None, fields=p.fields)
    fields, types = p.fields, p.types
    measure, category = axes(fields, types)
    enc: dict[str, Any] = {}
    for ch, f in fields.items():
        enc[ch] = _encoding(f, types[f.name], opts, data, measure, category)
    if opts.stack in (False, "grouped") and "color" in fields and category is not None \
            and opts.mark == "bar":
        color = fields["color"]  # grouped bars: one bar per colour inside each category
        offset = {"field": field_ref(color.name), "type": types[color.name], "sort": None}
        if category.channel == "x":
            enc["xOffset"] = alt.XOffset(**offset)
        else:
            enc["yOffset"] = alt.YOffset(**offset)
    if opts.tooltip is not False:
        enc["tooltip"] = [_tip(name, types[name], fields, opts, data) for name in p.columns]
    chart = _mark(alt.Chart(drawable(data)), opts).encode(**enc)
    chart = chart.properties(**_dimensions(opts, fields, types, data, measure, category))
    if opts.target is not None:
        chart = _with_target(chart, opts, measure)
    return chart


def _headed(table: "pd.DataFrame", fields: dict[str, Field], opts: ChartOptions) -> "pd.DataFrame":
    """The table and CSV name their columns as the chart does: an axis title or a label (and
    the number of respondents of a protected file's groups in the page's language)."""
    names = {f.name: f.title for f in fields.values() if f.title}
    names = {c: names.get(c) or opts.labels.get(c) or (_("Responses") if c == RESPONSES else c)
             for c in table.columns}
    if len(set(names.values())) < len(names):  # two columns, one title: keep the file's names
        return table
    return table.rename(columns=names)


def _tooltip_columns(opts: ChartOptions, require: Any) -> list[str]:
    if isinstance(opts.tooltip, bool):
        return []
    names = [str(t) for t in (opts.tooltip if isinstance(opts.tooltip, list) else [opts.tooltip])]
    require(names, option="tooltip")
    return names


def _encoding(f: Field, kind: str, opts: ChartOptions, data: "pd.DataFrame",
              measure: Field | None, category: Field | None) -> Any:
    import altair as alt

    ch = f.channel
    # the title as the column is named (Vega-Lite would show the escaped reference)
    kw: dict[str, Any] = {"field": field_ref(f.name), "type": kind, "title": f.name}
    agg = f.aggregate or (opts.aggregate if f is measure else None)
    if f.title is not None:
        kw["title"] = f.title or None  # None: no title at all
    elif agg:  # Vega-Lite would write 'Sum of value' in English
        kw["title"] = aggregate_title(agg, opts.labels.get(f.name, f.name))
    elif f.name in opts.labels:
        kw["title"] = opts.labels[f.name]
    else:
        kw["title"] = readable_name(f.name)  # 'share_of_wallet' reads 'Share of wallet'
    if agg:
        kw["aggregate"] = agg
        if agg == "count":
            kw["type"] = "quantitative"
    number_format = f.format or (opts.format if f is measure or ch == "text" else None)
    date_format = opts.date_format if kind == "temporal" else None
    if ch in ("column", "row"):
        wrap = 60 if ch == "row" else 24
        header = {"labelExpr": _WRAP.format(n=wrap), "title": f.name if f.title is None else f.title}
        if ch == "row":
            header.update(labelAngle=0, labelOrient="top", labelAnchor="start", labelAlign="left",
                          labelPadding=6)
        kw["header"] = alt.Header(**header)
        kw.pop("title", None)
        kw["sort"] = _sort(f, None)
        return (alt.Column if ch == "column" else alt.Row)(**kw)
    if ch in ("x", "y"):
        axis: dict[str, Any] = {}
        if number_format and kind == "quantitative":
            axis["format"] = number_format
        if date_format:
            axis["format"] = date_format
        if kind in ("nominal", "ordinal"):
            longest = int(data[f.name].astype(str).str.len().max() or 0)
            if ch == "y" and longest > 30:
                axis["labelExpr"] = _WRAP.format(n=30)
            elif ch == "x" and longest > 12:
                axis.update(labelExpr=_WRAP.format(n=16), labelAngle=0)
        if axis:
            kw["axis"] = alt.Axis(**axis)
        if f is category or (kind in ("nominal", "ordinal") and measure is not None):
            kw["sort"] = _sort(f, opts.sort)
        elif f.sort != "unset":
            kw["sort"] = _sort(f, None)
        if f is measure and opts.stack is not None:
            kw["stack"] = {True: "zero", False: None, "grouped": None}.get(opts.stack, opts.stack)
        return (alt.X if ch == "x" else alt.Y)(**kw)
    if ch == "color":
        if kind in ("nominal", "ordinal"):
            kw["sort"] = _sort(f, None)
        legend: Any = {}
        if opts.legend == "none" or (category is not None and category.name == f.name):
            legend = None  # the axis already names each colour
        elif opts.legend:
            legend = {"orient": opts.legend}
        if kind == "nominal" and data[f.name].astype(str).str.len().max() > 30:
            legend = legend if legend is None else {**legend, "labelExpr": _WRAP.format(n=30)}
        if legend != {}:
            kw["legend"] = alt.Legend(**legend) if legend else None
        return alt.Color(**kw)
    if ch == "theta":
        if opts.stack is not None:
            kw["stack"] = True
        return alt.Theta(**kw)
    if ch == "size":
        return alt.Size(**kw)
    if ch == "text":
        if number_format and kind == "quantitative":
            kw["format"] = number_format
        if date_format:
            kw["format"] = date_format
        return alt.Text(**kw)
    raise AssertionError(ch)  # pragma: no cover


def _sort(f: Field, block_sort: Any) -> Any:
    """Categories keep the order of the data file unless the author sorts them."""
    sort = f.sort if f.sort != "unset" else block_sort
    if sort in (None, "none"):
        return None
    return sort


def _tip(name: str, kind: str, fields: dict[str, Field], opts: ChartOptions,
         data: "pd.DataFrame") -> Any:
    import altair as alt

    f = next((x for x in fields.values() if x.name == name and x.channel not in ("column", "row")), None)
    kw: dict[str, Any] = {"field": field_ref(name), "type": kind, "title": name}
    if f is not None and (f.aggregate or (opts.aggregate and f.channel in ("x", "y", "theta")
                                          and kind == "quantitative")):
        kw["aggregate"] = f.aggregate or opts.aggregate
    if f is not None and f.title:
        kw["title"] = f.title
    elif "aggregate" in kw:
        kw["title"] = aggregate_title(kw["aggregate"], opts.labels.get(name, name))
    elif name in opts.labels:
        kw["title"] = opts.labels[name]
    elif name == RESPONSES:
        kw["title"] = _("Responses")
    else:
        kw["title"] = readable_name(name)
    if kind == "quantitative":
        fmt = (f.format if f else None) or opts.format
        if fmt:
            kw["format"] = fmt
    elif kind == "temporal":
        kw["format"] = opts.date_format or _date_format(data[name])
    return alt.Tooltip(**kw)


def _date_format(dates: "pd.Series") -> str:
    """A tooltip date format that does not invent a day for monthly or yearly data, written the
    reader's way (Mar 2026, 2026年3月)."""
    d = dates.dropna()
    if not d.empty and (d.dt.day == 1).all():
        yearly = (d.dt.month == 1).all() and d.dt.year.nunique() == len(d.unique())
        return text_fmt.chart_date_format("y" if yearly else "yMMM")
    return text_fmt.chart_date_format("yMMMd")


def _mark(chart: Any, opts: ChartOptions) -> Any:
    if opts.mark == "line":
        return chart.mark_line(point=opts.point)
    if opts.mark == "area":
        return chart.mark_area(line=True, opacity=0.7 if "color" not in opts.fields else 0.85)
    if opts.mark == "point":
        return chart.mark_point()
    if opts.mark == "bar":
        return chart.mark_bar()
    if opts.mark == "arc":
        return chart.mark_arc()
    if opts.mark == "rule":
        return chart.mark_rule()
    return chart.mark_text()


def _dimensions(opts: ChartOptions, fields: dict[str, Field], types: dict[str, str],
                data: "pd.DataFrame", measure: Field | None, category: Field | None) -> dict:
    """Width and height: what the author asked for, else sized to the number of categories."""
    out: dict[str, Any] = {}
    faceted_cols, faceted_rows = "column" in fields, "row" in fields
    grouped = opts.stack in (False, "grouped") and "color" in fields and opts.mark == "bar"
    groups = data[fields["color"].name].nunique() if grouped else 1
    if opts.mark == "arc":
        return {"width": opts.width or 300, "height": opts.height or 300}
    for ch, size in (("x", opts.width), ("y", opts.height)):
        dim = "width" if ch == "x" else "height"
        if size is not None:
            out[dim] = size
            continue
        f = fields.get(ch)
        discrete = f is not None and types[f.name] in ("nominal", "ordinal") and not f.aggregate
        if discrete:
            n = max(1, data[f.name].nunique())
            if ch == "x":
                step = max(24, min(90, (WIDTH // 2 if faceted_cols else WIDTH) // n), 14 * groups + 6)
            else:
                lines = 1 + int(data[f.name].astype(str).str.len().max() or 0) // 30
                step = max(22, 14 * lines + 8, 16 * groups + 8)
            # with grouped bars a bare step would size each bar of a group, not the group
            out[dim] = {"step": int(step), "for": "position"} if grouped else {"step": int(step)}
        elif ch == "x":
            out[dim] = 240 if faceted_cols else WIDTH
        else:
            out[dim] = 180 if faceted_rows else 300
    return out


def _with_target(chart: Any, opts: ChartOptions, measure: Field | None) -> Any:
    import altair as alt
    import pandas as pd

    channel = measure.channel if measure is not None and measure.channel in ("x", "y") else "y"
    # the rule's axis title is the measure's, so the shared axis is not titled 'value, Target'
    if measure is None:
        title = _("Target")
    elif measure.title is not None:
        title = measure.title
    else:
        agg = measure.aggregate or opts.aggregate
        title = aggregate_title(agg, opts.labels.get(measure.name, measure.name)) if agg else \
            opts.labels.get(measure.name, measure.name)
    axis = {"field": "target", "type": "quantitative", "title": title or None}
    tip = {"field": "target", "type": "quantitative", "title": _("Target")}
    if opts.format:
        tip["format"] = opts.format
    rule = alt.Chart(pd.DataFrame({"target": [opts.target]})).mark_rule(
        strokeDash=[6, 4], strokeWidth=1.5).encode(
        **{channel: alt.X(**axis) if channel == "x" else alt.Y(**axis), "tooltip": [alt.Tooltip(**tip)]})
    return alt.layer(chart, rule)


# --- Vega-Lite specs: a ```vega-lite block or a file ----------------------------------------
def render_vegalite(source: str, ctx: "BlockContext") -> str:
    """A ```vega-lite block: a raw Vega-Lite spec, JSON or YAML; data only from data/."""
    spec = _parse_spec(source, ctx.file, (ctx.line or 0) + 1)
    return _spec_figure(spec, ctx, {})


def _parse_spec(text: str, file: str, first_line: int) -> dict:
    if text.lstrip().startswith("{"):
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SiteError(f"the Vega-Lite spec is not valid JSON: {exc.msg}", file=file,
                            line=first_line + exc.lineno - 1,
                            hint="check for a missing comma or quote near that line.") from None
    else:
        spec = parse_yaml(text, file=file, first_line=first_line, what="the Vega-Lite spec")
    if not isinstance(spec, dict):
        raise SiteError("the Vega-Lite spec must be a JSON object or a YAML mapping", file=file,
                        line=first_line, hint="start it with '{' (JSON) or 'mark: bar' (YAML).")
    check_generators(spec, file, first_line)
    return spec


def _spec_file_chart(options: dict, ctx: "BlockContext") -> str:
    path, rel = _site_file(options["spec"], "spec", ctx, (".json", ".yaml", ".yml"))
    ctx.add_input(rel)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(f"the Vega-Lite file {rel} is not UTF-8 text", ctx,
                    "save it as UTF-8 in your editor.") from None
    spec = _parse_spec(text, rel, 1)
    if options.get("data") is not None:
        with at_block(ctx):
            table = load_table(options["data"], ctx, what="a chart drawn from a Vega-Lite file")
            table = apply_where(table, options.get("where"), data_path(options["data"], ctx), ctx)
        spec = {k: v for k, v in spec.items() if k not in ("data", "datasets")}
        spec["data"] = {"values": _records(table)}
    elif options.get("where") is not None:
        raise _fail("'where' needs 'data': the file to filter", ctx,
                    "add 'data: your_file.csv', or filter inside the Vega-Lite spec.")
    return _spec_figure(spec, ctx, options)


def _spec_figure(spec: dict, ctx: "BlockContext", options: dict) -> str:
    spec = _inline_urls(spec, ctx)
    title = _text(options, "title", ctx) or _spec_title(spec) or _("Chart")
    description = _text(options, "description", ctx) or str(spec.get("description") or "")
    spec.pop("title", None)  # the caption shows it; drawn twice otherwise
    table = table_from_spec(spec)
    return render_figure(spec, table, ctx, title=title, description=description,
                         csv_name=_text(options, "csv", ctx), source=_text(options, "source", ctx))


def _spec_title(spec: dict) -> str | None:
    title = spec.get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(map(str, title))
    return str(title) if title else None


def _records(table: "pd.DataFrame") -> list[dict]:
    return json.loads(table.to_json(orient="records", date_format="iso", force_ascii=False))


def _inline_urls(spec: Any, ctx: "BlockContext") -> Any:
    """Replace data: {url: file.csv} by the file's rows from data/; refuse any other URL."""
    if isinstance(spec, list):
        return [_inline_urls(v, ctx) for v in spec]
    if not isinstance(spec, dict):
        return spec
    out = {k: _inline_urls(v, ctx) for k, v in spec.items()}
    data = out.get("data")
    if isinstance(data, dict) and "url" in data:
        url = str(data["url"])
        if "://" in url or url.startswith(("/", "//")) or ":" in url.split("/")[0]:
            raise _fail(f"the chart loads data from '{url}'", ctx,
                        "pages may not fetch anything from other sites: save the data in the data/ "
                        "folder and write its name, e.g. 'url: kpi_monthly.csv'.")
        with at_block(ctx):
            table = load_table(url, ctx, what="a Vega-Lite chart")
        out["data"] = {"values": _records(table)}
    return out


# --- Python chart modules -------------------------------------------------------------------
def _site_file(value: Any, option: str, ctx: "BlockContext", suffixes: tuple[str, ...]) -> tuple[Path, str]:
    """A file in charts/ or data/ of the site, named as 'charts/x.py' or just 'x.py'."""
    source = ctx.config.source
    if not isinstance(value, str) or not value.strip():
        raise _fail(f"'{option}' must name a file in charts/ or data/", ctx,
                    f"write for example '{option}: charts/my_chart{suffixes[0]}'.")
    clean = posixpath.normpath(value.strip().replace("\\", "/"))
    if clean.startswith(("/", "..")) or ":" in clean.split("/")[0]:
        raise _fail(f"the file '{value}' is outside the charts/ and data/ folders", ctx,
                    f"put it in charts/ and write '{option}: charts/{posixpath.basename(clean)}'.")
    first = clean.split("/")[0]
    candidates = [clean] if first in CODE_FOLDERS and "/" in clean else \
        [f"{folder}/{clean}" for folder in CODE_FOLDERS]
    for rel in candidates:
        path = source / rel
        try:
            inside = any(path.resolve().is_relative_to((source / folder).resolve())
                         for folder in CODE_FOLDERS)
        except OSError:
            inside = False
        if path.is_file():
            if not inside:
                raise _fail(f"the file '{value}' is outside the charts/ and data/ folders", ctx,
                            "move the file itself into charts/.")
            if not rel.lower().endswith(suffixes):
                raise _fail(f"'{option}' must name a {' or '.join(suffixes)} file, not '{value}'", ctx)
            return path, rel
    existing = sorted(p.relative_to(source).as_posix() for folder in CODE_FOLDERS
                      if (source / folder).is_dir() for p in (source / folder).rglob("*")
                      if p.is_file() and p.name.lower().endswith(suffixes))
    raise _fail(f"there is no file '{value}' in charts/ or data/", ctx,
                did_you_mean(clean, existing) if existing else
                f"create it as charts/{posixpath.basename(clean)}.")


def _python_chart(options: dict, ctx: "BlockContext") -> str:
    path, rel = _site_file(options["python"], "python", ctx, (".py",))
    ctx.add_input(rel)
    if not ctx.config.run_code:  # `check` runs no one's code: it reads the module only
        code = _compile_module(path, rel)
        if not any(isinstance(node, ast.FunctionDef) and node.name == "chart" for node in code.body):
            raise _no_chart_function(rel, ctx)
        return '<figure class="cx-chart"></figure>'
    module = _run_module(path, rel)
    fn = getattr(module, "chart", None)
    if not callable(fn):
        raise _no_chart_function(rel, ctx)

    def data(name: str, where: Any = None) -> "pd.DataFrame":
        """A copy of a table from data/, optionally filtered like a block's 'where'."""
        with at_block(ctx):
            table = load_table(name, ctx, what="a python: chart module")
            table = apply_where(table, where, data_path(name, ctx), ctx) if where else table
        return table.copy()

    try:
        takes_data = bool(inspect.signature(fn).parameters)
        result = fn(data) if takes_data else fn()
    except SiteError:
        raise
    except Exception as exc:  # the analyst's code: report where it failed, never a traceback
        raise _module_error(exc, path, rel) from None
    if not (isinstance(result, dict) or hasattr(result, "to_dict")):
        raise _fail(f"chart() in {rel} returned {type(result).__name__}, not an Altair chart", ctx,
                    "end chart() with 'return alt.Chart(table).mark_bar().encode(...)'.")
    try:
        spec = _to_dict(result)
    except SiteError:
        raise
    except Exception as exc:
        raise _fail(f"the chart returned by chart() in {rel} is not valid: {exc}", ctx,
                    "check the encodings of the chart.") from None
    return _spec_figure(spec, ctx, options)


def _to_dict(result: Any) -> dict:
    if isinstance(result, dict):
        return result
    import altair as alt

    try:
        with alt.data_transformers.enable("default", max_rows=None), alt.theme.enable("none"):
            return result.to_dict()
    except alt.utils.schemapi.SchemaValidationError as exc:
        first = str(exc).strip().splitlines()[0]
        raise SiteError(f"the chart returned by chart() is not valid: {first}",
                        hint="check the encodings of the chart.") from None


def _no_chart_function(rel: str, ctx: "BlockContext") -> SiteError:
    return _fail(f"the chart module {rel} has no function 'chart()'", ctx,
                 "define 'def chart(data):' that returns an Altair chart; "
                 "data('file.csv') gives a table from data/.")


def _compile_module(path: Path, rel: str) -> ast.Module:
    """The module's syntax tree; a syntax error names its line."""
    try:
        return ast.parse(path.read_bytes(), str(path))
    except SyntaxError as exc:
        raise SiteError(f"the chart module has a syntax error: {exc.msg}", file=rel, line=exc.lineno,
                        hint="check the brackets, quotes and indentation on that line.") from None


def _run_module(path: Path, rel: str) -> Any:
    name = "cxsite_chart_" + digest(rel)[:12]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    code = compile(_compile_module(path, rel), str(path), "exec")
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)  # noqa: S102 (an analyst's own chart module, by design)
    except Exception as exc:
        raise _module_error(exc, path, rel) from None
    finally:
        sys.modules.pop(name, None)
    return module


def _module_error(exc: Exception, path: Path, rel: str) -> SiteError:
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if Path(f.filename).resolve() == path.resolve()]
    line = frames[-1].lineno if frames else None
    return SiteError(f"the chart module failed: {type(exc).__name__}: {exc}", file=rel, line=line,
                     hint="fix the Python code at that line; run the module on its own to test it.")
