"""The kpi block (scorecards, or charts over time) and the {{kpi name}} citation."""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import fmt
from ...errors import Problem, SiteError, did_you_mean
from .data import Definition, KpiData, definition, definitions, kpi_data, period_label
from ...blocks.options import Options
from ...privacy import notices

if TYPE_CHECKING:
    import pandas as pd

    from ...blocks import BlockContext

OPTIONS = ("data", "show", "segment", "compare", "chart", "by", "title")
COMPARE = ("previous", "last-year")


@dataclass(frozen=True)
class Change:
    """The latest value against the one it is compared with."""

    delta: float
    since: str  # label of the compared period

    def words(self, d: Definition) -> tuple[str, str, str]:
        """(arrow, text, verdict): '▲', 'up 2.1 points since Sep 2026', 'better'."""
        unit = fmt.change_unit(d.unit)
        size = fmt.with_unit(abs(self.delta), unit, d.decimals)
        if round(self.delta, d.decimals) == 0:
            return "▶", f"no change since {self.since}", "same"
        arrow, way = ("▲", "up") if self.delta > 0 else ("▼", "down")
        return arrow, f"{way} {size} since {self.since}", "better" if d.better(self.delta) else "worse"


def render_block(options: dict, ctx: "BlockContext") -> str:
    opts = Options(options, ctx, "kpi", OPTIONS)
    data = opts.text("data")
    segment = opts.text("segment")
    compare = opts.choice("compare", COMPARE, "previous")
    chart = opts.flag("chart")
    by = opts.text("by")
    if by and not chart:
        opts.fail("'by' splits a chart into lines, so it needs 'chart: true'",
                  "add 'chart: true' to the block, or remove 'by'.", key="by")
    defs = definitions(ctx)
    show = opts.names("show") or list(defs)
    for kpi in show:
        if kpi not in defs:
            opts.fail(f"there is no KPI '{kpi}' in data/{ctx.config.kpi_definitions}",
                      did_you_mean(kpi, defs) + " 'show' lists KPIs by their 'kpi:' name.",
                      key="show")
    series = [kpi_data(defs[k], ctx, data=data, segment=segment, by=by) for k in show]
    if chart:
        return "\n".join(_chart(s, ctx, by, opts.text("title")) for s in series)
    title = opts.text("title")
    cards = "\n".join(_card(s, ctx, compare) for s in series)
    head = f'<h3 class="cx-kpis-title">{fmt.html(title)}</h3>' if title else ""
    label = fmt.html(title or "Key performance indicators")
    return f'<section class="cx-kpis" aria-label="{label}">{head}<div class="cx-kpi-grid">{cards}</div></section>'


# --- cards --------------------------------------------------------------------------------
def latest(s: KpiData) -> "pd.Series":
    """The most recent period of the series (it may be suppressed)."""
    return s.frame.iloc[-1]


def compared(s: KpiData, compare: str, min_n: int) -> tuple["pd.Series | None", str | None]:
    """The row the latest value is compared with, or None and why not."""
    frame, last = s.frame, latest(s)
    if compare == "last-year":
        key = str(last["key"])
        wanted = f"{int(key[:4]) - 1:04d}{key[4:]}"  # 2026-03 -> 2025-03, 2026-Q1 -> 2025-Q1
        rows = frame[frame["key"] == wanted]
        if rows.empty:
            return None, f"no value for {_label(wanted)} to compare with"
        row = rows.iloc[0]
    else:
        if len(frame) < 2:
            return None, "no earlier value to compare with"
        row = frame.iloc[-2]
    if row["suppressed"]:
        return None, notices.no_comparison(row["label"], row["withheld"].reason, min_n)
    return row, None


def _label(key: str) -> str:
    try:
        return period_label(key)
    except ValueError:  # 29 February a year later
        return key


