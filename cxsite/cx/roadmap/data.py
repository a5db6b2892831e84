"""Roadmap data: read a roadmap table (one row per phase, initiative or milestone), check it,
and hand back plain items. Errors name the file, the row and the column."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ...data import data_path, load_table, require_columns, row_label, to_dates, to_numbers
from ...errors import Problem, SiteError, did_you_mean
from ... import fmt

if TYPE_CHECKING:
    import pandas as pd

    from ...blocks import BlockContext

TYPES = ("phase", "initiative", "milestone")
STATUSES = ("planned", "on-track", "at-risk", "late", "done")
REQUIRED = ("id", "workstream", "item", "type", "start", "status")
_SPLIT = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class Item:
    id: str
    workstream: str
    item: str
    type: str
    start: date
    end: date | None  # None for a milestone
    status: str
    owner: str
    progress: float | None
    depends_on: tuple[str, ...]
    row: int | None  # line in the file

    @property
    def finish(self) -> date:
        return self.end or self.start


@dataclass(frozen=True)
class Roadmap:
    items: tuple[Item, ...]
    file: str

    @property
    def start(self) -> date:
        return min(i.start for i in self.items)

    @property
    def finish(self) -> date:
        return max(i.finish for i in self.items)

    @property
    def workstreams(self) -> list[str]:
        """In the order they first appear in the file."""
        return list(dict.fromkeys(i.workstream for i in self.items))

    @property
    def lanes(self) -> list[str]:
        """The workstreams proper: not the one that holds the programme's phases."""
        phased = {i.workstream for i in self.items if i.type == "phase"}
        return [w for w in self.workstreams if w not in phased]


def span_months(start: date, finish: date) -> float:
    """Calendar months from start to finish, both days included (Feb 1 to Oct 31 next year = 21)."""
    whole = (finish.year - start.year) * 12 + finish.month - start.month
    return whole + (finish.day - start.day + 1) / calendar.monthrange(finish.year, finish.month)[1]


def _word(value: object) -> str:
    """A status or type as written by people: 'On track' -> 'on-track'."""
    return re.sub(r"[\s_]+", "-", str(value).strip().lower())


def load_roadmap(name: str, ctx: "BlockContext") -> Roadmap:
    """Read and check a roadmap file; warnings go to ctx.warnings."""
    df, rel = load_table(name, ctx, what="the roadmap block"), data_path(name, ctx)
    require_columns(df, REQUIRED, rel, ctx=ctx)
    roadmap = Roadmap(tuple(_items(df, rel)), rel)
    _check_cycles(roadmap)
    _check_dependencies(roadmap, ctx)
    _check_span(roadmap, ctx)
    return roadmap


def _items(df: "pd.DataFrame", rel: str) -> list[Item]:
    import pandas as pd

    starts = to_dates(df, "start", rel)
    ends = to_dates(df, "end", rel) if "end" in df.columns else pd.Series(pd.NaT, index=df.index)
    progress = to_numbers(df, "progress", rel) if "progress" in df.columns else pd.Series(float("nan"), index=df.index)
    items: list[Item] = []
    seen: dict[str, int | None] = {}
    for idx in df.index:
        line = row_label(df, idx, rel)

        def cell(col: str) -> str:
            v = df[col][idx] if col in df.columns else None
            if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
                return ""
            if isinstance(v, float) and v.is_integer():  # an id 2 in a column with gaps: not 2.0
                v = int(v)
            return str(v).strip()

        def fail(message: str, hint: str) -> None:
            raise SiteError(message, file=rel, line=line, hint=hint)

        if not any(cell(c) for c in REQUIRED):
            continue  # an empty row, common at the end of a spreadsheet
        ident = cell("id")
        if not ident:
            fail("the row has no 'id'", "give every row a short, unique id such as R12 in column 'id'.")
        if ident in seen:
            fail(f"the id '{ident}' in column 'id' is used twice (rows {seen[ident]} and {line})",
                 "give every row its own id.")
        seen[ident] = line
        kind = _word(cell("type"))
        if kind not in TYPES:
            fail(f"the type '{cell('type')}' in column 'type' is not one of: {', '.join(TYPES)}",
                 did_you_mean(kind, TYPES))
        status = _word(cell("status"))
        if status not in STATUSES:
            fail(f"the status '{cell('status')}' in column 'status' is not one of: {', '.join(STATUSES)}",
                 did_you_mean(status, STATUSES))
        for col in ("workstream", "item"):
            if not cell(col):
                fail(f"the row '{ident}' has no '{col}'", f"fill in column '{col}'.")
        start = starts[idx]
        if pd.isna(start):
            fail(f"the row '{ident}' has no date in column 'start'", "write the start date as YYYY-MM-DD.")
        end = ends[idx]
        if kind == "milestone" and not pd.isna(end):
            fail(f"the milestone '{ident}' has an end date in column 'end'",
                 "a milestone is a single day: leave 'end' empty and put its date in 'start', or change "
                 "its type to 'initiative'.")
        if kind != "milestone" and pd.isna(end):
            fail(f"the {kind} '{ident}' has no date in column 'end'",
                 "write the end date as YYYY-MM-DD; a single day with no end is a 'milestone'.")
        if not pd.isna(end) and end < start:
            fail(f"the end date {fmt.day(end.date(), fmt.AUTHOR_LOCALE)} in column 'end' is before the start date "
                 f"{fmt.day(start.date(), fmt.AUTHOR_LOCALE)} of '{ident}'", "swap the two dates, or correct the one that is wrong.")
        value = progress[idx]
        if not pd.isna(value) and not 0 <= value <= 100:
            fail(f"the progress '{value:g}' in column 'progress' of '{ident}' is not from 0 to 100",
                 "write the share of work done as a number from 0 to 100 (or leave it empty).")
        items.append(Item(ident, cell("workstream"), cell("item"), kind, start.date(),
                          None if pd.isna(end) else end.date(), status, cell("owner"),
                          None if pd.isna(value) else float(value),
                          tuple(d for d in _SPLIT.split(cell("depends_on")) if d), line))
    if not items:
        raise SiteError("the roadmap has no items", file=rel, hint="add one row per phase, initiative or milestone.")
    return items


