"""The reader's locale for Vega charts: d3-format and d3-time-format locales and date
patterns, made from Babel's CLDR data, so the SVG drawn at build time and the interactive
chart write 1,234 and 2026年3月 exactly as the page's text does."""
from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from babel.dates import get_day_names, get_month_names, get_period_names
from babel.numbers import get_decimal_symbol, get_group_symbol

# CLDR pattern letters (runs of one letter) -> d3-time-format directives
_FIELDS = {
    "y": "%Y", "yy": "%y", "yyyy": "%Y", "u": "%Y",
    "M": "%-m", "MM": "%m", "MMM": "%b", "MMMM": "%B",
    "L": "%-m", "LL": "%m", "LLL": "%b", "LLLL": "%B",
    "d": "%-d", "dd": "%d",
    "E": "%a", "EE": "%a", "EEE": "%a", "EEEE": "%A", "c": "%a", "ccc": "%a", "cccc": "%A",
    "H": "%-H", "HH": "%H", "h": "%-I", "hh": "%I", "m": "%-M", "mm": "%M", "s": "%-S", "ss": "%S",
    "a": "%p", "b": "%p", "B": "%p", "Q": "%q", "q": "%q",
}
_TOKEN = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")


def d3_pattern(cldr: str) -> str:
    """A CLDR date pattern as a d3 time format: 'y年M月' -> '%Y年%-m月', 'MMM y' -> '%b %Y'.
    Fields d3 cannot write (eras, time zones) are left out."""
    out = []
    for m in _TOKEN.finditer(cldr):
        token = m.group(0)
        if token.startswith("'"):
            out.append(token[1:-1].replace("%", "%%") if token != "''" else "'")
        elif m.group(1):
            out.append(_FIELDS.get(token, _FIELDS.get(token[0], "")))
        else:
            out.append(token.replace("%", "%%"))
    return re.sub(r"\s{2,}", " ", "".join(out))


@lru_cache(maxsize=None)
def date_format(skeleton: str, locale: str) -> str:
    """The d3 time format of a CLDR skeleton in a locale: yMMM -> '%b %Y' (en), '%Y年%-m月' (zh)."""
    loc = Locale.parse(locale)
    pattern = loc.datetime_skeletons.get(skeleton)
    if pattern is None:
        from babel.dates import match_skeleton

        best = match_skeleton(skeleton, loc.datetime_skeletons)
        pattern = loc.datetime_skeletons[best] if best else skeleton
    return d3_pattern(getattr(pattern, "pattern", str(pattern))).strip()


def _sunday_first(names: dict[int, str]) -> list[str]:
    return [names[6]] + [names[i] for i in range(6)]  # Babel counts from Monday, d3 from Sunday


@lru_cache(maxsize=None)
def vega_locale(locale: str) -> dict:
    """Vega's config.locale for a Babel locale: {"number": {...}, "time": {...}}."""
    loc = Locale.parse(locale)
    grouping = loc.decimal_formats[None].grouping
    periods = get_period_names("abbreviated", "format", locale=loc)
    number = {
        "decimal": get_decimal_symbol(loc),
        "thousands": get_group_symbol(loc),
        "grouping": [grouping[0], grouping[1]] if grouping[1] != grouping[0] else [grouping[0]],
        "currency": ["", ""],
        "percent": loc.number_symbols["latn"]["percentSign"],
        "minus": "\u2212",
    }
    time = {
        "dateTime": "%X".join("%x".join(d3_pattern(p) for p in part.split("{1}"))
                              for part in str(loc.datetime_formats["medium"]).split("{0}")),
        "date": d3_pattern(loc.date_formats["short"].pattern),
        "time": d3_pattern(loc.time_formats["medium"].pattern),
        "periods": [periods.get("am", "AM"), periods.get("pm", "PM")],
        "days": _sunday_first(get_day_names("wide", locale=loc)),
        "shortDays": _sunday_first(get_day_names("abbreviated", locale=loc)),
        "months": [get_month_names("wide", locale=loc)[i] for i in range(1, 13)],
        "shortMonths": [get_month_names("abbreviated", locale=loc)[i] for i in range(1, 13)],
    }
    return {"number": number, "time": time}
