"""Vega-Lite charts as figures: the site theme, static SVG rendered at build time with
vl-convert, the interactive chart (vega-embed), a data table and a CSV download, and the
offline Vega bundle written once into the site.

Every chart is a plain Vega-Lite dict with its data inline, so what the page shows, what the SVG
shows and what the CSV holds all come from the one table the caller passed.
"""
from __future__ import annotations

import copy
import functools
import html
import json
import math
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .. import fmt
from ..engine.cache import Cache, digest
from ..errors import SiteError
from ..i18n import _, current, ngettext
from ..i18n.d3 import vega_locale
from .engine import ChartFailed, engine

if TYPE_CHECKING:
    import pandas as pd

    from ..blocks import BlockContext
    from ..config import Config

# The theme's own font first (templates/fonts, shipped with cxsite and loaded by the pages), so a
# static chart is measured with the font the browser draws it in; Chinese falls through to the
# reader's CJK fonts.
FONT = ('"Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
        '"WenQuanYi Micro Hei", sans-serif')
MAX_TABLE_ROWS = 500  # the HTML table stops here; the CSV download always has every row
DEFAULT_WIDTH = 460


# --- theme ----------------------------------------------------------------------------------
def theme(config: "Config") -> dict:
    """The Vega-Lite config of the site theme: brand colours (colour-blind safe by default), and
    the reader's locale, so numbers and dates in charts are written as in the page's text."""
    colors = list(config.colors)
    ink, muted, line = "#1b2530", "#4a5866", "#d5dde5"
    # chart text at 13 px beside 17 px body text (a phone keeps it: charts fit their column)
    label = {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 13, "titleFontSize": 13,
             "labelColor": ink, "titleColor": ink}
    return {
        "background": "#ffffff",
        "font": FONT,
        "range": {"category": colors},
        "mark": {"color": colors[0]},
        "bar": {"color": colors[0]},
        "line": {"strokeWidth": 2.5},
        "point": {"filled": True, "size": 50},
        "arc": {"stroke": "#ffffff", "strokeWidth": 1},
        "rule": {"color": ink},
        "text": {"font": FONT, "fontSize": 13, "color": ink},
        "view": {"stroke": None, "continuousWidth": DEFAULT_WIDTH, "continuousHeight": 300},
        "axis": {**label, "gridColor": "#e6ebf0", "domainColor": muted, "tickColor": muted,
                 "labelLimit": 260, "titleFontWeight": "bold", "titlePadding": 8},
        "legend": {**label, "labelLimit": 260, "titleFontWeight": "bold", "symbolSize": 120},
        "header": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 13,
                   "titleFontSize": 13, "labelColor": ink, "titleColor": ink, "labelLimit": 260},
        "title": {"font": FONT, "fontSize": 16, "anchor": "start", "color": ink},
        "axisQuantitative": {"tickCount": 6},
        # one date style on every time axis ("Jul 2024", in the reader's language); a chart's
        # date_format still wins
        "axisTemporal": {"format": fmt.chart_date_format("yMMM"), "labelOverlap": "greedy"},
        "style": {"guide-label": {"fill": ink}, "cell": {"stroke": line}},
        "locale": vega_locale(str(current().locale)),
        # Vega would describe axes, legends and marks to screen readers in English ("X-axis
        # titled ..."); the figure's caption, description and data table do it in the page's
        # language instead.
        "aria": False,
    }


def readable_name(name: str) -> str:
    """A column name as a reader would write it, for axis and legend titles:
    'share_of_wallet' -> 'Share of wallet', 'country' -> 'Country'."""
    words = re.sub(r"[_\s]+", " ", str(name)).strip()
    return words[:1].upper() + words[1:] if words else str(name)


# --- specs ----------------------------------------------------------------------------------
def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _check_no_urls(node: Any, path: str = "") -> None:
    """Refuse data loaded from a URL: pages must not request other hosts, nor read unlisted data."""
    if isinstance(node, dict):
        data = node.get("data")
        if isinstance(data, dict) and "url" in data:
            raise SiteError(f"the chart loads data from '{data['url']}'",
                            hint="charts may only use data from the data/ folder: name the file "
                                 "with 'data:' in a chart block instead of a URL.")
        for k, v in node.items():
            _check_no_urls(v, f"{path}.{k}")
    elif isinstance(node, list):
        for v in node:
            _check_no_urls(v, path)