def _check_dependencies(roadmap: Roadmap, ctx: "BlockContext") -> None:
    by_id = {i.id: i for i in roadmap.items}
    for item in roadmap.items:
        for dep in item.depends_on:
            if dep == item.id:
                raise SiteError(f"'{item.id}' depends on itself in column 'depends_on'", file=roadmap.file,
                                line=item.row, hint="remove its own id from 'depends_on'.")
            if dep not in by_id:
                raise SiteError(f"'{item.id}' depends on '{dep}' in column 'depends_on', but there is no "
                                "item with that id", file=roadmap.file, line=item.row,
                                hint=did_you_mean(dep, by_id) + " Separate several ids with commas.")
            first = by_id[dep]
            if first.finish > item.start:
                ctx.warnings.append(Problem(
                    f"'{item.id}' ({item.item}) starts on {fmt.day(item.start, fmt.AUTHOR_LOCALE)}, before '{dep}' "
                    f"({first.item}), which it depends on, ends on {fmt.day(first.finish, fmt.AUTHOR_LOCALE)}",
                    file=roadmap.file, line=item.row, severity="warning",
                    hint=f"move the start of '{item.id}' after {fmt.day(first.finish, fmt.AUTHOR_LOCALE)}, or correct 'depends_on'."))


def _check_cycles(roadmap: Roadmap) -> None:
    """Items that depend on each other in a circle (R1 on R3, R3 on R2, R2 on R1) can never start."""
    by_id = {i.id: i for i in roadmap.items}
    done: set[str] = set()

    def visit(ident: str, path: list[str]) -> None:
        if ident in path:
            circle = path[path.index(ident):] + [ident]
            first = by_id[circle[0]]
            raise SiteError(f"the items depend on each other in a circle: '{circle[0]}' depends on "
                            + ", which depends on ".join(f"'{c}'" for c in circle[1:]),
                            file=roadmap.file, line=first.row,
                hint="remove one of these ids from its 'depends_on' cell.")
        if ident in done:
            return
        for dep in by_id[ident].depends_on:
            if dep in by_id and dep != ident:  # unknown ids and itself: _check_dependencies
                visit(dep, path + [ident])
        done.add(ident)

    for item in roadmap.items:
        visit(item.id, [])


def _check_span(roadmap: Roadmap, ctx: "BlockContext") -> None:
    lo, hi = ctx.config.roadmap_months
    months = span_months(roadmap.start, roadmap.finish)
    if not lo <= round(months, 1) <= hi:
        ctx.warnings.append(Problem(
            f"the programme spans {months:.1f} months ({fmt.day(roadmap.start, fmt.AUTHOR_LOCALE)} to {fmt.day(roadmap.finish, fmt.AUTHOR_LOCALE)}); "
            f"a CX transformation usually takes {lo} to {hi} months",
            file=roadmap.file, severity="warning",
            hint="check the first start date and the last end date, or set 'roadmap: {min_months: ..., "
                 "max_months: ...}' in cxsite.yaml."))
