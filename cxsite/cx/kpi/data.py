"""KPI data: the definitions file, and one KPI's values over time, read either from a
long-format table (kpi, period, value, target, segment) or computed as NPS from raw answers.

Both kinds of file may be protected (raw answers always are; a table with an `n` column is
too): their values then come through cxsite.privacy, which leaves out groups with too few
responses and those the site-wide audit withholds. Only their period and name survive,
flagged as suppressed, with the reason."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
import hashlib
import re
from typing import TYPE_CHECKING, Any, Callable

import yaml

from . import nps
from ...data import data_path, open_table, read_file, require_columns, row_label, to_dates, to_numbers
from ...privacy.query import Key
from ...privacy.table import ProtectedTable, Withheld
from ...errors import SiteError, did_you_mean
from ... import fmt
from ...i18n import choose, current, parse_locale
from ...rounding import published_series
from ...yamltext import parse_yaml

if TYPE_CHECKING:
    import pandas as pd

    from ...blocks import BlockContext

DIRECTIONS = ("higher", "lower")
FIELDS = ("kpi", "name", "unit", "direction", "target", "source", "from", "period", "decimals")
TRANSLATED = ("name", "unit", "source")  # may be given per language: name: {en: ..., zh: ...}
_PER_LANGUAGE = re.compile(r"(name|unit|source)_([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)")  # name_zh
VALUE_COLUMNS = ("kpi", "period", "value")
SCORE_COLUMN = "score"  # a file with this column holds raw 0-10 answers
SEGMENT = "segment"


@dataclass(frozen=True)
class Definition:
    """One KPI as kpi_definitions.yaml describes it."""

    kpi: str
    name: str
    unit: str = ""
    direction: str = "higher"
    target: float | None = None
    source: str = ""
    origin: str | None = None  # 'from:' the file its values come from
    period: str = "month"  # how raw answers are grouped in time
    decimals: int = 1
    file: str = ""
    line: int | None = None
    # name, unit and source in other languages: ((field, ((language code, text), ...)), ...)
    texts: tuple = ()

    def localised(self) -> "Definition":
        """The definition with its name, unit and source in the page's language."""
        if not self.texts:
            return self
        lang = current().language
        return replace(self, **{f: choose(dict(t), lang) for f, t in self.texts})

    def better(self, change: float) -> bool:
        return change > 0 if self.direction == "higher" else change < 0

    def on_track(self, value: float, target: float) -> bool:
        return value >= target if self.direction == "higher" else value <= target


@dataclass
class KpiData:
    """One KPI's values: a frame with start, key, label, value, target, n, moe, group, suppressed
    and withheld (why a suppressed row is: a privacy.table.Withheld).

    Suppressed rows carry only start, key, label and group: their values were never kept."""

    definition: Definition
    frame: "pd.DataFrame"
    file: str  # data/... the values came from
    responses: bool  # computed from raw answers (then n and moe are filled)
    segment: str | None


# --- definitions --------------------------------------------------------------------------
_DEFS: dict[tuple[str, str], dict[str, Definition]] = {}


def definitions(ctx: "BlockContext") -> dict[str, Definition]:
    """The site's KPI definitions (data/kpi_definitions.yaml unless the config names another)."""
    name = ctx.config.kpi_definitions
    data_dir = ctx.config.data_dir
    if not (data_dir / name).is_file():
        raise SiteError(f"there is no KPI definitions file data/{name}", file=ctx.file, line=ctx.line,
                        hint=f"create data/{name} with one entry per KPI, for example:\n"
                             "  - kpi: nps\n    name: Net Promoter Score\n    unit: points\n"
                             "    direction: higher\n    target: 30")
    rel = data_path(name, ctx)
    path = ctx.config.source / rel
    ctx.add_input(rel)
    raw = path.read_bytes()
    key = (rel, hashlib.sha256(raw).hexdigest())
    if key not in _DEFS:
        if path.suffix.lower() in (".yaml", ".yml"):
            entries = _yaml_entries(raw, rel)
        else:
            df = read_file(path, rel)
            entries = [({k: v for k, v in row.items() if _present(v)}, row_label(df, i, rel), {})
                       for i, row in zip(df.index, df.to_dict("records"))]
        _DEFS[key] = _parse_definitions(entries, rel)
    return {k: d.localised() for k, d in _DEFS[key].items()}


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and value != value)