def to_spec(chart: Any, config: "Config", *, description: str = "", validate: bool = True) -> dict:
    """A self-contained Vega-Lite dict with the site theme, from an Altair chart or a dict."""
    if isinstance(chart, dict):
        spec = copy.deepcopy(chart)
    else:
        import altair as alt

        try:
            with alt.data_transformers.enable("default", max_rows=None), alt.theme.enable("none"):
                spec = chart.to_dict(validate=validate)
        except alt.utils.schemapi.SchemaValidationError as exc:
            first = str(exc).strip().splitlines()[0]
            raise SiteError(f"the chart is not a valid Vega-Lite chart: {first}",
                            hint="check the encodings and options of the chart.") from None
    _check_no_urls(spec)
    spec["config"] = _merge(theme(config), spec.get("config") or {})
    if description and "description" not in spec:
        spec["description"] = description
    return spec


def spec_json(spec: dict) -> str:
    """Canonical JSON of a spec (sorted keys), safe inside a <script> element."""
    try:
        text = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False, default=_json_default)
    except ValueError:
        raise SiteError("the chart's data holds a value that is not a number (NaN or infinity)",
                        hint="leave such cells empty in the data file.") from None
    # '</script>' or '<!--' in a data cell must not end the script element
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"cannot put {type(value).__name__} into a chart")


