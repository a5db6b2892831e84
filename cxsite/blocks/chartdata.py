"""The data a chart block draws: its columns typed, and, when the block aggregates (`aggregate:`
or an axis's own aggregate), the groups computed here rather than in the browser, so the page,
its chart data and its CSV carry one row per bar or point, never the rows of the file.

A file that is not protected is aggregated with pandas (any aggregate). A protected file is
aggregated through cxsite.privacy: only sum, mean and count, each group with its number of
respondents (`Responses`), groups too small or withheld by the site-wide audit left out and
named under the chart, values rounded to what the page shows.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable

from ..data import to_dates, to_numbers
from ..i18n import _
from ..privacy import notices
from ..rounding import published_series
from ..privacy.query import Key

if TYPE_CHECKING:
    import pandas as pd

    from ..privacy.table import ProtectedTable, Withheld
    from .chart import ChartOptions, Field

RESPONSES = "Responses"  # the column giving each group's number of respondents
LINEAR = ("sum", "mean", "count")  # aggregates that a protected file allows
_KEY_KINDS = {"nominal": "text", "ordinal": "text", "temporal": "date", "quantitative": "number"}


@dataclass
class Plan:
    """What a chart block's data will hold, decided from its options and its columns' kinds."""

    fields: dict[str, "Field"]  # channel -> field as drawn (an aggregated one names its result)
    types: dict[str, str]  # column -> Vega-Lite type
    columns: list[str]  # the data's columns in order (tooltips follow it)
    keys: list[str]  # the columns that make a group, when the block aggregates
    results: dict[str, tuple[str, str]]  # result column -> (source column, aggregate)

    @property
    def aggregates(self) -> bool:
        return bool(self.results)


def axes(fields: dict[str, "Field"], types: dict[str, str]) -> tuple["Field | None", "Field | None"]:
    """(measure, category): the numeric axis and the other one, when the chart has both."""
    x, y = fields.get("x"), fields.get("y")
    if x and y:
        xq, yq = types[x.name] == "quantitative", types[y.name] == "quantitative"
        if yq and not xq:
            return y, x
        if xq and not yq:
            return x, y
        return (y, None) if yq else (None, None)
    if "theta" in fields:
        return fields["theta"], fields.get("color")
    return (x or y), None


def plan(opts: "ChartOptions", tips: list[str], kind_of: Callable[[str], str]) -> Plan:
    """Types every column the block uses ('number', 'date' or 'text' from kind_of) and, when it
    aggregates, which columns group the rows and which results the groups get."""
    fields = opts.fields
    used = list(dict.fromkeys([f.name for f in fields.values()] + tips))
    types: dict[str, str] = {}
    for name in used:
        forced = next((f.type for f in fields.values() if f.name == name and f.type), None)
        kind = forced or {"number": "quantitative", "date": "temporal"}.get(kind_of(name), "nominal")
        if opts.mark == "arc" and fields["theta"].name == name:
            kind = "quantitative"
        types[name] = kind
    measure, _category = axes(fields, types)
    aggs = {ch: f.aggregate or (opts.aggregate if f is measure else None) for ch, f in fields.items()}
    aggs = {ch: a for ch, a in aggs.items() if a}
    if not aggs:
        return Plan(dict(fields), types, used, [], {})
    sources = {fields[ch].name for ch in aggs}
    keys = list(dict.fromkeys([f.name for ch, f in fields.items() if ch not in aggs]
                              + [t for t in tips if t not in sources]))
    drawn, results = dict(fields), {}
    for ch, how in aggs.items():
        f = fields[ch]
        out = f.name
        if out in keys or (out in results and results[out] != (f.name, how)):
            out = f"{f.name} ({how})"
        results[out] = (f.name, how)
        title = f.title if f.title is not None else aggregate_title(how, opts.labels.get(f.name, f.name))
        drawn[ch] = replace(f, name=out, title=title, aggregate=None,
                            type="quantitative" if how == "count" else f.type)
        types[out] = "quantitative"
    columns = []
    for name in used:
        columns += [out for out, (src, _) in results.items() if src == name] if name in sources \
            and name not in keys else [name]
    columns += [out for out in results if out not in columns]
    return Plan(drawn, types, list(dict.fromkeys(columns)), keys, results)


def aggregate_title(how: str, name: str) -> str:
    """An aggregated column's title, in the page's language: 'Sum of value'."""
    return {"sum": _("Sum of %(field)s", field=name), "mean": _("Mean of %(field)s", field=name),
            "median": _("Median of %(field)s", field=name), "min": _("Min of %(field)s", field=name),
            "max": _("Max of %(field)s", field=name), "count": _("Count of Records")}[how]


def typed(frame: "pd.DataFrame", names: list[str], types: dict[str, str], rel: str) -> "pd.DataFrame":
    """The columns as the chart reads them: numbers as numbers, dates as dates."""
    import pandas as pd

    out = pd.DataFrame(index=range(len(frame)))
    for name in names:
        if types[name] == "quantitative":
            out[name] = to_numbers(frame, name, rel).reset_index(drop=True)
        elif types[name] == "temporal":
            out[name] = to_dates(frame, name, rel).reset_index(drop=True)
        else:
            out[name] = frame[name].reset_index(drop=True)
    return out


def prepare(p: Plan, opts: "ChartOptions", frame: "pd.DataFrame",
            rel: str) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """(data to draw, table to publish) for rows of a file that is not protected (or rows of a
    protected file that are groups already)."""
    if not p.aggregates:
        data = typed(frame, p.columns, p.types, rel)
        published = frame[p.columns].reset_index(drop=True)
        return _labelled(data, published, p, opts)
    sources = list(dict.fromkeys(src for src, _ in p.results.values()))
    values = typed(frame, list(dict.fromkeys(p.keys + sources)), p.types, rel)
    group = values.groupby(p.keys, dropna=False, sort=False).ngroup() if p.keys else \
        values.index.to_series() * 0
    grouped = values.groupby(group.to_numpy(), sort=True)
    data = grouped[p.keys].first().reset_index(drop=True) if p.keys else \
        _one_row()
    raw = frame[p.keys].reset_index(drop=True).groupby(group.to_numpy(), sort=True).first() \
        .reset_index(drop=True) if p.keys else _one_row()
    for out, (src, how) in p.results.items():
        result = grouped[src].size() if how == "count" else grouped[src].agg(how)
        data[out] = result.to_numpy()
        raw[out] = result.to_numpy()
    return _labelled(data[p.columns], raw[p.columns], p, opts)


def prepare_protected(p: Plan, opts: "ChartOptions", table: "ProtectedTable",
                      ctx: Any) -> tuple["pd.DataFrame", "pd.DataFrame", list[tuple[str, "Withheld"]]]:
    """(data, table to publish, groups withheld) for a protected file: its groups through the
    privacy layer, each with its number of respondents, values rounded to what the page shows."""
    import pandas as pd

    found = table.protection
    if not p.aggregates:
        if found.answers:
            raise notices.needs_aggregate(found, ctx)
        rows = table.rows(where=opts.where, label=_label)
        data, published = prepare(p, opts, rows.frame, found.rel)
        for name in p.columns:
            if p.types[name] == "quantitative" and name != found.size:
                data[name] = published_series(data[name], _decimals(p, opts, name))
                published[name] = data[name]
        return data, published, [(_label(tuple(w.names.values())), w) for w in rows.withheld]
    for _source, how in p.results.values():
        if how not in LINEAR:
            raise notices.not_linear(found, how, ctx)
    keys = [Key(name, _KEY_KINDS[p.types[name]]) for name in p.keys]
    needs = sorted({src for src, how in p.results.values() if how != "count"})

    def measure(rows: "pd.DataFrame") -> "pd.DataFrame":
        out = pd.DataFrame(index=rows.index)
        size = to_numbers(rows, found.size, found.rel) if found.size else None
        for i, (src, how) in enumerate(p.results.values()):
            if how == "count" and size is None:
                continue  # answers: the count is n
            x = size if how == "count" or src == found.size else to_numbers(rows, src, found.rel)
            weight = 1.0 if size is None or src == found.size else size
            out[f"x{i}"] = x * weight if how == "mean" else x
            out[f"w{i}"] = weight
        return out

    groups = table.groups(where=opts.where, keys=keys, needs=needs, measure=measure,
                          measure_id=json.dumps(sorted(p.results.items())), label=_label)
    t = groups.table
    data = pd.DataFrame({name: _typed_labels(t[name], p.types[name]) for name in p.keys},
                        index=t.index)
    for i, (out, (src, how)) in enumerate(p.results.items()):
        if how == "count" and found.answers:
            value = t["n"].astype("float64")
        elif how == "mean":
            value = t[f"x{i}"] / t[f"w{i}"].where(t[f"w{i}"] > 0)
        else:
            value = t[f"x{i}"]
        data[out] = published_series(value, _decimals(p, opts, out))
    data[RESPONSES] = t["n"].astype("int64")
    columns = p.columns + [RESPONSES]
    p.columns[:] = columns
    p.types[RESPONSES] = "quantitative"
    data, published = _labelled(data[columns].reset_index(drop=True),
                                data[columns].reset_index(drop=True), p, opts)
    return data, published, [(_label(tuple(w.names.values())), w) for w in groups.withheld]


def _label(group: tuple[str, ...]) -> str:
    """A group as a note names it: its labels, e.g. 'Business / Call centre' (a note lists
    groups with commas, so one group's labels are not joined with one)."""
    return " / ".join(g for g in group if g)


def _typed_labels(labels: "pd.Series", kind: str) -> "pd.Series":
    import pandas as pd

    if kind == "temporal":
        return pd.to_datetime(labels)
    if kind == "quantitative":
        return pd.to_numeric(labels)
    return labels


def _decimals(p: Plan, opts: "ChartOptions", column: str) -> int:
    """The decimals a value is shown with: those of its format ('.1f', '.0%'), else 1."""
    fmt = next((f.format for f in p.fields.values() if f.name == column and f.format), None) \
        or opts.format or ""
    m = re.search(r"\.(\d+)", fmt)
    decimals = int(m.group(1)) if m else 1
    return decimals + 2 if fmt.endswith("%") else decimals


def _one_row() -> "pd.DataFrame":
    import pandas as pd

    return pd.DataFrame(index=range(1))


def _labelled(data: "pd.DataFrame", published: "pd.DataFrame", p: Plan,
              opts: "ChartOptions") -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """Show 'Share of wallet' for share_of_wallet (the block's `labels`), in chart and table."""
    if opts.labels:
        for name in p.columns:
            if p.types[name] == "nominal":
                data[name] = data[name].map(lambda v: opts.labels.get(str(v), v))
                published[name] = data[name]
    return data, published