def _card(s: KpiData, ctx: "BlockContext", compare: str) -> str:
    d, last = s.definition, latest(s)
    segment = f' <span class="cx-kpi-segment">({fmt.html(s.segment)})</span>' if s.segment else ""
    parts = [f'<h3 class="cx-kpi-name">{fmt.html(d.name)}{segment}</h3>']
    status = "none"
    if last["suppressed"]:
        why = notices.short(last["withheld"].reason, ctx.config.min_group_size)
        parts.append(f'<p class="cx-kpi-value cx-kpi-small">{fmt.html(why)}</p>')
    else:
        value = float(last["value"])
        parts.append(f'<p class="cx-kpi-value">{fmt.html(fmt.with_unit(value, d.unit, d.decimals))}</p>')
        parts.append(_change_html(s, compare, ctx))
        target = last["target"]
        if target == target:  # not NaN
            ok = d.on_track(value, float(target))
            status = "on" if ok else "off"
            gap = abs(value - float(target))
            word = ("above" if value > target else "below") if not ok else ""
            detail = "" if ok else f": {fmt.with_unit(gap, fmt.change_unit(d.unit), d.decimals)} {word} target"
            parts.append(
                f'<p class="cx-kpi-target">Target {fmt.html(fmt.with_unit(float(target), d.unit, d.decimals))}'
                f' · <strong class="cx-kpi-status cx-{status}">{"on track" if ok else "off track"}</strong>'
                f"{fmt.html(detail)}</p>")
    parts.append(sparkline(s))
    meta = [fmt.html(last["label"])]
    if s.responses and not last["suppressed"]:
        meta.append(f"{int(last['n']):,} responses, margin of error ±"
                    f"{fmt.html(fmt.with_unit(float(last['moe']), moe_unit(d), d.decimals))}")
    if d.source:
        meta.append("Source: " + fmt.html(d.source))
    parts.append(f'<p class="cx-kpi-meta">{" · ".join(meta)}</p>')
    return f'<article class="cx-kpi cx-kpi-{status}">{"".join(parts)}</article>'


def _change_html(s: KpiData, compare: str, ctx: "BlockContext") -> str:
    row, why = compared(s, compare, ctx.config.min_group_size)
    if row is None:
        return f'<p class="cx-kpi-change cx-same">{fmt.html(why)}</p>'
    change = Change(float(latest(s)["value"]) - float(row["value"]), str(row["label"]))
    arrow, text, verdict = change.words(s.definition)
    spoken = {"better": "an improvement", "worse": "a deterioration", "same": "unchanged"}[verdict]
    return (f'<p class="cx-kpi-change cx-{verdict}"><span aria-hidden="true">{arrow}</span> '
            f'{fmt.html(text)}<span class="visually-hidden">, {spoken}</span>'
            f'<span class="cx-kpi-verdict" aria-hidden="true"> ({verdict})</span></p>'
            if verdict != "same" else
            f'<p class="cx-kpi-change cx-same"><span aria-hidden="true">{arrow}</span> {fmt.html(text)}</p>')


def sparkline(s: KpiData, width: int = 120, height: int = 32) -> str:
    """A small inline SVG of the published values, with the target dashed, and a spoken summary."""
    d = s.definition
    shown = s.frame[~s.frame["suppressed"]]
    if len(shown) < 2:
        return ""
    values = [float(v) for v in shown["value"]]
    target = shown["target"].iloc[-1]
    has_target = target == target
    lo = min(values + ([float(target)] if has_target else []))
    hi = max(values + ([float(target)] if has_target else []))
    span = (hi - lo) or 1.0
    frame = s.frame
    pad = 3
    step = (width - 2 * pad) / max(len(frame) - 1, 1)

    def y(v: float) -> float:
        return round(height - pad - (v - lo) / span * (height - 2 * pad), 1)

    # One polyline per run of published periods: a suppressed period leaves a gap.
    runs, run = [], []
    for i, row in enumerate(frame.itertuples()):
        if row.suppressed:
            runs, run = runs + [run] if run else runs, []
        else:
            run.append(f"{round(pad + i * step, 1)},{y(float(row.value))}")
    if run:
        runs.append(run)
    lines = "".join(f'<polyline points="{" ".join(r)}"/>' for r in runs)
    last_x, last_y = round(pad + (len(frame) - 1) * step, 1), y(values[-1])
    dot = f'<circle cx="{last_x}" cy="{last_y}" r="2.5"/>' if not frame["suppressed"].iloc[-1] else ""
    goal = (f'<line class="cx-spark-target" x1="{pad}" x2="{width - pad}" y1="{y(float(target))}" '
            f'y2="{y(float(target))}"/>') if has_target else ""
    first, lastrow = shown.iloc[0], shown.iloc[-1]
    label = (f"Trend from {first['label']} to {lastrow['label']}: from "
             f"{fmt.with_unit(values[0], d.unit, d.decimals)} to {fmt.with_unit(values[-1], d.unit, d.decimals)}"
             + (f"; target {fmt.with_unit(float(target), d.unit, d.decimals)}" if has_target else ""))
    return (f'<svg class="cx-spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{fmt.html(label)}"><title>{fmt.html(label)}</title>'
            f"{goal}{lines}{dot}</svg>")