def table_from_spec(spec: dict) -> "pd.DataFrame":
    """The inline data of a spec as a table (the largest dataset when there are several)."""
    import pandas as pd

    candidates: list[list] = [v for v in (spec.get("datasets") or {}).values() if isinstance(v, list)]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and isinstance(data.get("values"), list):
                candidates.append(data["values"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    rows = max(candidates, key=len, default=[])
    if rows and not all(isinstance(r, dict) for r in rows):
        rows = [{"value": r} for r in rows]
    return pd.DataFrame.from_records(rows)


# --- vl-convert -----------------------------------------------------------------------------
def _convert(name: str, **kwargs: Any) -> Any:
    """vl_convert.<name>(**kwargs), run by this process's chart engine (see charts/engine.py)."""
    return engine().call(name, **kwargs)


def vl_version() -> str:
    """The Vega-Lite version used for both the SVGs and the browser bundle (they must agree)."""
    import vl_convert

    return vl_convert.get_vegalite_versions()[-1]


def engine_key() -> str:
    import vl_convert

    return f"vl-convert {vl_convert.__version__}, vega-lite {vl_version()}, fonts {_fonts_key()}"


@functools.cache
def _fonts_key() -> str:
    """The theme's chart fonts: a static chart drawn with other fonts is drawn again."""
    from .engine import font_dir

    files = sorted(p for p in font_dir().glob("*") if p.suffix.lower() in (".ttf", ".otf"))
    return digest("fonts", *(part for p in files for part in (p.name, p.read_bytes())))[:16]


def render_svg(spec_text: str, cache: Cache) -> str:
    """The chart as SVG, rendered once per (spec, theme, vl-convert version)."""
    key = digest("svg", spec_text, engine_key())
    hit = cache.get("svg", key)
    if hit is not None:
        return hit.decode("utf-8")
    try:
        svg = _convert("vegalite_to_svg", vl_spec=json.loads(spec_text), vl_version=vl_version(),
                       allowed_base_urls=[])
    except ChartFailed as exc:
        # the engine logs the first error and raises a later, vaguer one: prefer the first
        first = [ln for ln in exc.log if ln.startswith("ERROR ")]
        reason = _js_error(first[0][6:] if first else str(exc))
        raise SiteError(f"the chart could not be drawn: {reason}",
                        hint="check the chart's options (formats such as '.1f' or '%b %Y', "
                             "column types, encodings).") from None
    cache.put("svg", key, svg.encode("utf-8"))
    return svg


def _js_error(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("at ")]
    useful = [ln for ln in lines if "conversion failed" not in ln]
    msg = (useful or lines or ["unknown error"])[0]
    return re.sub(r"^(Error|TypeError|ReferenceError):\s*", "", msg)


# --- figures --------------------------------------------------------------------------------
@dataclass
class Figure:
    """A chart ready to place on a page: plain values, so it can be cached as JSON."""

    spec: str  # canonical JSON, script-safe
    svg: str  # static SVG, its ids waiting for the chart's id (_CID)
    table: str  # HTML <table>
    csv: str
    rows: int

    def to_json(self) -> dict:
        return asdict(self)


def use_cache(config: "Config", ctx: "BlockContext | None" = None) -> Cache:
    """The chart cache. On a page that read a protected file, new entries wait in the page's
    output until the site-wide privacy audit has settled what the page publishes: the cache
    never holds a figure the site does not publish."""
    cache = Cache.for_config(config)
    return cache.held(ctx.cache_writes) if ctx is not None and ctx.private else cache


def make_figure(chart: Any, table: "pd.DataFrame", config: "Config", *, title: str,
                description: str = "", validate: bool = True, cache: Cache | None = None) -> Figure:
    """Compile, render and tabulate a chart (the expensive part of render_figure). Charts built
    by trusted code may skip Altair's schema validation (vl-convert still checks them)."""
    spec = to_spec(chart, config, description=". ".join(t for t in (title, description) if t),
                   validate=validate)
    text = spec_json(spec)
    svg = _svg_template(render_svg(text, cache or use_cache(config)))
    return Figure(text, svg, table_html(table, title), table_csv(table), len(table))


def render_figure(chart: Any, table: "pd.DataFrame", ctx: "BlockContext", *, title: str,
                  description: str = "", csv_name: str | None = None,
                  source: str | None = None) -> str:
    """HTML <figure> for one chart: the static SVG rendered at build time, the interactive chart
    (vega-embed, on pages that need it: sets ctx.needs.add("vega")), the data table in <details>,
    and a link to download `table` as CSV (published with ctx.add_file). `chart` is an altair Chart
    (any kind: layered, faceted) or a Vega-Lite dict; `table` is a pandas DataFrame holding exactly
    the data that may be published (callers have already removed anything private). The
    chart is made by the block's code, so Altair's schema validation is skipped (vl-convert
    still checks it; tests/test_example.py validates the built-in blocks' charts)."""
    fig = make_figure(chart, table, ctx.config, title=title, description=description,
                      cache=use_cache(ctx.config, ctx), validate=False)
    return figure_html(fig, ctx, title=title, description=description, csv_name=csv_name,
                       source=source)


_SLUG = re.compile(r"[^a-z0-9]+")
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(\bid="|\bhref="#|url\(#)([^")]+)')


def figure_html(fig: Figure, ctx: "BlockContext", *, title: str, description: str = "",
                csv_name: str | None = None, source: str | None = None) -> str:
    """Place a Figure on the page: unique ids, the CSV file, and the vega scripts."""
    from ..content import relative_url

    ctx.needs.add("vega")
    cid = "cx-" + ctx.next_id("chart")
    esc = html.escape
    csv_path = _csv_path(ctx, csv_name or title, cid, fig.csv.encode("utf-8"))
    ctx.add_file(csv_path, fig.csv.encode("utf-8"))
    href = relative_url(ctx.page_url, csv_path)
    svg = fig.svg.replace(_CID, cid)
    desc = f'<span class="cx-chart-desc">{esc(description)}</span>' if description else ""
    # (messages are never written inside f-strings: Babel's extractor cannot see them there)
    src = _("Source: %(source)s", source=source) if source else ""
    src = f'<span class="cx-chart-source">{esc(src)}</span> ' if source else ""
    show = _("Show the data as a table")
    download = ngettext("Download the data (CSV, %(num)s row)", "Download the data (CSV, %(num)s rows)",
                        fig.rows, num=fmt.integer(fig.rows))
    return (
        f'<figure class="cx-chart" id="{cid}">\n'
        f'<figcaption id="{cid}-caption"><span class="cx-chart-title">{esc(title)}</span>{desc}'
        f"</figcaption>\n"
        f'<div class="cx-chart-view"><div class="cx-chart-static">{svg}</div>'
        f'<div class="cx-chart-live" hidden></div></div>\n'
        f'<script type="application/json" class="cx-chart-spec">{fig.spec}</script>\n'
        f'<details class="cx-chart-data"><summary>{esc(show)}</summary>\n'
        f'<div class="cx-table-scroll">{fig.table}</div></details>\n'
        f'<p class="cx-chart-meta">{src}<a class="cx-chart-csv" href="{esc(href)}" download>'
        f"{esc(download)}</a></p>\n"
        f"</figure>\n"
    )


def _csv_path(ctx: "BlockContext", name: str, cid: str, data: bytes) -> str:
    stem = name[:-4] if name.lower().endswith(".csv") else name
    slug = _SLUG.sub("-", stem.lower()).strip("-")[:60].strip("-") or cid
    path = f"{ctx.page_url}{slug}.csv"
    n = 1
    while path in ctx.files and ctx.files[path] != data:  # two charts, one name
        n += 1
        path = f"{ctx.page_url}{slug}-{n}.csv"
    return path


_CID = "\x00"  # stands for the chart's id in a cached SVG; no SVG text can hold it


# Vega's English role names, and the roles of marks that (with aria off) have no name: inside
# one image they would only give screen readers and axe nameless "graphics" to stumble over
_SVG_ROLE_WORDS = re.compile(r' aria-roledescription="[^"]*"| role="graphics-(?:symbol|object|document)"')


def _svg_template(svg: str) -> str:
    """The SVG with its ids made page-unique (via _CID) and the figure's caption as its name (it
    is one image to screen readers: Vega's English role names are left out)."""
    svg = _SVG_ROLE_WORDS.sub("", svg)
    if ' id="' in svg:  # most charts have none: skip the regular expressions
        ids = set(_SVG_ID.findall(svg))
        svg = _SVG_REF.sub(lambda m: m.group(1) + _CID + "-" + m.group(2)
                           if m.group(2) in ids else m.group(0), svg)
    return svg.replace("<svg ", f'<svg role="img" aria-labelledby="{_CID}-caption" '
                                f'focusable="false" ', 1)


# --- the data table and CSV -----------------------------------------------------------------
def _cell(value: Any) -> str:
    """One cell as text: dates as ISO dates, whole numbers without '.0', gaps empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        import numpy as np

        # every digit the cell was written with, never an exponent: 12345678901.5, 0.000125
        return np.format_float_positional(value, trim="-")
    if hasattr(value, "isoformat"):
        try:
            import pandas as pd

            if value is pd.NaT:
                return ""
        except ImportError:  # pragma: no cover
            pass
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if hasattr(value, "item"):
        return _cell(value.item())
    return str(value)


def _rows(table: "pd.DataFrame") -> list[list[str]]:
    return [[_cell(v) for v in row] for row in table.itertuples(index=False, name=None)]


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}$")


def table_html(table: "pd.DataFrame", title: str) -> str:
    """The data as an accessible HTML table; every cell is escaped."""
    import pandas as pd

    esc = html.escape
    rows = _rows(table.head(MAX_TABLE_ROWS))
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    # dates never break over two lines
    dated = [not n and any(r[k] for r in rows) and all(not r[k] or _ISO_DAY.match(r[k]) for r in rows)
             for k, n in enumerate(numeric)]
    num = ' class="num"'
    kind = [num if n else ' class="date"' if d else "" for n, d in zip(numeric, dated)]
    head = "".join(f'<th scope="col"{k}>{esc(str(c))}</th>' for c, k in zip(table.columns, kind))
    body = []
    for row in rows:
        cells = "".join(f"<td{k}>{esc(fmt.localise_digits(v) if k == num else v)}</td>" for v, k in zip(row, kind))
        body.append(f"<tr>{cells}</tr>")
    more = ""
    if len(table) > MAX_TABLE_ROWS:
        note = _("The first %(shown)s of %(total)s rows; download the CSV file for all of them.",
                 shown=fmt.integer(MAX_TABLE_ROWS), total=fmt.integer(len(table)))
        more = f'<p class="cx-table-note">{esc(note)}</p>'
    caption = esc(_("Data: %(title)s", title=title))
    return (f'<table><caption>{caption}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{more}')


_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_SIGNED_NUMBER = re.compile(r"[-+]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?")


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) gets a leading
    apostrophe, so it opens as text; a signed number such as -2.5% is left as written."""
    if text.startswith(_FORMULA) and not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def table_csv(table: "pd.DataFrame") -> str:
    """The data as CSV (UTF-8, header row). Text cells that a spreadsheet would run as a formula
    get a leading apostrophe, so they open as text."""
    import csv
    import io

    import pandas as pd

    text_cols = [not pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([_safe(str(c)) for c in table.columns])
    for row in _rows(table):
        w.writerow([_safe(v) if t else v for v, t in zip(row, text_cols)])
    return out.getvalue()


# --- the offline bundle ---------------------------------------------------------------------
_ASSETS: tuple[tuple, list[tuple[str, bytes]]] | None = None  # (chart files' stats, files)
CHART_FILES = ("cx-charts.js", "cx-charts.css")  # the theme's charts/ folder: script and styles


def vega_assets(config: "Config | None" = None) -> list[tuple[str, bytes]]:
    """The Vega, Vega-Lite and Vega-Embed libraries, the embedding script and the chart styles,
    under content-hashed names; written once per site, loaded only by pages with charts."""
    global _ASSETS
    from ..render import ASSET_DIR, default_theme_dir, hashed_name

    cache = Cache.for_config(config) if config is not None else Cache(None)
    key = digest("bundle", engine_key())
    here = default_theme_dir() / "charts"
    # kept per process (serve's workers live long): read again when the theme's chart files change
    stats = tuple((s.st_mtime_ns, s.st_size) for s in ((here / n).stat() for n in CHART_FILES))
    if _ASSETS is None or _ASSETS[0] != stats:
        bundle = cache.get("bundle", key)
        if bundle is None:
            with cache.lock("bundle"):  # one worker builds it (1-2 s), the other then reads it
                bundle = cache.get("bundle", key)
                if bundle is None:
                    bundle = _convert("javascript_bundle", vl_version=vl_version()).encode("utf-8")
                    cache.put("bundle", key, bundle)
        files = [("vega-bundle.js", bundle)] + [(n, (here / n).read_bytes()) for n in CHART_FILES]
        _ASSETS = (stats, [(ASSET_DIR + hashed_name(name, data), data) for name, data in files])
    cache.note("bundle", key)  # kept in memory, but still used by this build: keep it on disk
    return list(_ASSETS[1])

