from __future__ import annotations

from datetime import date

import pytest

from cxsite.errors import SiteError
from cxsite.yamltext import parse_mapping, parse_yaml


def test_a_key_written_twice_is_an_error_at_the_second():
    with pytest.raises(SiteError) as e:
        parse_mapping("title: A\nweight: 2\ntitle: B\n", file="content/a.md", first_line=2,
                      what="the front matter")
    p = e.value.problem
    assert (p.file, p.line) == ("content/a.md", 4)
    assert p.message == "in the front matter, 'title' is written twice"
    assert p.hint == "keep one 'title:' and delete the other."


def test_keys_written_twice_are_found_in_nested_and_inline_mappings():
    with pytest.raises(SiteError) as e:
        parse_yaml("x: {field: a, field: b}\n", file="content/a.md", what="the chart block")
    assert e.value.problem.message == "in the chart block, 'field' is written twice"
    # the same key in two records of a list is fine, and so is a merge key overridden
    assert parse_yaml("- {kpi: a}\n- {kpi: b}\n", file="x") == [{"kpi": "a"}, {"kpi": "b"}]
    assert parse_yaml("a: &b {k: 1}\nc:\n  <<: *b\n  k: 2\n", file="x")["c"] == {"k": 2}


def test_a_date_that_does_not_exist_is_an_error_not_a_crash():
    with pytest.raises(SiteError) as e:
        parse_mapping("title: T\ntoday: 2026-02-30\n", file="cxsite.yaml", what="the config file")
    p = e.value.problem
    assert (p.file, p.line) == ("cxsite.yaml", 2)
    assert p.message == "in the config file, '2026-02-30' is not a real date"
    assert p.hint == ("check the day and the month; write dates as YYYY-MM-DD, "
                      "for example 2026-02-28.")
    assert parse_mapping("today: 2028-02-29", file="x") == {"today": date(2028, 2, 29)}


def test_key_lines_name_nested_keys_with_dots():
    from cxsite.yamltext import key_lines

    assert key_lines("title: T\nroadmap:\n  min_months: 12\n", first_line=3) == {
        "title": 3, "roadmap": 4, "roadmap.min_months": 5}