# --- charts -------------------------------------------------------------------------------
def _chart(s: KpiData, ctx: "BlockContext", by: str | None, title: str | None) -> str:
    import altair as alt
    import pandas as pd

    from ...charts.fields import field_ref
    from ...charts.figure import render_figure

    d = s.definition
    shown = s.frame[~s.frame["suppressed"]].copy()
    if shown.empty:  # nothing to draw: the note says what is missing and why
        if all(w.reason == "small" for w in s.frame["withheld"]):
            ctx.warnings.append(Problem(
                f"the chart of '{d.kpi}' is empty: every period has "
                f"{notices.small(ctx.config.min_group_size)}", file=ctx.file, line=ctx.line,
                hint="group the answers by a longer period ('period: quarter' in the definition) "
                     "or remove 'by'.", severity="warning"))
        return _suppressed_note(s, ctx, by)
    unit = f" ({d.unit})" if d.unit else ""
    name = title or (d.name + (f" by {by}" if by else "") + (f", {s.segment}" if s.segment else ""))
    data = pd.DataFrame({"period": shown["start"].dt.strftime("%Y-%m-%d"), "label": shown["label"],
                         "value": shown["value"]})  # rounded once, in kpi_data
    if by:
        data[by] = shown["group"]
    if s.responses:
        data["moe"] = shown["moe"]
        # the 95% range from the published value and margin (.round() only clears float noise)
        data["low"] = (shown["value"] - shown["moe"]).round(d.decimals)
        data["high"] = (shown["value"] + shown["moe"]).round(d.decimals)
        data["n"] = shown["n"].astype(int)
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    y = alt.Y("value:Q", title=d.name + unit, scale=alt.Scale(zero=False))
    color = alt.Color(field=field_ref(by), type="nominal", title=by) if by else \
        alt.value(ctx.config.colors[0])
    # The band uses 'fill', a scale of its own with the same colours, so the legend shows lines.
    band_fill = alt.Fill(field=field_ref(by), type="nominal", legend=None) if by else \
        alt.value(ctx.config.colors[0])
    # Margin-of-error bands help for one or two lines; with more they hide each other.
    bands = s.responses and (not by or data[by].nunique() <= 2)
    tooltip = [alt.Tooltip("label:N", title="Period"), alt.Tooltip("value:Q", title=d.name)]
    if by:
        tooltip.insert(0, alt.Tooltip(field=field_ref(by), type="nominal", title=by))
    if s.responses:
        tooltip += [alt.Tooltip("n:Q", title="Responses", format=","),
                    alt.Tooltip("low:Q", title="95% range from"), alt.Tooltip("high:Q", title="to")]
    base = alt.Chart(data)
    layers = []
    if bands:
        layers.append(base.mark_area(opacity=0.15).encode(x=x, y=alt.Y("low:Q"), y2="high:Q", fill=band_fill))
    layers.append(base.mark_line(point=True).encode(x=x, y=y, color=color, tooltip=tooltip))
    target = shown["target"].dropna()
    if len(target):
        goal = pd.DataFrame({"target": [float(target.iloc[-1])], "label": ["Target"]})
        rule = alt.Chart(goal).mark_rule(strokeDash=[6, 4], color="#555555")
        layers.append(rule.encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title="Target")]))
        layers.append(alt.Chart(goal).mark_text(align="left", dx=4, dy=-6, color="#333333").encode(
            y="target:Q", x=alt.value(0), text="label:N"))
    chart = alt.layer(*layers).properties(height=260)
    table = _table(s, data, by)
    description = _describe(s, shown, by, bands)
    html = render_figure(chart, table, ctx, title=name, description=description,
                         csv_name=f"{d.kpi}{'-' + by if by else ''}.csv", source=d.source or None)
    return html + _suppressed_note(s, ctx, by)


