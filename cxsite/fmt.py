"""Numbers, units and dates as readers see them: the same text in cards, tables and prose."""
from __future__ import annotations

from datetime import date

from markupsafe import escape

MINUS = "\u2212"  # a real minus sign: screen readers say "minus", not "dash"
_PREFIX_UNITS = ("$", "€", "£", "¥")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number(value: float, decimals: int = 1, *, sign: bool = False) -> str:
    """12.5, 1,234.0, −3.2 (with sign=True: +3.2); -0.0 never shows a sign."""
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