def _yaml_entries(raw: bytes, rel: str) -> list[tuple[dict, int | None, dict[str, int]]]:
    """Each entry of a YAML list with its line and the line of each of its fields."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SiteError("the file is not UTF-8 text", file=rel, hint="save it as UTF-8.") from None
    records = parse_yaml(text, file=rel, what="the KPI definitions file")
    if isinstance(records, dict) and all(isinstance(v, dict) for v in records.values()):
        # 'nps: {name: ...}' is a natural way to write it too.
        records = [{"kpi": k, **v} for k, v in records.items()]
        node_items = [(None, None)] * len(records)
    else:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        node_items = [(item, None) for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SiteError("the KPI definitions file must be a list with one entry per KPI", file=rel,
                        line=1, hint="start each entry with '- kpi: ' followed by the KPI's short name.")
    out = []
    for record, (item, _) in zip(records, node_items):
        lines: dict[str, int] = {}
        line = None
        if isinstance(item, yaml.MappingNode):
            line = item.start_mark.line + 1
            lines = {k.value: k.start_mark.line + 1 for k, _v in item.value}
        out.append((record, line, lines))
    return out


def _parse_definitions(entries: list, rel: str) -> dict[str, Definition]:
    found: dict[str, Definition] = {}
    for record, line, lines in entries:
        def fail(message: str, field: str | None, hint: str) -> None:
            raise SiteError(message, file=rel, line=lines.get(field, line) if field else line, hint=hint)

        texts: dict[str, dict[str, str]] = {}
        for field in list(record):
            per_language = _PER_LANGUAGE.fullmatch(str(field))
            if per_language:  # name_zh: 净推荐值 (a column of a spreadsheet)
                texts.setdefault(per_language.group(1), {})[per_language.group(2)] = \
                    str(record.pop(field) or "").strip()
            elif field not in FIELDS:
                fail(f"the KPI definition has an unknown field '{field}'", str(field),
                     did_you_mean(str(field), FIELDS) + " The fields are: " + ", ".join(FIELDS) + ".")
        for field in FIELDS:
            value = record.get(field)
            if field in TRANSLATED and isinstance(value, dict):  # name: {en: ..., zh: ...}
                texts[field] = {**_language_texts(value, field, fail), **texts.get(field, {})}
                record[field] = next(iter(texts[field].values()), "")
            elif isinstance(value, (dict, list)):
                fail(f"the field '{field}' of a KPI definition must be a single value, not a list",
                     field, f"write one value after '{field}:'" +
                     (f", or one per language: '{field}: {{en: ..., zh: ...}}'." if field in TRANSLATED else "."))
        for field, by_language in texts.items():
            for code in by_language:
                _check_language(code, f"{field}_{code}" if f"{field}_{code}" in lines else field, fail)
        kpi = str(record.get("kpi") or "").strip()
        if not kpi:
            fail("a KPI definition has no 'kpi' (its short name)", None,
                 "start the entry with '- kpi: ' and a short name such as nps.")
        if kpi in found:
            fail(f"the KPI '{kpi}' is defined twice", "kpi",
                 f"its first definition is at line {found[kpi].line}; keep one.")
        direction = str(record.get("direction", "higher")).strip()
        if direction not in DIRECTIONS:
            fail(f"the direction '{direction}' of KPI '{kpi}' (column 'direction') must be 'higher' "
                 "or 'lower'", "direction",
                 "write 'direction: higher' when a higher value is better, 'direction: lower' when "
                 "a lower value is better.")
        target = record.get("target")
        if _present(target) and (isinstance(target, bool) or not isinstance(target, (int, float))):
            fail(f"the target '{target}' of KPI '{kpi}' is not a number", "target",
                 "write a plain number, e.g. 'target: 30' (no % sign).")
        period = str(record.get("period", "month")).strip()
        if period not in nps.PERIODS:
            fail(f"the period '{period}' of KPI '{kpi}' is not possible", "period",
                 "choose one of: " + ", ".join(nps.PERIODS) + ".")
        decimals = record.get("decimals", 1)
        if isinstance(decimals, float) and decimals.is_integer():
            decimals = int(decimals)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 4:
            fail(f"'decimals' of KPI '{kpi}' must be a whole number from 0 to 4", "decimals",
                 "write for example 'decimals: 1'.")
        origin = record.get("from")
        found[kpi] = Definition(
            kpi=kpi, name=str(record.get("name") or kpi).strip(), unit=str(record.get("unit") or "").strip(),
            direction=direction, target=float(target) if _present(target) else None,
            source=str(record.get("source") or "").strip(),
            origin=str(origin).strip() if _present(origin) and str(origin).strip() else None,
            period=period, decimals=decimals, file=rel, line=line,
            texts=tuple((f, tuple(t.items())) for f, t in sorted(texts.items())))
    return found


def _language_texts(value: dict, field: str, fail) -> dict[str, str]:
    out = {}
    for code, text in value.items():
        if isinstance(text, (dict, list)):
            fail(f"the {field} in '{code}' must be a single value", field,
                 f"write '{field}: {{en: ..., zh: ...}}' with one text per language.")
        out[str(code).strip()] = "" if text is None else str(text).strip()
    return out


def _check_language(code: str, field: str, fail) -> None:
    try:
        parse_locale(code)
    except ValueError:
        fail(f"'{code}' is not a language code", field,
             "write the language as in cxsite.yaml, for example 'en', 'zh', 'zh-Hans' or 'zh-Hant'.")


def definition(kpi: str, ctx: "BlockContext") -> Definition:
    defs = definitions(ctx)
    if kpi not in defs:
        raise SiteError(f"there is no KPI '{kpi}' in data/{ctx.config.kpi_definitions}",
                        file=ctx.file, line=ctx.line,
                        hint=did_you_mean(kpi, defs) + " KPIs are named by their 'kpi:' field.")
    return defs[kpi]


# --- values ------------------------------------------------------------------------------
def kpi_data(defn: Definition, ctx: "BlockContext", *, data: str | None = None,
             segment: str | None = None, by: str | None = None,
             period: Callable[[list[str]], str] | None = None) -> KpiData:
    """The values of one KPI, from the block's data file or from the definition's 'from:' file.
    `period` chooses, from the keys of all periods, the one period wanted (a sentence quotes one):
    only that one is read from a protected file, so the page publishes no more than it shows."""
    origin = origin_rel = None
    if defn.origin:
        origin, origin_rel = open_table(defn.origin, ctx), data_path(defn.origin, ctx)
    if data is not None:
        table, rel = open_table(data, ctx), data_path(data, ctx)
        if _answers(table):
            return _from_responses(defn, table, rel, ctx, segment, by, period)
        labels = _labels_of(table)
        rows = _value_rows(labels, rel, ctx)
        has_rows = bool((rows == defn.kpi).any())
        if has_rows and origin is not None and _answers(origin) and origin_rel != rel:
            first = rows.index[(rows == defn.kpi).to_numpy()][0]
            raise SiteError(
                f"the KPI '{defn.kpi}' is computed from {origin_rel} (see {defn.file}), but {rel} also "
                "gives values for it", file=rel, line=row_label(labels, first, rel),
                hint=f"delete the rows of '{defn.kpi}' from {rel}, or remove 'from:' from its definition.")
        if has_rows or origin is None:
            return _from_values(defn, table, rel, ctx, segment, by)
    if origin is None:
        raise SiteError(f"no file gives the values of KPI '{defn.kpi}'", file=ctx.file, line=ctx.line,
                        hint=f"add 'data: your_file.csv' to the block, or 'from: your_file.csv' to the "
                             f"definition of '{defn.kpi}' in {defn.file}.")
    if _answers(origin):
        return _from_responses(defn, origin, origin_rel, ctx, segment, by, period)
    return _from_values(defn, origin, origin_rel, ctx, segment, by)


def _answers(table: Any) -> bool:
    """A file of raw 0-10 answers (always protected), rather than a table of KPI values."""
    return SCORE_COLUMN in table.columns and "kpi" not in table.columns


def _labels_of(table: Any) -> "pd.DataFrame":
    """The columns that name rows (kpi, period, segment): the whole table, or for a protected
    table of groups its identity columns, which hold names, never respondents' values."""
    return table.identity() if isinstance(table, ProtectedTable) else table