def _table(s: KpiData, data: "pd.DataFrame", by: str | None) -> "pd.DataFrame":
    import pandas as pd

    d = s.definition
    cols: dict[str, object] = {"Period": data["label"]}
    if by:
        cols[by] = data[by]
    cols[d.name + (f" ({d.unit})" if d.unit else "")] = data["value"]
    if s.responses:
        cols["Responses"] = data["n"]
        cols["Margin of error" + (f" ({moe_unit(d)})" if moe_unit(d) else "")] = data["moe"]
    return pd.DataFrame(cols).reset_index(drop=True)


def moe_unit(d: Definition) -> str:
    """The unit of a margin of error: the KPI's own (a margin of a percentage is in points)."""
    return fmt.change_unit(d.unit)


def _describe(s: KpiData, shown: "pd.DataFrame", by: str | None, bands: bool) -> str:
    d = s.definition
    # the earliest and the latest period of all lines (rows are in line order, then time)
    in_time = shown.sort_values("start", kind="stable")
    first, last = in_time.iloc[0], in_time.iloc[-1]
    text = (f"{d.name} from {first['label']} to {last['label']}"
            + (f", one line per {by}." if by else
               f": {fmt.with_unit(float(first['value']), d.unit, d.decimals)} to "
               f"{fmt.with_unit(float(last['value']), d.unit, d.decimals)}."))
    if d.target is not None:
        text += f" The dashed line is the target, {fmt.with_unit(d.target, d.unit, d.decimals)}."
    if bands:
        text += " The shaded band is the 95% margin of error."
    elif s.responses:
        text += " The table gives the number of responses and the margin of error of each point."
    return text


def _suppressed_note(s: KpiData, ctx: "BlockContext", by: str | None) -> str:
    gone = s.frame[s.frame["suppressed"]]
    return notices.note([(f"{g} {lbl}" if by else lbl, w) for g, lbl, w in
                         zip(gone["group"], gone["label"], gone["withheld"])], ctx)


# --- {{kpi name}} ---------------------------------------------------------------------------
INLINE_OPTIONS = ("segment", "period", "data")


def render_inline(args: str, ctx: "BlockContext") -> str:
    """{{kpi nps}} -> '31.3 points': the latest value with its unit (segment=, period=, data=)."""
    try:
        words = shlex.split(args)
    except ValueError:
        raise SiteError("a quote is not closed in '{{kpi ...}}'", file=ctx.file, line=ctx.line,
                        hint='write values with spaces in double quotes: segment="All customers".') from None
    if not words or "=" in words[0]:
        raise SiteError("'{{kpi}}' needs the name of a KPI, e.g. {{kpi nps}}", file=ctx.file, line=ctx.line,
                        hint="the names are in the 'kpi:' fields of the definitions file.")
    kpi, given = words[0], {}
    for word in words[1:]:
        key, eq, value = word.partition("=")
        if not eq or key not in INLINE_OPTIONS:
            raise SiteError(f"'{word}' is not understood in {{{{kpi {args}}}}}", file=ctx.file, line=ctx.line,
                            hint=f"write name=value with one of: {', '.join(INLINE_OPTIONS)}"
                                 + (f"; {did_you_mean(key, INLINE_OPTIONS)}" if eq else "."))
        given[key] = value
    d = definition(kpi, ctx)

    def chosen(keys: list[str]) -> str:
        """The period quoted: the latest, or the one asked for (keys are sorted)."""
        wanted = given.get("period", keys[-1] if keys else "")
        if wanted not in keys:
            raise SiteError(f"the KPI '{kpi}' has no value for the period '{wanted}'",
                            file=ctx.file, line=ctx.line,
                            hint=did_you_mean(wanted, keys) +
                            " Write the period as in the data, e.g. period=2026-03.")
        return wanted

    s = kpi_data(d, ctx, data=given.get("data"), segment=given.get("segment"), period=chosen)
    chosen(list(s.frame["key"]))  # a table of values was read whole: check the period there
    row = s.frame[s.frame["key"] == given.get("period", latest(s)["key"])].iloc[0]
    if row["suppressed"]:
        return notices.short(row["withheld"].reason, ctx.config.min_group_size)
    return fmt.with_unit(float(row["value"]), d.unit, d.decimals)
