"""The roadmap block: a Gantt chart (lanes per workstream, phases as bands, milestones,
status colours, progress, dependencies, a 'today' line), what needs attention beside it,
and the full list as a table."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ... import fmt
from ...errors import did_you_mean
from ...i18n import _, ngettext, pgettext
from .data import STATUSES, Item, Roadmap, load_roadmap
from ...blocks.options import Options

if TYPE_CHECKING:
    import pandas as pd

    from ...blocks import BlockContext

OPTIONS = ("data", "workstreams", "from", "to", "title", "source", "labels")
# Okabe-Ito colours (safe for colour blindness); the status is also written in words.
STATUS_COLORS = {"planned": "#7F7F7F", "on-track": "#009E73", "at-risk": "#E69F00",
                 "late": "#D55E00", "done": "#0072B2"}
WIDTH, ROW = 500, 22


def status_word(status: str) -> str:
    """A status as readers see it, in the page's language."""
    return {"planned": pgettext("roadmap status", "planned"),
            "on-track": pgettext("roadmap status", "on track"),
            "at-risk": pgettext("roadmap status", "at risk"),
            "late": pgettext("roadmap status", "late"),
            "done": pgettext("roadmap status", "done")}[status]


def type_word(kind: str) -> str:
    return {"phase": pgettext("roadmap item", "phase"),
            "initiative": pgettext("roadmap item", "initiative"),
            "milestone": pgettext("roadmap item", "milestone")}[kind]


def _relabelled(roadmap: Roadmap, labels: dict[str, str]) -> Roadmap:
    """The roadmap with the page's words for workstreams, items (by name or id) and owners."""
    if not labels:
        return roadmap
    return replace(roadmap, items=tuple(
        replace(i, item=labels.get(i.id) or labels.get(i.item, i.item),
                workstream=labels.get(i.workstream, i.workstream),
                owner=labels.get(i.owner, i.owner) if i.owner else i.owner)
        for i in roadmap.items))


def render_block(options: dict, ctx: "BlockContext") -> str:
    opts = Options(options, ctx, "roadmap", OPTIONS)
    roadmap = load_roadmap(opts.text("data", required=True), ctx)
    wanted = opts.names("workstreams")
    if wanted:
        for w in wanted:
            if w not in roadmap.workstreams:
                opts.fail(f"there is no workstream '{w}' in {roadmap.file}",
                          did_you_mean(w, roadmap.workstreams), key="workstreams")
    first, last = opts.month("from"), opts.month("to")
    if first and last and last < first:
        opts.fail("'to' is before 'from'", "swap the two dates.", key="to")
    window_start = first or roadmap.start
    window_end = _month_end(last) if last and len(str(opts.values.get("to"))) == 7 else (last or roadmap.finish)
    items = [i for i in roadmap.items
             if (not wanted or i.workstream in wanted or i.type == "phase")
             and i.finish >= window_start and i.start <= window_end]
    if not [i for i in items if i.type != "phase"]:
        opts.fail("no roadmap items fall in the chosen workstreams and dates",
                  "widen 'from' and 'to', or check 'workstreams'.")
    today = ctx.config.effective_today()
    shown = _relabelled(replace(roadmap, items=tuple(items)), opts.labels())
    title = opts.text("title") or _("Programme roadmap")
    figure = _figure(shown, ctx, title, today, window_start, window_end, opts.text("source"))
    aside = _aside(shown, today)
    return f'<div class="cx-roadmap">{figure}{aside}</div>'


