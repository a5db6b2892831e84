"""Numbers, units and dates as readers see them, in the reader's language: the same text in
cards, tables, prose and charts. Everything comes from Babel's CLDR locale data; the locale is
the page's (cxsite.i18n.current()) unless one is given."""
from __future__ import annotations

import copy
import re
from datetime import date

from babel import Locale
from babel.dates import format_skeleton, get_day_names, get_month_names
from babel.lists import format_list
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol, get_plus_sign_symbol
from markupsafe import escape

from .rounding import published
from .i18n import current, ngettext, npgettext, pgettext
from .i18n.d3 import date_format

MINUS = "\u2212"  # a real minus sign: screen readers say "minus", not "dash"
# Units written as a currency symbol or code are money: Babel places the symbol for the locale.
_CURRENCIES = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "CNY", "EUR": "EUR", "USD": "USD",
               "GBP": "GBP", "CNY": "CNY", "RMB": "CNY", "HKD": "HKD", "TWD": "TWD", "JPY": "JPY"}
# Unit words the catalogue translates, as they may be written in a KPI definition
_UNIT_WORDS = {"point": "points", "points": "points", "pts": "points", "pt": "points",
               "day": "days", "days": "days", "hour": "hours", "hours": "hours", "h": "hours",
               "minute": "minutes", "minutes": "minutes", "min": "minutes",
               "week": "weeks", "weeks": "weeks", "month": "months", "months": "months",
               "year": "years", "years": "years"}
PERCENTAGE_POINTS = "percentage points"  # the unit of a change of a percentage
# Messages for authors (build errors and warnings) are English whatever the page's language,
# with dates written day month year (1 Oct 2025), which no reader of English can misread.
AUTHOR_LOCALE = "en_GB"


def _locale(locale: Locale | str | None) -> Locale:
    if locale is None:
        return current().locale
    return locale if isinstance(locale, Locale) else Locale.parse(locale)


def _signed(text: str, value: float, sign: bool, loc: Locale) -> str:
    """Babel's text with a real minus sign, and a plus sign when asked for."""
    minus = get_minus_sign_symbol(loc)
    if value < 0:
        return text.replace(minus, MINUS, 1) if minus == "-" else text
    return get_plus_sign_symbol(loc) + text if sign and value > 0 else text


def _apply(pattern, value: float, decimals: int, loc: Locale, currency: str | None = None) -> str:
    p = copy.copy(pattern)
    p.frac_prec = (decimals, decimals)
    return p.apply(value, loc, currency=currency, currency_digits=False)


def _rounded(value: float, decimals: int) -> float:
    """Rounded as every published figure is (cxsite.rounding: half away from zero, from the
    number as written: 12.25 -> 12.3); -0.0 never shows a sign."""
    return published(value, decimals)


def number(value: float, decimals: int = 1, *, sign: bool = False,
           locale: Locale | str | None = None) -> str:
    """12.5, 1,234.0, −3.2 (with sign=True: +3.2), in the reader's locale."""
    loc = _locale(locale)
    v = _rounded(value, decimals)
    return _signed(_apply(loc.decimal_formats[None], v, decimals, loc), v, sign, loc)


def integer(value: int, locale: Locale | str | None = None) -> str:
    """1,234 (grouped as the locale groups)."""
    return number(int(value), 0, locale=locale)


def percent(value: float, decimals: int = 0, *, sign: bool = False,
            locale: Locale | str | None = None) -> str:
    """A value already in percent (12.5) as the locale writes it: 12.5%, 12,5 % in French."""
    loc = _locale(locale)
    v = _rounded(value, decimals)
    return _signed(_apply(loc.percent_formats[None], v / 100, decimals, loc), v, sign, loc)


