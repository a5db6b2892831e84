"""Numbers, units and dates as readers see them: the same text in cards, tables and prose."""
from __future__ import annotations

import re
from datetime import date

from markupsafe import escape

from .rounding import published

MINUS = "\u2212"  # a real minus sign: screen readers say "minus", not "dash"
_PREFIX_UNITS = ("$", "€", "£", "¥")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number(value: float, decimals: int = 1, *, sign: bool = False) -> str:
    """12.5, 1,234.0, −3.2 (with sign=True: +3.2); -0.0 never shows a sign. Rounded as every
    published figure is (cxsite.rounding: 12.25 -> 12.3)."""
    value = published(value, decimals)
    text = f"{abs(value):,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return text
    if value < 0:
        return MINUS + text
    return "+" + text if sign else text


def with_unit(value: float, unit: str, decimals: int = 1, *, sign: bool = False) -> str:
    """44.6%, €12.0, 31.3 points."""
    text = number(value, decimals, sign=sign)
    unit = unit.strip()
    if not unit:
        return text
    if unit == "%":
        return text + "%"
    if unit in _PREFIX_UNITS:
        if text[0] in (MINUS, "+"):
            return text[0] + unit + text[1:]
        return unit + text
    if unit == "points" and text.lstrip("+" + MINUS) == "1":  # "1 point", but "1.0 points"
        unit = "point"
    return f"{text} {unit}"


def change_unit(unit: str) -> str:
    """The unit of a difference: the change of a percentage is in points."""
    return "points" if unit.strip() in ("%", "points", "pts") else unit


def month(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def day(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


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