def _month_end(d: date) -> date:
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# --- beside the chart ----------------------------------------------------------------------
def _aside(roadmap: Roadmap, today: date) -> str:
    upcoming = sorted((i for i in roadmap.items if i.type == "milestone" and i.start >= today
                       and i.status != "done"), key=lambda i: (i.start, i.id))[:5]
    attention = sorted((i for i in roadmap.items if i.status in ("at-risk", "late")),
                       key=lambda i: (i.status != "late", i.finish, i.id))
    label = _("Roadmap summary as of %(date)s", date=fmt.day(today))
    parts = [f'<aside class="cx-roadmap-aside" aria-label="{fmt.html(label)}">']
    heading = _("Upcoming milestones")
    parts.append(f"<h3>{fmt.html(heading)}</h3>")
    if upcoming:
        parts.append("<ul>" + "".join(
            f"<li><strong>{fmt.day(i.start)}</strong> {fmt.html(i.item)}{_who(i)}</li>" for i in upcoming) + "</ul>")
    else:
        none = _("No milestones ahead.")
        parts.append(f"<p>{fmt.html(none)}</p>")
    heading = _("At risk or late")
    parts.append(f"<h3>{fmt.html(heading)}</h3>")
    if attention:
        items = []
        for i in attention:
            ends = (_("(ends %(date)s, %(owner)s)", date=fmt.day(i.finish), owner=i.owner) if i.owner
                    else _("(ends %(date)s)", date=fmt.day(i.finish)))
            items.append(f'<li><span class="cx-status cx-status-{i.status}">{fmt.html(status_word(i.status))}'
                         f'</span> {fmt.html(i.item)} <span class="cx-muted">{fmt.html(ends)}</span></li>')
        parts.append("<ul>" + "".join(items) + "</ul>")
    else:
        none = _("Nothing is at risk or late.")
        parts.append(f"<p>{fmt.html(none)}</p>")
    status = _("Status as of %(date)s.", date=fmt.day(today))
    parts.append(f'<p class="cx-muted">{fmt.html(status)}</p></aside>')
    return "".join(parts)


def _who(item: Item, sep: str = " · ") -> str:
    return f"{sep}{fmt.html(item.owner)}" if item.owner else ""


# --- the Gantt chart ----------------------------------------------------------------------
def _table(roadmap: Roadmap) -> "pd.DataFrame":
    """The publishable list: every item, in the chart's order, for the data table and the CSV."""
    import pandas as pd

    columns = [_("Workstream"), _("ID"), _("Item"), _("Type"), _("Start"), _("End"), _("Status"),
               _("Owner"), _("Progress (%)"), _("Depends on")]
    rows = [[i.workstream, i.id, i.item, type_word(i.type), i.start.isoformat(),
             i.end.isoformat() if i.end else "", status_word(i.status), i.owner,
             "" if i.progress is None else f"{i.progress:g}", ", ".join(i.depends_on)]
            for i in _ordered(roadmap)]
    return pd.DataFrame(rows, columns=columns)


def _ordered(roadmap: Roadmap) -> list[Item]:
    """Phases first, then each workstream's items by start date."""
    lanes = {w: n for n, w in enumerate(roadmap.workstreams)}
    return sorted(roadmap.items, key=lambda i: (i.type != "phase", lanes[i.workstream], i.start, i.id))


# Chart rows are keyed apart from the file's ids: an item's row is "i" + its id, a workstream's
# header row "w" + its number, so an id such as ws0 or 2 can never take another row's place.
def _item_key(ident: str) -> str:
    return "i" + ident


def _rows(roadmap: Roadmap) -> tuple[list[dict], dict[str, str], list[str]]:
    """One chart row per workstream header and per non-phase item: (rows, labels, order)."""
    rows, labels, order = [], {}, []
    lane = -1
    current = None
    for item in _ordered(roadmap):
        if item.type == "phase":
            continue
        if item.workstream != current:
            current, lane = item.workstream, lane + 1
            key = f"w{lane}"
            labels[key] = item.workstream
            order.append(key)
            rows.append({"row": key, "lane": lane % 2})
        labels[_item_key(item.id)] = item.item
        order.append(_item_key(item.id))
        rows.append({"row": _item_key(item.id), "lane": lane % 2})
    return rows, labels, order