def _value_rows(df: "pd.DataFrame", rel: str, ctx: "BlockContext") -> "pd.Series":
    """The kpi column, trimmed; every KPI named in it must have a definition."""
    require_columns(df, VALUE_COLUMNS, rel, ctx=ctx)
    kpis = df["kpi"].astype("string").str.strip()
    defs = definitions(ctx)
    unknown = kpis.notna() & ~kpis.isin(list(defs))
    blank = kpis.isna() | (kpis == "")
    if blank.any():
        idx = blank[blank].index[0]
        raise SiteError("the row has no KPI name in column 'kpi'", file=rel, line=row_label(df, idx, rel),
                        hint="write the KPI's short name, as in the definitions file, or delete the row.")
    if unknown.any():
        idx = unknown[unknown].index[0]
        raise SiteError(f"the KPI '{kpis[idx]}' in column 'kpi' has no definition", file=rel,
                        line=row_label(df, idx, rel),
                        hint=f"{did_you_mean(str(kpis[idx]), defs)} Each KPI needs an entry in "
                             f"data/{ctx.config.kpi_definitions} (name, unit, direction, target).")
    return kpis


def _from_values(defn: Definition, table: Any, rel: str, ctx: "BlockContext",
                 segment: str | None, by: str | None) -> KpiData:
    import pandas as pd

    labels = _labels_of(table)
    kpis = _value_rows(labels, rel, ctx)
    mine = labels[(kpis == defn.kpi).to_numpy()]
    if mine.empty:
        raise SiteError(f"{rel} has no values for the KPI '{defn.kpi}'", file=ctx.file, line=ctx.line,
                        hint=did_you_mean(defn.kpi, sorted(set(kpis.dropna()))))
    if by is not None:
        require_columns(mine, [by], rel, ctx=ctx, option="by")
    mine = _segment_filter(defn, mine, rel, ctx, segment, split=by == SEGMENT)
    gone: list[Withheld] = []
    if isinstance(table, ProtectedTable):  # a table with group sizes: small groups stay out
        chosen = mine.index
        found = table.rows(pick=lambda rows: chosen, label=lambda g: " ".join(g))
        mine, gone = found.frame, found.withheld
    periods = to_dates(mine, "period", rel)
    values = to_numbers(mine, "value", rel)
    target = to_numbers(mine, "target", rel) if "target" in mine.columns else pd.Series(float("nan"), index=mine.index)
    target = target.fillna(defn.target if defn.target is not None else float("nan"))
    group = mine[by].astype("string").str.strip().fillna("") if by else pd.Series("", index=mine.index)
    frame = pd.DataFrame({"start": periods, "value": values.astype("float64"), "target": target,
                          "group": group.astype(str)})
    frame = frame[frame["value"].notna()]
    if frame.empty and not gone:
        raise SiteError(f"every value of the KPI '{defn.kpi}' in {rel} is empty", file=ctx.file,
                        line=ctx.line, hint="fill in the 'value' column.")
    dup = frame.duplicated(["group", "start"], keep=False)
    if dup.any():
        rows = [row_label(labels, i, rel) for i in frame.index[dup.to_numpy()][:2]]
        raise SiteError(f"the KPI '{defn.kpi}' has two values for the same period", file=rel, line=rows[1],
                        hint=f"rows {rows[0]} and {rows[1]} give the same KPI, period and segment; keep one.")
    frame["n"] = float("nan")
    frame["moe"] = float("nan")
    frame["suppressed"] = False
    frame["withheld"] = None
    if gone:
        hidden = pd.DataFrame({"start": pd.to_datetime([w.names["period"] for w in gone]),
                               "group": [w.names.get(by, "") if by else "" for w in gone],
                               "target": defn.target if defn.target is not None else float("nan"),
                               "suppressed": True, "withheld": gone})
        frame = pd.concat([frame, hidden], ignore_index=True)
    monthly = bool((frame["start"].dt.day == 1).all())
    frame = frame.sort_values(["group", "start"], kind="stable").reset_index(drop=True)
    frame["key"] = frame["start"].dt.strftime("%Y-%m" if monthly else "%Y-%m-%d")
    frame["label"] = [_label(d, monthly) for d in frame["start"]]
    return KpiData(defn, _published(frame, defn.decimals), rel, False, segment)