def decimal(value: float, *, max_decimals: int = 2, locale: Locale | str | None = None) -> str:
    """A number as people write it in prose: 12, 12.5, 1,234.57; whole numbers below 10,000 are
    not grouped, so a year stays 2026."""
    loc = _locale(locale)
    v = float(value)
    if v.is_integer():
        text = _apply(loc.decimal_formats[None], v, 0, loc)
        return _signed(text if abs(v) >= 10000 else _ungrouped(text, loc), v, False, loc)
    text = number(v, max_decimals, locale=loc)
    dec = get_decimal_symbol(loc)
    if dec in text:
        text = text.rstrip("0").rstrip(dec)
    return text if abs(v) >= 10000 else _ungrouped(text, loc)


def _ungrouped(text: str, loc: Locale) -> str:
    return text.replace(get_group_symbol(loc), "")


def localise_digits(text: str, locale: Locale | str | None = None) -> str:
    """A number written by Python's format() (',' groups, '.' decimals) with the locale's symbols."""
    loc = _locale(locale)
    group, dec = get_group_symbol(loc), get_decimal_symbol(loc)
    if (group, dec) == (",", "."):
        return text
    return "".join(group if c == "," else dec if c == "." else c for c in text)


def with_unit(value: float, unit: str, decimals: int = 1, *, sign: bool = False,
              locale: Locale | str | None = None) -> str:
    """44.6%, €12.0, 31.3 points (31.3 分 in Chinese): a value and its unit, in the reader's
    language. Known unit words are translated; any other unit is written after the number."""
    loc = _locale(locale)
    unit = (unit or "").strip()
    if not unit:
        return number(value, decimals, sign=sign, locale=loc)
    if unit == "%":
        return percent(value, decimals, sign=sign, locale=loc)
    code = _CURRENCIES.get(unit)
    if code:
        v = _rounded(value, decimals)
        text = _apply(loc.currency_formats["standard"], v, decimals, loc, currency=code)
        return _signed(text, v, sign, loc)
    text = number(value, decimals, sign=sign, locale=loc)
    # plural form: a whole 1 is singular ("1 point"), "1.0" is not
    n = int(abs(_rounded(value, decimals))) if decimals == 0 else 2
    kind = PERCENTAGE_POINTS if unit == PERCENTAGE_POINTS else _UNIT_WORDS.get(unit.lower())
    return _unit_words(kind, text, n) if kind else f"{text} {unit}"


def _unit_words(kind: str, text: str, n: int) -> str:
    if kind == PERCENTAGE_POINTS:
        return npgettext("change of a percentage", "%(num)s point", "%(num)s points", n, num=text)
    if kind == "points":
        return ngettext("%(num)s point", "%(num)s points", n, num=text)
    if kind == "days":
        return ngettext("%(num)s day", "%(num)s days", n, num=text)
    if kind == "hours":
        return ngettext("%(num)s hour", "%(num)s hours", n, num=text)
    if kind == "minutes":
        return ngettext("%(num)s minute", "%(num)s minutes", n, num=text)
    if kind == "weeks":
        return ngettext("%(num)s week", "%(num)s weeks", n, num=text)
    if kind == "months":
        return ngettext("%(num)s month", "%(num)s months", n, num=text)
    return ngettext("%(num)s year", "%(num)s years", n, num=text)


def unit_label(unit: str) -> str:
    """A unit on its own, as an axis or a column title shows it: %, €, points (分), days (天)."""
    unit = (unit or "").strip()
    kind = PERCENTAGE_POINTS if unit == PERCENTAGE_POINTS else _UNIT_WORDS.get(unit.lower())
    if not kind:
        return unit
    names = {"points": pgettext("unit", "points"), "days": pgettext("unit", "days"),
             "hours": pgettext("unit", "hours"), "minutes": pgettext("unit", "minutes"),
             "weeks": pgettext("unit", "weeks"), "months": pgettext("unit", "months"),
             "years": pgettext("unit", "years"), PERCENTAGE_POINTS: pgettext("unit", "percentage points")}
    return names[kind]


