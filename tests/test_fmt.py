"""Numbers, units and dates as readers of each language see them (Babel's CLDR data)."""
from __future__ import annotations

from datetime import date

import pytest

from cxsite import fmt
from cxsite.i18n import activate, make_language

D = date(2026, 3, 15)


@pytest.fixture(params=["en", "zh-Hans", "zh-Hant"])
def lang(request):
    with activate(make_language(request.param)) as reader:
        yield reader.tag


def test_numbers_percentages_and_groups_in_every_language(lang):
    assert fmt.integer(1234) == "1,234"
    assert fmt.number(1234.5) == "1,234.5"
    assert fmt.percent(12) == "12%"
    assert fmt.with_unit(44.56, "%", 1) == "44.6%"
    assert fmt.number(-3.24) == "\u22123.2"  # a real minus sign, read as "minus"
    assert fmt.number(-0.04) == "0.0"  # no sign on a rounded zero
    assert fmt.number(2.5, sign=True) == "+2.5"


@pytest.mark.parametrize("code, month, day, quarter", [
    ("en", "Mar 2026", "Mar 15, 2026", "Q1 2026"),
    ("en-GB", "Mar 2026", "15 Mar 2026", "Q1 2026"),
    ("zh-Hans", "2026年3月", "2026年3月15日", "2026年第1季度"),
    ("zh-Hant", "2026年3月", "2026年3月15日", "2026年第1季"),
])
def test_dates_follow_the_locale(code, month, day, quarter):
    with activate(make_language(code)):
        assert (fmt.month(D), fmt.day(D), fmt.quarter(2026, 1)) == (month, day, quarter)


def test_other_locales_come_from_babel_without_code():
    with activate(make_language("fr")):
        assert fmt.number(1234.5) == "1\u202f234,5"
        assert fmt.percent(12) == "12\u00a0%"
        assert fmt.month(D) == "mars 2026"


@pytest.mark.parametrize("code, points, one, change, days, money", [
    ("en", "31.3 points", "1 point", "6.5 points", "3 days", "€12.0"),
    ("zh-Hans", "31.3 分", "1 分", "6.5 个百分点", "3 天", "€12.0"),
    ("zh-Hant", "31.3 分", "1 分", "6.5 個百分點", "3 天", "€12.0"),
])
def test_units_are_translated(code, points, one, change, days, money):
    with activate(make_language(code)):
        assert fmt.with_unit(31.3, "points") == points
        assert fmt.with_unit(1, "points", 0) == one
        assert fmt.with_unit(6.5, fmt.change_unit("%")) == change  # the change of a percentage
        assert fmt.with_unit(3, "days", 0) == days
        assert fmt.with_unit(12, "€") == money
        assert fmt.with_unit(3, "calls", 0) == "3 calls"  # a unit of the site's own: as written


def test_english_plural_follows_the_written_number():
    with activate(make_language("en")):
        assert fmt.with_unit(1.0, "points", 1) == "1.0 points"
        assert fmt.with_unit(-1, "points", 0, sign=True) == "\u22121 point"


def test_chart_date_formats_are_made_from_the_locale():
    with activate(make_language("en")):
        assert fmt.chart_date_format("yMMM") == "%b %Y"
    with activate(make_language("zh-Hant")):
        assert fmt.chart_date_format("yMMM") == "%Y年%-m月"
        assert fmt.chart_date_format("yMMMd") == "%Y年%-m月%-d日"


def test_strftime_uses_the_readers_month_names():
    with activate(make_language("zh-Hans")):
        assert fmt.strftime(D, "%B %Y, 100%%") == "三月 2026, 100%"
    with activate(make_language("en")):
        assert fmt.strftime(D, "%d %b %Y") == "15 Mar 2026"


def test_prose_numbers_and_lists():
    with activate(make_language("zh-Hans")):
        assert fmt.decimal(2026) == "2026"  # a year is not grouped
        assert fmt.decimal(12345.678) == "12,345.68"
        assert fmt.join(["英国", "德国", "法国"]) == "英国、德国和法国"
    with activate(make_language("en")):
        assert fmt.decimal(12.5) == "12.5" and fmt.join(["UK", "Spain"]) == "UK and Spain"


def test_author_messages_keep_one_date_style():
    with activate(make_language("zh-Hans")):
        assert fmt.day(D, fmt.AUTHOR_LOCALE) == "15 Mar 2026"
