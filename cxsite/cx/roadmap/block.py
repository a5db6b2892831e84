"""The roadmap block: a Gantt chart (lanes per workstream, phases as bands, milestones,
status colours, progress, dependencies, a 'today' line) across the column, the same items as a
list by stage (what a phone shows), what needs attention, and the full list as a table."""
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

OPTIONS = ("data", "workstreams", "from", "to", "title", "source", "labels", "view")
VIEWS = ("gantt", "status")  # the full chart, or the programme's status at a glance
# Okabe-Ito colours (safe for colour blindness); the status is also written in words.
STATUS_COLORS = {"planned": "#7F7F7F", "on-track": "#009E73", "at-risk": "#E69F00",
                 "late": "#D55E00", "done": "#0072B2"}
WIDTH, ROW = 420, 32  # plot width of the static chart (the live one fits its column), row height
LABEL_CHARS, LABEL_PX = 34, 240  # item names: two lines of about 34 characters


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
    view = opts.choice("view", VIEWS, "gantt")
    shown = _relabelled(replace(roadmap, items=tuple(items)), opts.labels())
    if view == "status":
        return status_view(shown, today)
    title = opts.text("title") or _("Programme roadmap")
    figure = _figure(shown, ctx, title, today, window_start, window_end, opts.text("source"))
    aside = _aside(shown, today)
    return f'<div class="cx-roadmap">{figure}{stage_list(shown)}{aside}</div>'


def _month_end(d: date) -> date:
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


# --- below the chart: what needs attention -------------------------------------------------
def _aside(roadmap: Roadmap, today: date) -> str:
    upcoming = sorted((i for i in roadmap.items if i.type == "milestone" and i.start >= today
                       and i.status != "done"), key=lambda i: (i.start, i.id))[:5]
    attention = sorted((i for i in roadmap.items if i.status in ("at-risk", "late")),
                       key=lambda i: (i.status != "late", i.finish, i.id))
    label = _("Roadmap summary as of %(date)s", date=fmt.day(today))
    parts = [f'<aside class="cx-roadmap-aside" aria-label="{fmt.html(label)}">']
    heading = _("Upcoming milestones")
    parts.append(f"<div><h3>{fmt.html(heading)}</h3>")
    if upcoming:
        parts.append("<ul>" + "".join(
            f"<li><strong>{fmt.day(i.start)}</strong> {fmt.html(i.item)}{_who(i)}</li>" for i in upcoming) + "</ul>")
    else:
        none = _("No milestones ahead.")
        parts.append(f"<p>{fmt.html(none)}</p>")
    heading = _("At risk or late")
    parts.append(f"</div><div><h3>{fmt.html(heading)}</h3>")
    if attention:
        items = []
        for i in attention:
            ends = (_("(ends %(date)s, %(owner)s)", date=fmt.day(i.finish), owner=i.owner) if i.owner
                    else _("(ends %(date)s)", date=fmt.day(i.finish)))
            items.append(f'<li>{status_badge(i.status)} {fmt.html(i.item)} '
                         f'<span class="cx-muted">{fmt.html(ends)}</span></li>')
        parts.append("<ul>" + "".join(items) + "</ul>")
    else:
        none = _("Nothing is at risk or late.")
        parts.append(f"<p>{fmt.html(none)}</p>")
    status = _("Status as of %(date)s.", date=fmt.day(today))
    parts.append(f'</div><p class="cx-muted">{fmt.html(status)}</p></aside>')
    return "".join(parts)


def status_view(roadmap: Roadmap, today: date) -> str:
    """The roadmap at a glance (`view: status`): how many items are done, on track, at risk,
    late and planned, as numbers and one bar, then the next milestones and what needs attention."""
    items = [i for i in roadmap.items if i.type != "phase"]
    counts = [(s, sum(1 for i in items if i.status == s)) for s in STATUSES]
    counts = [(s, n) for s, n in counts if n]
    tiles = "".join(f'<li class="cx-count cx-count-{s}"><span class="cx-count-n">{fmt.html(fmt.integer(n))}</span> '
                    f"{status_badge(s)}</li>" for s, n in counts)
    bar = "".join(f'<span class="cx-status-{s}" style="flex-grow: {n}"></span>' for s, n in counts)
    label = _("Roadmap summary as of %(date)s", date=fmt.day(today))
    return (f'<div class="cx-roadmap-status" role="group" aria-label="{fmt.html(label)}">'
            f'<ul class="cx-counts">{tiles}</ul><div class="cx-status-bar" aria-hidden="true">{bar}</div>'
            f"{_aside(roadmap, today)}</div>")


