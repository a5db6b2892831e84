"""The survey block: findings by group as bars or a heat table, with n, source and a
reference group; groups below the minimum size are withheld (see cxsite.cx.survey.data)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from dataclasses import replace

from ... import fmt
from ...data import data_path, open_table
from ...errors import did_you_mean
from ...i18n import _, ngettext
from ...privacy import notices
from .data import Findings, findings
from ...blocks.options import Options

if TYPE_CHECKING:
    import pandas as pd

    from ...blocks import BlockContext

OPTIONS = ("data", "statement", "by", "reference", "view", "sort", "source", "title", "labels")
VIEWS = ("bars", "heat")
SORTS = ("value", "name", "file")
REFERENCE_COLOR = "#4A5866"


def render_block(options: dict, ctx: "BlockContext") -> str:
    opts = Options(options, ctx, "survey", OPTIONS)
    name = opts.text("data", required=True)
    by = opts.text("by", required=True)
    statements = opts.names("statement")
    view = opts.choice("view", VIEWS, "bars")
    sort = opts.choice("sort", SORTS, "value")
    reference = opts.text("reference")
    table, rel = open_table(name, ctx), data_path(name, ctx)
    found = findings(table, rel, ctx, by=by, statements=statements, total=reference)
    if reference is not None and reference not in found.groups and \
            reference not in {g for g, _ in found.withheld}:
        opts.fail(f"the reference group '{reference}' is not in column '{by}' of {rel}",
                  did_you_mean(reference, found.groups), key="reference")
    labels = opts.labels()
    if labels:  # the page's words for statements, groups, answers and the grouping column
        found = _relabelled(found, labels)
        reference = labels.get(reference, reference) if reference else reference
        by = labels.get(by, by)
    note = notices.note(found.withheld, ctx)
    if found.rows.empty:
        return f'<div class="cx-survey">{note}</div>'
    title = opts.text("title") or _title(found, by)
    source = opts.text("source")
    if view == "heat":
        chart = _heat(found, ctx, by, reference)
    elif found.likert:
        chart = _likert_bars(found, ctx, by, reference, sort)
    else:
        chart = _bars(found, ctx, by, reference, sort)
    from ...charts.figure import render_figure

    html = render_figure(chart, _table(found, by), ctx, title=title,
                         description=_describe(found, by, reference), csv_name=None, source=source)
    return f'<div class="cx-survey">{html}{note}</div>'


def _relabelled(found: Findings, labels: dict[str, str]) -> Findings:
    def word(value):
        return labels.get(str(value), value)

    rows = found.rows.copy()
    for col in ("statement", "group", "response"):
        if col in rows.columns:
            rows[col] = rows[col].map(word)
    return replace(found, rows=rows, statements=[word(s) for s in found.statements],
                   groups=[word(g) for g in found.groups], responses=[word(r) for r in found.responses],
                   withheld=[(word(g), why) for g, why in found.withheld])


def _title(found: Findings, by: str) -> str:
    if len(found.statements) == 1 and found.statements[0]:
        return _("“%(statement)s”, by %(group)s", statement=found.statements[0], group=by)
    return _("Survey results by %(group)s", group=by)


def _ordered_groups(found: Findings, reference: str | None, sort: str, statement: str | None = None) -> list[str]:
    """Groups in reading order: the reference first, then by value (highest first) or name."""
    groups = list(found.groups)
    if sort == "name":
        groups.sort(key=str.casefold)
    elif sort == "value":
        rows = found.rows if statement is None else found.rows[found.rows["statement"] == statement]
        if found.likert:
            first = found.responses[0]
            rows = rows[rows["response"] == first]
        score = rows.groupby("group")["value"].mean()
        position = {g: i for i, g in enumerate(groups)}
        groups.sort(key=lambda g: (-score.get(g, -1.0), position[g]))
    if reference in groups:
        groups.remove(reference)
        groups.insert(0, reference)
    return groups


def _label(found: Findings) -> "pd.Series":
    """'56%' or '56% (n=1,024)'."""
    rows = found.rows
    text = rows["value"].map(lambda v: fmt.percent(v, 0))
    if found.has_n:
        return [_("%(share)s (n=%(count)s)", share=t, count=fmt.integer(int(n))) if n == n else t
                for t, n in zip(text, rows["n"])]
    return text


def _bars(found: Findings, ctx: "BlockContext", by: str, reference: str | None, sort: str):
    import altair as alt

    data = found.rows.assign(label=_label(found), reference=[g == reference for g in found.rows["group"]])
    single = len(found.statements) == 1
    groups = _ordered_groups(found, reference, sort, found.statements[0] if single else None)
    x = alt.X("value:Q", title=_("Share (%)"), scale=alt.Scale(domain=[0, 100]))
    tooltip = [alt.Tooltip("group:N", title=by), alt.Tooltip("label:N", title=_("Value"))]
    if single:
        y = alt.Y("group:N", sort=groups, title=None)
        color = alt.condition("datum.reference", alt.value(REFERENCE_COLOR), alt.value(ctx.config.colors[0]))
        base = alt.Chart(data)
        layers = [base.mark_bar().encode(x=x, y=y, color=color, tooltip=tooltip),
                  base.mark_text(align="left", dx=4, color="#1B2530").encode(x="value:Q", y=y, text="label:N")]
        if reference in found.groups:
            ref = data[data["group"] == reference]
            layers.append(alt.Chart(ref).mark_rule(strokeDash=[4, 3], color=REFERENCE_COLOR).encode(x="value:Q"))
        return alt.layer(*layers).properties(width=520, height=max(28 * len(groups), 60))
    palette = list(ctx.config.colors)
    others = [g for g in groups if g != reference]
    domain = ([reference] if reference in groups else []) + others
    colors = ([REFERENCE_COLOR] if reference in groups else []) + [palette[i % len(palette)] for i in range(len(others))]
    y = alt.Y("statement:N", sort=found.statements, title=None, axis=alt.Axis(labelLimit=260))
    offset = alt.YOffset("group:N", sort=domain)
    color = alt.Color("group:N", scale=alt.Scale(domain=domain, range=colors), title=by,
                      legend=alt.Legend(orient="bottom"))
    base = alt.Chart(data)
    tooltip.insert(0, alt.Tooltip("statement:N", title=_("Statement")))
    return alt.layer(
        base.mark_bar().encode(x=x, y=y, yOffset=offset, color=color, tooltip=tooltip),
        base.mark_text(align="left", dx=3, fontSize=10, color="#1B2530").encode(
            x="value:Q", y=y, yOffset=offset, text="label:N"),
    ).properties(width=420, height=alt.Step(14))


def _likert_bars(found: Findings, ctx: "BlockContext", by: str, reference: str | None, sort: str):
    import altair as alt

    data = found.rows.assign(share=found.rows["value"], order=[found.responses.index(r) for r in found.rows["response"]])
    groups = _ordered_groups(found, reference, sort)
    palette = _diverging(len(found.responses))
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("value:Q", stack="normalize", title=_("Share of respondents"), axis=alt.Axis(format="%")),
        y=alt.Y("group:N", sort=groups, title=None),
        color=alt.Color("response:N", sort=found.responses, title=_("Answer"),
                        scale=alt.Scale(domain=found.responses, range=palette), legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("group:N", title=by), alt.Tooltip("response:N", title=_("Answer")),
                 alt.Tooltip("share:Q", title="%"), alt.Tooltip("n:Q", title=_("Respondents"), format=",")],
    )
    if len(found.statements) > 1:
        chart = chart.properties(width=480, height=alt.Step(22)).facet(
            row=alt.Row("statement:N", sort=found.statements, title=None, header=alt.Header(labelAngle=0, labelAlign="left")))
        return chart
    return chart.properties(width=480, height=alt.Step(26))


def _diverging(k: int) -> list[str]:
    """k colours from disagree (orange) to agree (blue), safe for colour blindness."""
    ramp = ["#B35806", "#E08214", "#FDB863", "#D9D9D9", "#B2ABD2", "#8073AC", "#542788"]
    if k >= len(ramp):
        return (ramp * (k // len(ramp) + 1))[:k]
    idx = [round(i * (len(ramp) - 1) / (k - 1)) for i in range(k)] if k > 1 else [3]
    return [ramp[i] for i in idx]


def _heat(found: Findings, ctx: "BlockContext", by: str, reference: str | None):
    import altair as alt

    rows = found.rows
    if found.likert:  # one cell per group and answer
        rows = rows.assign(statement=rows["response"])
        ystat = found.responses
    else:
        ystat = found.statements
    data = rows.assign(label=rows["value"].map(lambda v: fmt.percent(v, 0)))
    groups = _ordered_groups(found, reference, "file")
    base = alt.Chart(data).encode(
        x=alt.X("group:N", sort=groups, title=None, axis=alt.Axis(orient="top", labelAngle=0,
                labelFontWeight=alt.condition(f"datum.value === {_js(reference)}", alt.value("bold"), alt.value("normal")))),
        y=alt.Y("statement:N", sort=ystat, title=None, axis=alt.Axis(labelLimit=300)))
    return alt.layer(
        base.mark_rect(stroke="white").encode(
            color=alt.Color("value:Q", title="%", scale=alt.Scale(scheme="blues", domain=[0, 100])),
            tooltip=[alt.Tooltip("statement:N", title=_("Answer") if found.likert else _("Statement")),
                     alt.Tooltip("group:N", title=by), alt.Tooltip("label:N", title=_("Value"))]),
        base.mark_text(fontSize=12).encode(text="label:N", color=alt.condition(
            "datum.value >= 60", alt.value("white"), alt.value("#1B2530"))),
    ).properties(width=alt.Step(72), height=alt.Step(30))


def _js(text: str | None) -> str:
    import json

    return json.dumps(text or "")


def _table(found: Findings, by: str) -> "pd.DataFrame":
    """The publishable values only: what the data table and the CSV download show."""
    import pandas as pd

    rows = found.rows
    cols: dict[str, object] = {}
    if any(found.statements):
        cols[_("Statement")] = rows["statement"]
    cols[by] = rows["group"]
    if found.likert:
        cols[_("Answer")] = rows["response"]
        cols[_("Respondents giving this answer")] = rows["count"].astype(int)
    cols[_("Share (%)")] = rows["value"]  # rounded once, in survey.data
    if found.has_n:
        cols[_("Respondents (n)")] = rows["n"].map(lambda n: "" if n != n else f"{int(n)}")
    return pd.DataFrame(cols)


def _describe(found: Findings, by: str, reference: str | None) -> str:
    rows = found.rows
    if found.likert or len(found.statements) != 1:
        k, groups = len(found.statements) or 1, len(found.groups)
        text = ngettext("%(num)s statement across %(groups)s by %(group)s.",
                        "%(num)s statements across %(groups)s by %(group)s.", k, group=by,
                        groups=ngettext("%(num)s group", "%(num)s groups", groups, num=groups))
    else:
        top = rows.loc[rows["value"].idxmax()]
        low = rows.loc[rows["value"].idxmin()]
        text = _("Highest: %(top)s (%(top_share)s); lowest: %(low)s (%(low_share)s).",
                 top=top["group"], top_share=fmt.percent(top["value"], 0),
                 low=low["group"], low_share=fmt.percent(low["value"], 0))
    if reference in found.groups:
        text += " " + _("The reference group is %(group)s.", group=reference)
    return text
