"""The kpi block (scorecards, or charts over time) and the {{kpi name}} citation."""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ... import fmt
from ...errors import Problem, SiteError, did_you_mean
from ...i18n import _, ngettext, pgettext
from ...privacy import notices
from .data import Definition, KpiData, definition, definitions, kpi_data, period_label
from ...blocks.options import Options

if TYPE_CHECKING:
    import pandas as pd

    from ...blocks import BlockContext

OPTIONS = ("data", "show", "segment", "compare", "chart", "by", "title", "labels")
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
            return "▶", _("no change since %(period)s", period=self.since), "same"
        verdict = "better" if d.better(self.delta) else "worse"
        if self.delta > 0:
            return "▲", _("up %(change)s since %(period)s", change=size, period=self.since), verdict
        return "▼", _("down %(change)s since %(period)s", change=size, period=self.since), verdict


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
    labels = opts.labels()
    if labels:
        series = [_relabelled(s, labels) for s in series]
    if chart:
        return "\n".join(_chart(s, ctx, labels.get(by, by) if by else None, opts.text("title"))
                         for s in series)
    title = opts.text("title")
    cards = "\n".join(_card(s, ctx, compare) for s in series)
    head = f'<h3 class="cx-kpis-title">{fmt.html(title)}</h3>' if title else ""
    label = fmt.html(title or _("Key performance indicators"))
    return f'<section class="cx-kpis" aria-label="{label}">{head}<div class="cx-kpi-grid">{cards}</div></section>'


def _relabelled(s: KpiData, labels: dict[str, str]) -> KpiData:
    """The page's words for the segment and the groups of a KPI (labels: {Business: 企业客户})."""
    from dataclasses import replace

    frame = s.frame.assign(group=s.frame["group"].map(lambda g: labels.get(str(g), g)))
    return replace(s, frame=frame, segment=labels.get(s.segment, s.segment) if s.segment else s.segment)


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
            return None, _("no value for %(period)s to compare with", period=_label(wanted))
        row = rows.iloc[0]
    else:
        if len(frame) < 2:
            return None, _("no earlier value to compare with")
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
            goal = _("Target %(value)s", value=fmt.with_unit(float(target), d.unit, d.decimals))
            gap = fmt.with_unit(abs(value - float(target)), fmt.change_unit(d.unit), d.decimals)
            verdict = _("on track") if ok else _("off track")
            detail = "" if ok else (_(": %(gap)s above target", gap=gap) if value > target
                                    else _(": %(gap)s below target", gap=gap))
            parts.append(
                f'<p class="cx-kpi-target">{fmt.html(goal)}'
                f' · <strong class="cx-kpi-status cx-{status}">{fmt.html(verdict)}</strong>'
                f"{fmt.html(detail)}</p>")
    parts.append(sparkline(s))
    meta = [fmt.html(last["label"])]
    if s.responses and not last["suppressed"]:
        n = int(last["n"])
        moe = fmt.with_unit(float(last["moe"]), moe_unit(d), d.decimals)
        meta.append(fmt.html(ngettext("%(num)s response, margin of error ±%(moe)s",
                                      "%(num)s responses, margin of error ±%(moe)s", n,
                                      num=fmt.integer(n), moe=moe)))
    if d.source:
        meta.append(fmt.html(_("Source: %(source)s", source=d.source)))
    parts.append(f'<p class="cx-kpi-meta">{" · ".join(meta)}</p>')
    return f'<article class="cx-kpi cx-kpi-{status}">{"".join(parts)}</article>'