def status_badge(status: str) -> str:
    """The status in words, coloured (the colour only repeats the word)."""
    return f'<span class="cx-status cx-status-{status}">{fmt.html(status_word(status))}</span>'


def _dates(item: Item) -> str:
    """'3 Feb 2025 to 14 Mar 2025', or the day of a milestone."""
    if not item.end:
        return fmt.day(item.start)
    return _("%(start)s to %(end)s", start=fmt.day(item.start), end=fmt.day(item.finish))


def _stages(roadmap: Roadmap) -> list[tuple[str, str, list[Item]]]:
    """(stage name, its dates, its items by start): each item under the stage it starts in;
    without stages in the data, under its workstream."""
    phases = sorted((i for i in roadmap.items if i.type == "phase"), key=lambda i: (i.start, i.id))
    items = sorted((i for i in roadmap.items if i.type != "phase"), key=lambda i: (i.start, i.id))
    if not phases:
        return [(w, "", [i for i in items if i.workstream == w]) for w in roadmap.workstreams]
    groups: list[tuple[str, str, list[Item]]] = [(p.item, _dates(p), []) for p in phases]
    rest: list[Item] = []
    for item in items:
        home = [n for n, p in enumerate(phases) if p.start <= item.start <= p.finish]
        (groups[home[-1]][2] if home else rest).append(item)
    if rest:
        groups.append((_("Other items"), "", rest))
    return [g for g in groups if g[2]]