def _figure(roadmap: Roadmap, ctx: "BlockContext", title: str, today: date, start: date, end: date,
            source: str | None) -> str:
    import altair as alt
    import pandas as pd

    from ...charts.figure import render_figure

    rows, labels, order = _rows(roadmap)
    domain = [start.isoformat(), (end + timedelta(days=1)).isoformat()]
    x_scale = alt.Scale(domain=domain)
    y = alt.Y("row:N", sort=order, title=None, scale=alt.Scale(domain=order, paddingInner=0.25),
              axis=alt.Axis(labelExpr=f"{json.dumps(labels, ensure_ascii=False)}[datum.value]",
                            labelLimit=210, ticks=False, domain=False,
                            labelFontWeight=alt.condition("indexof(datum.value, 'w') === 0",
                                                          alt.value("bold"), alt.value("normal"))))
    height = ROW * len(order)
    month = fmt.chart_date_format("yMMM")
    month_axis = alt.Axis(format=month, labelAngle=0, tickCount={"interval": "month", "step": 1},
                          labelExpr=f"month(datum.value) % 3 === 0 ? timeFormat(datum.value, {json.dumps(month)}) : ''",
                          gridOpacity=0.4, orient="top", title=None)
    bars = [i for i in roadmap.items if i.type == "initiative"]
    stones = [i for i in roadmap.items if i.type == "milestone"]
    phases = [i for i in roadmap.items if i.type == "phase"]
    # the data holds the statuses as readers read them, so the legend needs no translation
    status_scale = alt.Scale(domain=[status_word(s) for s in STATUSES],
                             range=[STATUS_COLORS[s] for s in STATUSES])
    color = alt.Color("status:N", scale=status_scale, title=_("Status"), legend=alt.Legend(orient="bottom"))
    tip = [alt.Tooltip("item:N", title=_("Item")), alt.Tooltip("workstream:N", title=_("Workstream")),
           alt.Tooltip("dates:N", title=_("Dates")), alt.Tooltip("state:N", title=_("Status")),
           alt.Tooltip("owner:N", title=_("Owner"))]

    def frame(items: list[Item]) -> "pd.DataFrame":
        return pd.DataFrame([{
            "row": _item_key(i.id), "item": i.item, "workstream": i.workstream, "owner": i.owner or "—",
            "status": status_word(i.status), "state": _state(i),
            "start": i.start.isoformat(), "end": (i.finish + timedelta(days=1)).isoformat(),
            "done_to": (i.start + timedelta(days=round((i.finish - i.start).days * (i.progress or 0) / 100))).isoformat(),
            "dates": _("%(start)s to %(end)s", start=fmt.day(i.start), end=fmt.day(i.finish))
            if i.end else fmt.day(i.start),
            "flag": status_word(i.status) if i.status in ("at-risk", "late") else "",
        } for i in items], columns=["row", "item", "workstream", "owner", "status", "state", "start",
                                    "end", "done_to", "dates", "flag"])

    layers = []
    lanes = pd.DataFrame(rows)
    layers.append(alt.Chart(lanes).mark_rect().encode(
        y=y, x=alt.value(0), x2=alt.value(WIDTH),
        color=alt.condition("datum.lane === 0", alt.value("#F3F6F9"), alt.value("#FFFFFF"))))
    if phases:
        bands = pd.DataFrame([{"start": max(p.start, start).isoformat(),
                               "end": (min(p.finish, end) + timedelta(days=1)).isoformat(),
                               "name": p.item, "shade": n % 2,
                               "label": _fit(p.item, _px(p, start, end))} for n, p in enumerate(phases)])
        layers.append(alt.Chart(bands).mark_rect(opacity=0.35).encode(
            x=alt.X("start:T", scale=x_scale, axis=month_axis), x2="end:T",
            color=alt.condition("datum.shade === 0", alt.value("#D5DDE5"), alt.value("#EEF2F6")),
            tooltip=[alt.Tooltip("name:N", title=_("Phase"))]))
        layers.append(alt.Chart(bands).mark_text(align="left", baseline="bottom", dx=3, y=-22, fontWeight="bold",
                                                 color="#1B2530").encode(
            x=alt.X("start:T", scale=x_scale), text="label:N"))
    deps = _links(roadmap)
    if len(deps):
        layers.append(alt.Chart(deps).mark_rule(color="#4A5866", strokeDash=[3, 3], opacity=0.45).encode(
            x=alt.X("from:T", scale=x_scale), x2="to:T", y=y, y2="target:N"))
    if bars:
        data = frame(bars)
        layers.append(alt.Chart(data).mark_bar(cornerRadius=2).encode(
            x=alt.X("start:T", scale=x_scale, axis=month_axis), x2="end:T", y=y, color=color, tooltip=tip))
        layers.append(alt.Chart(data).mark_bar(height=4, color="#1B2530", opacity=0.55).encode(
            x=alt.X("start:T", scale=x_scale), x2="done_to:T", y=y, tooltip=tip))
        layers.append(alt.Chart(data[data["flag"] != ""]).mark_text(align="left", dx=4, fontSize=11,
                                                                   fontWeight="bold", color="#1B2530").encode(
            x=alt.X("end:T", scale=x_scale), y=y, text="flag:N"))
    if stones:
        layers.append(alt.Chart(frame(stones)).mark_point(shape="diamond", filled=True, size=170, opacity=1,
                                                          stroke="#1B2530", strokeWidth=1).encode(
            x=alt.X("start:T", scale=x_scale, axis=month_axis), y=y, color=color, tooltip=tip))
    if start <= today <= end:
        now = pd.DataFrame([{"date": today.isoformat(), "label": _("Today, %(date)s", date=fmt.day(today))}])
        layers.append(alt.Chart(now).mark_rule(color="#B3261E", strokeWidth=2).encode(x=alt.X("date:T", scale=x_scale)))
        layers.append(alt.Chart(now).mark_text(align="left", dx=4, y=height + 12, color="#B3261E",
                                               fontWeight="bold").encode(x=alt.X("date:T", scale=x_scale), text="label:N"))
    chart = alt.layer(*layers).properties(width=WIDTH, height=height)
    description = _describe(roadmap, today)
    return render_figure(chart, _table(roadmap), ctx, title=title, description=description,
                         csv_name="roadmap.csv", source=source)