def _change_html(s: KpiData, compare: str, ctx: "BlockContext") -> str:
    row, why = compared(s, compare, ctx.config.min_group_size)
    if row is None:
        return f'<p class="cx-kpi-change cx-same">{fmt.html(why)}</p>'
    change = Change(float(latest(s)["value"]) - float(row["value"]), str(row["label"]))
    arrow, text, verdict = change.words(s.definition)
    spoken = {"better": _(", an improvement"), "worse": _(", a deterioration"), "same": ""}[verdict]
    shown = {"better": _(" (better)"), "worse": _(" (worse)"), "same": ""}[verdict]
    return (f'<p class="cx-kpi-change cx-{verdict}"><span aria-hidden="true">{arrow}</span> '
            f'{fmt.html(text)}<span class="visually-hidden">{fmt.html(spoken)}</span>'
            f'<span class="cx-kpi-verdict" aria-hidden="true">{fmt.html(shown)}</span></p>'
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
    trend = dict(start=first["label"], end=lastrow["label"], first=fmt.with_unit(values[0], d.unit, d.decimals),
                 last=fmt.with_unit(values[-1], d.unit, d.decimals))
    label = (_("Trend from %(start)s to %(end)s: from %(first)s to %(last)s; target %(target)s",
               target=fmt.with_unit(float(target), d.unit, d.decimals), **trend) if has_target else
             _("Trend from %(start)s to %(end)s: from %(first)s to %(last)s", **trend))
    return (f'<svg class="cx-spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img" aria-label="{fmt.html(label)}"><title>{fmt.html(label)}</title>'
            f"{goal}{lines}{dot}</svg>")


# --- charts -------------------------------------------------------------------------------
def _name_with_unit(d: Definition) -> str:
    """'Net Promoter Score (points)': an axis or column title."""
    unit = fmt.unit_label(d.unit)
    return _("%(name)s (%(unit)s)", name=d.name, unit=unit) if unit else d.name


def _chart(s: KpiData, ctx: "BlockContext", by: str | None, title: str | None) -> str:
    import altair as alt
    import pandas as pd

    from ...charts.fields import drawable, field_ref
    from ...charts.figure import render_figure

    d = s.definition
    shown = s.frame[~s.frame["suppressed"]].copy()
    if shown.empty:  # nothing to draw: the note says what is missing and why
        if all(w.reason == "small" for w in s.frame["withheld"]):
            ctx.warnings.append(Problem(
                f"the chart of '{d.kpi}' is empty: every period has fewer than "
                f"{ctx.config.min_group_size} responses", file=ctx.file, line=ctx.line,
                hint="group the answers by a longer period ('period: quarter' in the definition) "
                     "or remove 'by'.", severity="warning"))
        return _suppressed_note(s, ctx, by)
    if title:
        name = title
    elif by and s.segment:
        name = _("%(kpi)s by %(group)s, %(segment)s", kpi=d.name, group=by, segment=s.segment)
    elif by:
        name = _("%(kpi)s by %(group)s", kpi=d.name, group=by)
    elif s.segment:
        name = _("%(kpi)s, %(segment)s", kpi=d.name, segment=s.segment)
    else:
        name = d.name
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
    x = alt.X("period:T", title=None, axis=alt.Axis(format=fmt.chart_date_format("yMMM"), labelAngle=0))
    y = alt.Y("value:Q", title=_name_with_unit(d), scale=alt.Scale(zero=False))
    color = alt.Color(field=field_ref(by), type="nominal", title=by) if by else \
        alt.value(ctx.config.colors[0])
    # The band uses 'fill', a scale of its own with the same colours, so the legend shows lines.
    band_fill = alt.Fill(field=field_ref(by), type="nominal", legend=None) if by else \
        alt.value(ctx.config.colors[0])
    # Margin-of-error bands help for one or two lines; with more they hide each other.
    bands = s.responses and (not by or data[by].nunique() <= 2)
    tooltip = [alt.Tooltip("label:N", title=_("Period")), alt.Tooltip("value:Q", title=d.name)]
    if by:
        tooltip.insert(0, alt.Tooltip(field=field_ref(by), type="nominal", title=by))
    if s.responses:
        tooltip += [alt.Tooltip("n:Q", title=_("Responses"), format=","),
                    alt.Tooltip("low:Q", title=_("95% range from")),
                    alt.Tooltip("high:Q", title=pgettext("upper end of a range", "to"))]
    base = alt.Chart(drawable(data))
    layers = []
    if bands:
        layers.append(base.mark_area(opacity=0.15).encode(x=x, y=alt.Y("low:Q"), y2="high:Q", fill=band_fill))
    layers.append(base.mark_line(point=True).encode(x=x, y=y, color=color, tooltip=tooltip))
    target = shown["target"].dropna()
    if len(target):
        goal = pd.DataFrame({"target": [float(target.iloc[-1])], "label": [_("Target")]})
        rule = alt.Chart(goal).mark_rule(strokeDash=[6, 4], color="#555555")
        layers.append(rule.encode(y="target:Q", tooltip=[alt.Tooltip("target:Q", title=_("Target"))]))
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
    cols: dict[str, object] = {_("Period"): data["label"]}
    if by:
        cols[by] = data[by]
    cols[_name_with_unit(d)] = data["value"]
    if s.responses:
        cols[_("Responses")] = data["n"]
        unit = fmt.unit_label(moe_unit(d))
        cols[_("Margin of error (%(unit)s)", unit=unit) if unit else _("Margin of error")] = data["moe"]
    return pd.DataFrame(cols).reset_index(drop=True)


def moe_unit(d: Definition) -> str:
    """The unit of a margin of error: the KPI's own (a margin of a percentage is in points)."""
    return fmt.change_unit(d.unit)


def _describe(s: KpiData, shown: "pd.DataFrame", by: str | None, bands: bool) -> str:
    d = s.definition
    # the earliest and the latest period of all lines (rows are in line order, then time)
    in_time = shown.sort_values("start", kind="stable")
    first, last = in_time.iloc[0], in_time.iloc[-1]
    if by:
        text = _("%(kpi)s from %(start)s to %(end)s, one line per %(group)s.", kpi=d.name,
                 start=first["label"], end=last["label"], group=by)
    else:
        text = _("%(kpi)s from %(start)s to %(end)s: %(first)s to %(last)s.", kpi=d.name,
                 start=first["label"], end=last["label"],
                 first=fmt.with_unit(float(first["value"]), d.unit, d.decimals),
                 last=fmt.with_unit(float(last["value"]), d.unit, d.decimals))
    extra = []
    if d.target is not None:
        extra.append(_("The dashed line is the target, %(target)s.",
                       target=fmt.with_unit(d.target, d.unit, d.decimals)))
    if bands:
        extra.append(_("The shaded band is the 95% margin of error."))
    elif s.responses:
        extra.append(_("The table gives the number of responses and the margin of error of each point."))
    return " ".join([text, *extra])


def _suppressed_note(s: KpiData, ctx: "BlockContext", by: str | None) -> str:
    gone = s.frame[s.frame["suppressed"]]
    return notices.note([(_("%(group)s %(period)s", group=g, period=lbl) if by else lbl, w)
                         for g, lbl, w in zip(gone["group"], gone["label"], gone["withheld"])], ctx)


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
