from __future__ import annotations

from pathlib import Path

import pytest

from cxsite.blocks import BlockContext
from cxsite.blocks.options import Options
from cxsite.config import Config
from cxsite.errors import SiteError


def options(values: dict) -> Options:
    ctx = BlockContext(config=Config(source=Path("/site"), output=Path("/site/output")),
                       file="content/page.md", page_url="page/", line=4)
    return Options(values, ctx, "survey", ["view", "title"])


def message(fn, *args) -> str:
    with pytest.raises(SiteError) as exc:
        fn(*args)
    return str(exc.value)


def test_a_choice_far_from_every_choice_lists_them_once():
    assert message(options({"view": 5}).choice, "view", ["bars", "heat"], "bars") == (
        "content/page.md:4: error: 'view: 5' is not possible; choose one of: bars, heat\n"
        "  hint: write for example 'view: bars'.")
    assert message(options({"view": "baars"}).choice, "view", ["bars", "heat"], "bars").endswith(
        "hint: did you mean 'bars'?")


def test_text_given_a_group_of_settings_says_so():
    assert message(options({"title": {"a": 1}}).text, "title") == (
        "content/page.md:4: error: 'title' must be a single value, not a group of settings\n"
        "  hint: write one value after 'title:'.")
    assert "not a list" in message(options({"title": ["a"]}).text, "title")


def test_a_month_written_with_a_time_is_its_day():
    from datetime import date, datetime

    assert options({"view": datetime(2026, 3, 1, 9)}).month("view") == date(2026, 3, 1)