def _segment_filter(defn: Definition, rows: "pd.DataFrame", rel: str, ctx: "BlockContext",
                    segment: str | None, split: bool) -> "pd.DataFrame":
    """The rows of the chosen segment; without a choice, the rows with no segment (the total)."""
    if SEGMENT not in rows.columns:
        if segment is not None:
            raise SiteError(f"{rel} has no column 'segment', so 'segment: {segment}' cannot be used",
                            file=ctx.file, line=ctx.line,
                            hint="add a 'segment' column to the file, or remove 'segment' from the block.")
        return rows
    seg = rows[SEGMENT].astype("string").str.strip().fillna("")
    names = sorted(set(seg) - {""})
    if segment is not None:
        chosen = rows[(seg == segment).to_numpy()]
        if chosen.empty:
            raise SiteError(f"the KPI '{defn.kpi}' has no values for the segment '{segment}'",
                            file=ctx.file, line=ctx.line,
                            hint=did_you_mean(segment, names) if names else "the file has no segments.")
        return chosen
    if split:
        return rows
    total = rows[(seg == "").to_numpy()]
    if not total.empty:
        return total
    if len(names) == 1:  # every row belongs to the same segment: that is the total
        return rows
    raise SiteError(f"the KPI '{defn.kpi}' has values for several segments ({', '.join(names)}), and "
                    "none for all segments together", file=ctx.file, line=ctx.line,
                    hint=f"choose one with 'segment: {names[0]}', or add rows with an empty segment "
                         "for the total.")