def stage_list(roadmap: Roadmap) -> str:
    """The roadmap as a list of items by stage: what a phone shows instead of the Gantt chart."""
    label = _("Roadmap items by stage")
    parts = [f'<div class="cx-roadmap-list" role="group" aria-label="{fmt.html(label)}">']
    for name, dates, items in _stages(roadmap):
        when = f' <span class="cx-muted">{fmt.html(dates)}</span>' if dates else ""
        parts.append(f'<h3 class="cx-roadmap-stage">{fmt.html(name)}{when}</h3><ul>')
        for i in items:
            parts.append(f"<li>{status_badge(i.status)} <strong>{fmt.html(i.item)}</strong> "
                         f'<span class="cx-muted">{fmt.html(_dates(i))} · {fmt.html(i.workstream)}'
                         f"{_who(i)}</span></li>")
        parts.append("</ul>")
    parts.append("</div>")
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
    # an item's name in two lines where it needs them (a list: Vega draws one line per entry)
    lines = {k: v if k.startswith("w") or len(_wrap(v, LABEL_CHARS)) == 1 else _wrap(v, LABEL_CHARS)
             for k, v in labels.items()}
    # the window in milliseconds (as the browser reads the ISO dates: UTC midnight), declared
    # once as bounds: Vega-Lite warns of a conflict on every layer when a layered time scale
    # is given a domain of dates
    scales = iter([alt.Scale(domainMin=_ms(start), domainMax=_ms(end + timedelta(days=1)), clamp=True)])

    def x(field: str, **kw) -> "alt.X":
        return alt.X(field, scale=next(scales, alt.Undefined), **kw)

    label_map = json.dumps(lines, ensure_ascii=False)
    two_lines = f"isArray({label_map}[datum.value]) && length({label_map}[datum.value]) > 1"
    y = alt.Y("row:N", sort=order, title=None, scale=alt.Scale(domain=order, paddingInner=0.2),
              axis=alt.Axis(labelExpr=f"{label_map}[datum.value]",
                            labelOffset=alt.condition(two_lines, alt.value(-7), alt.value(0)),
                            labelLimit=LABEL_PX, ticks=False, domain=False, labelFontSize=12,
                            labelLineHeight=14, labelBaseline="middle",
                            labelFontWeight=alt.condition("indexof(datum.value, 'w') === 0",
                                                          alt.value("bold"), alt.value("normal"))))
    height = ROW * len(order)
    month = fmt.chart_date_format("yMMM")
    month_axis = alt.Axis(format=month, labelAngle=0, tickCount={"interval": "month", "step": 1},
                          labelExpr=f"month(datum.value) % 3 === 0 ? timeFormat(datum.value, {json.dumps(month)}) : ''",
                          gridOpacity=0.4, orient="top", title=None, labelFontSize=12)
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
            "dates": _dates(i),
            "flag": status_word(i.status) if i.status in ("at-risk", "late") else "",
        } for i in items], columns=["row", "item", "workstream", "owner", "status", "state", "start",
                                    "end", "done_to", "dates", "flag"])

    layers = []
    lanes = pd.DataFrame(rows)
    layers.append(alt.Chart(lanes).mark_rect().encode(
        y=y, x=alt.value(0), x2=alt.value("width"),
        color=alt.condition("datum.lane === 0", alt.value("#F3F6F9"), alt.value("#FFFFFF"))))
    if phases:
        bands = pd.DataFrame([{"start": max(p.start, start).isoformat(),
                               "end": (min(p.finish, end) + timedelta(days=1)).isoformat(),
                               "name": p.item, "shade": n % 2,
                               "label": _wrap(p.item, int(_px(p, start, end) // 7))}
                              for n, p in enumerate(phases)])
        layers.append(alt.Chart(bands).mark_rect(opacity=0.35).encode(
            x=x("start:T", axis=month_axis), x2="end:T",
            color=alt.condition("datum.shade === 0", alt.value("#D5DDE5"), alt.value("#EEF2F6")),
            tooltip=[alt.Tooltip("name:N", title=_("Phase"))]))
        layers.append(alt.Chart(bands).mark_text(align="left", baseline="bottom", dx=3, y=-34, fontWeight="bold",
                                                 fontSize=12, lineHeight=14, color="#1B2530").encode(
            x=x("start:T"), text="label:N"))
    deps = _links(roadmap)
    if len(deps):
        # quiet by design: the table lists every dependency in words
        layers.append(alt.Chart(deps).mark_rule(color="#4A5866", strokeDash=[2, 3], opacity=0.3,
                                                strokeWidth=1).encode(
            x=x("from:T"), x2="to:T", y=y, y2="target:N"))
    if bars:
        data = frame(bars)
        layers.append(alt.Chart(data).mark_bar(cornerRadius=2).encode(
            x=x("start:T", axis=month_axis), x2="end:T", y=y, color=color, tooltip=tip))
        layers.append(alt.Chart(data).mark_bar(height=4, color="#1B2530", opacity=0.55).encode(
            x=x("start:T"), x2="done_to:T", y=y, tooltip=tip))
        layers.append(alt.Chart(data[data["flag"] != ""]).mark_text(align="left", dx=4, fontSize=12,
                                                                   fontWeight="bold", color="#1B2530").encode(
            x=x("end:T"), y=y, text="flag:N"))
    if stones:
        layers.append(alt.Chart(frame(stones)).mark_point(shape="diamond", filled=True, size=170, opacity=1,
                                                          stroke="#1B2530", strokeWidth=1).encode(
            x=x("start:T", axis=month_axis), y=y, color=color, tooltip=tip))
    if start <= today <= end:
        now = pd.DataFrame([{"date": today.isoformat(), "label": _("Today, %(date)s", date=fmt.day(today))}])
        layers.append(alt.Chart(now).mark_rule(color="#B3261E", strokeWidth=2).encode(x=x("date:T")))
        layers.append(alt.Chart(now).mark_text(align="left", dx=4, y=height + 14, color="#B3261E",
                                               fontWeight="bold", fontSize=12).encode(x=x("date:T"), text="label:N"))
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


def _wrap(text: str, chars: int, lines: int = 2) -> list[str]:
    """A label in at most `lines` lines of about `chars` characters; the last ends in '…' when
    the text is longer (its full text is in the tooltip, the list by stage and the table)."""
    import textwrap

    if any(c >= "\u2e80" for c in text):  # Chinese characters are about twice as wide
        chars = max(chars // 2, 4)
    out = textwrap.wrap(text, chars, break_on_hyphens=False) or [""]
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][:max(chars - 1, 1)].rstrip() + "…"
    return out


def _ms(d: date) -> int:
    return (d - date(1970, 1, 1)).days * 86_400_000


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