def _state(i: Item) -> str:
    """'at risk, 55% done': the status and, for a bar, how far it has got."""
    if i.progress is None or i.type == "milestone":
        return status_word(i.status)
    return _("%(status)s, %(progress)s done", status=status_word(i.status),
             progress=fmt.percent(i.progress, 0 if float(i.progress).is_integer() else 1))


def _fit(text: str, px: float) -> str:
    """Shorten a label to about px pixels (11px bold text is about 7px a character)."""
    chars = int(px // 7)
    return text if len(text) <= chars else text[:max(chars - 1, 0)].rstrip() + "…"


def _px(phase: Item, start: date, end: date) -> float:
    """Roughly how many pixels a phase band spans, so its label never spills into the next."""
    total = (end - start).days + 1
    days = (min(phase.finish, end) - max(phase.start, start)).days + 1
    return max(WIDTH * days / total - 6, 0)


def _links(roadmap: Roadmap) -> "pd.DataFrame":
    """Dependency lines from the end of each dependency to the start of the item that needs it."""
    import pandas as pd

    by_id = {i.id: i for i in roadmap.items if i.type != "phase"}
    rows = [{"row": _item_key(dep), "target": _item_key(i.id), "from": (by_id[dep].finish + timedelta(days=1)).isoformat(),
             "to": i.start.isoformat()}
            for i in by_id.values() for dep in i.depends_on if dep in by_id]
    return pd.DataFrame(rows, columns=["row", "target", "from", "to"])


def _describe(roadmap: Roadmap, today: date) -> str:
    """What the chart shows, in words: every item counted once, phases too, so the statuses add
    up to the number of items; the lane that holds the phases is not a workstream."""
    counts = {s: sum(1 for i in roadmap.items if i.status == s) for s in STATUSES}
    parts = fmt.join([_("%(count)s %(status)s", count=n, status=status_word(s))
                      for s, n in counts.items() if n])
    shape = ngettext("%(num)s workstream", "%(num)s workstreams", len(roadmap.lanes))
    phases = sum(1 for i in roadmap.items if i.type == "phase")
    if phases:
        shape = ngettext("%(lanes)s in %(num)s phase", "%(lanes)s in %(num)s phases", phases,
                         lanes=shape)
    items = ngettext("%(num)s item", "%(num)s items", len(roadmap.items))
    return _("Gantt chart of %(shape)s from %(start)s to %(end)s, status as of %(today)s: "
             "%(items)s (%(counts)s).", shape=shape, start=fmt.day(roadmap.start),
             end=fmt.day(roadmap.finish), today=fmt.day(today), items=items, counts=parts) + " " + \
        _("The table lists every item with its dates, status, owner and dependencies.")