def _from_responses(defn: Definition, table: ProtectedTable, rel: str, ctx: "BlockContext",
                    segment: str | None, by: str | None,
                    period: Callable[[list[str]], str] | None = None) -> KpiData:
    """NPS per period (and per value of `by`), through the privacy layer: groups with too few
    answers, and those the site-wide audit withholds, come back as names only."""
    import pandas as pd

    if segment is not None:
        if SEGMENT not in table.columns:
            raise SiteError(f"{rel} has no column 'segment', so 'segment: {segment}' cannot be used",
                            file=ctx.file, line=ctx.line,
                            hint="add a 'segment' column to the responses, or remove 'segment'.")
        names = table.names(SEGMENT)
        if segment not in names:
            raise SiteError(f"no responses in {rel} have the segment '{segment}'",
                            file=ctx.file, line=ctx.line, hint=did_you_mean(segment, names))
    if by is not None:
        table.require([by], option="by")
    keys = [Key("date", defn.period)] + ([Key(by)] if by else [])

    def label(group: tuple[str, ...]) -> str:
        when = period_label(group[0])
        return f"{group[1]} {when}" if by else when

    found = table.groups(where={SEGMENT: segment} if segment is not None else None, keys=keys,
                         needs=[SCORE_COLUMN], measure=nps.counts(rel), measure_id="nps",
                         check=lambda rows: nps.check_answers(rows, rel), label=label,
                         only=None if period is None else lambda groups: _in_period(groups, period))
    t = found.table
    value, moe = nps.from_counts(t["n"].to_numpy(), t["promoters"].to_numpy(),
                                 t["detractors"].to_numpy())
    frame = pd.DataFrame({
        "key": t["date"].astype(str),
        "value": value.astype("float64"),
        "n": t["n"].astype("float64"),
        "moe": moe.astype("float64"),
        "group": t[by].astype(str) if by else "",
        "suppressed": False,
        "withheld": None,
    })
    hidden = pd.DataFrame({"key": [w.names["date"] for w in found.withheld],
                           "group": [w.names[by] if by else "" for w in found.withheld],
                           "suppressed": True, "withheld": found.withheld})
    frame = pd.concat([frame, hidden], ignore_index=True) if len(hidden) else frame
    frame["start"] = [period_start(k) for k in frame["key"]]
    frame["start"] = pd.to_datetime(frame["start"])
    frame["label"] = [period_label(k) for k in frame["key"]]
    frame["target"] = defn.target if defn.target is not None else float("nan")
    frame = frame.sort_values(["group", "start"], kind="stable").reset_index(drop=True)
    return KpiData(defn, _published(frame, defn.decimals), rel, True, segment)


def _published(frame: "pd.DataFrame", decimals: int) -> "pd.DataFrame":
    """Values and margins rounded once, at the KPI's decimals: cards, tables, CSV files, tooltips
    and sentences all show these, and any sum or difference of them (a change, a 95% range) is
    made from them, so no two places disagree by a rounding."""
    frame["value"] = published_series(frame["value"], decimals)
    frame["moe"] = published_series(frame["moe"], decimals)
    return frame


def _in_period(groups: list[tuple[str, ...]], period: Callable[[list[str]], str]) -> list:
    """The groups (period, ...) of the one period chosen from all of them."""
    keep = period(sorted({g[0] for g in groups}))
    return [g for g in groups if g[0] == keep]


def period_start(key: str) -> date:
    """The first day of a period key: 2026-03, 2026-Q1 or 2026."""
    if "-Q" in key:
        year, q = key.split("-Q")
        return date(int(year), 3 * int(q) - 2, 1)
    if len(key) == 4:
        return date(int(key), 1, 1)
    return date.fromisoformat(key + "-01" if len(key) == 7 else key)


def period_label(key: str) -> str:
    """What readers see, in their language: Mar 2026, Q1 2026, 2026, Mar 15, 2026 (2026年3月...)."""
    if "-Q" in key:
        year, q = key.split("-Q")
        return fmt.quarter(int(year), int(q))
    if len(key) == 4:
        return key
    return fmt.month(period_start(key)) if len(key) == 7 else fmt.day(period_start(key))


def _label(ts: "pd.Timestamp", monthly: bool) -> str:
    return period_label(ts.strftime("%Y-%m" if monthly else "%Y-%m-%d"))