def change_unit(unit: str) -> str:
    """The unit of a difference: the change of a percentage is in percentage points."""
    unit = (unit or "").strip()
    if unit == "%":
        return PERCENTAGE_POINTS
    return unit


# --- dates ----------------------------------------------------------------------------------
def month(d: date, locale: Locale | str | None = None) -> str:
    """Mar 2026, 2026年3月."""
    return format_skeleton("yMMM", d, locale=_locale(locale))


def day(d: date, locale: Locale | str | None = None) -> str:
    """Mar 15, 2026 (en), 15 Mar 2026 (en-GB), 2026年3月15日."""
    return format_skeleton("yMMMd", d, locale=_locale(locale))


def quarter(year: int, q: int, locale: Locale | str | None = None) -> str:
    """Q1 2026, 2026年第1季度."""
    return format_skeleton("yQQQ", date(year, 3 * q - 2, 1), locale=_locale(locale))


def chart_date_format(skeleton: str, locale: Locale | str | None = None) -> str:
    """The d3 time format Vega uses for a CLDR skeleton: yMMM is '%b %Y' in English and
    '%Y年%-m月' in Chinese (charts carry the locale's month names in their config)."""
    return date_format(skeleton, str(_locale(locale)))


_STRF_NAMES = re.compile(r"%[aAbB]")


def strftime(d: date, pattern: str, locale: Locale | str | None = None) -> str:
    """strftime with month and day names in the reader's language (Python's are English)."""
    loc = _locale(locale)

    def name(m: re.Match) -> str:
        code = m.group(0)[1]
        if code in "bB":
            text = get_month_names("abbreviated" if code == "b" else "wide", locale=loc)[d.month]
        else:
            text = get_day_names("abbreviated" if code == "a" else "wide", locale=loc)[d.weekday()]
        return text.replace("%", "%%")

    return "%".join(d.strftime(_STRF_NAMES.sub(name, part)) for part in pattern.split("%%"))


def join(items: list[str], locale: Locale | str | None = None) -> str:
    """A, B and C; A、B和C."""
    items = [str(i) for i in items]
    return format_list(items, locale=_locale(locale)) if items else ""


def html(text: object) -> str:
    """Escape any untrusted text for HTML (data cells, titles, labels)."""
    return str(escape(str(text)))


MAX_FORMAT_WIDTH = 100  # characters a formatted value may be padded to
MAX_FORMAT_PRECISION = 20  # digits after the decimal point
_WIDTH_PRECISION = re.compile(r"^(?:.?[<>=^])?[-+ (]?[$#z]?[$#]?0?(\d*)[,_]?(?:\.(\d+))?")


def format_too_large(spec: str) -> str | None:
    """Why a number format (Python's '.2f' or d3's ',.0f') would build a huge text, or None.

    '.999999999f' asks for a billion digits: a gigabyte of text for one number."""
    if len(spec) > MAX_FORMAT_WIDTH:
        return f"it is longer than {MAX_FORMAT_WIDTH} characters"
    m = _WIDTH_PRECISION.match(spec)
    if m is None:
        return None
    if m.group(1) and int(m.group(1)) > MAX_FORMAT_WIDTH:
        return f"its width {int(m.group(1)):,} is more than {MAX_FORMAT_WIDTH}"
    if m.group(2) and int(m.group(2)) > MAX_FORMAT_PRECISION:
        return f"its precision {int(m.group(2)):,} is more than {MAX_FORMAT_PRECISION} digits"
    return None


_DATE_CODE = re.compile(r"%(.)")
DATE_CODES = "aAbBcdefgGHIjLmMpqQsSuUVwWxXyYZ%-"


def is_date_format(spec: str) -> bool:
    """A strftime/d3 date format: at least one % code, and only codes both understand. '.1f' or
    'hello' is not one (strftime would print it as it is, on every page, without a word)."""
    codes = _DATE_CODE.findall(spec)
    return bool(codes) and spec.count("%") == len(codes) + spec.count("%%") and \
        all(c in DATE_CODES for c in codes)
