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


BOMB = ('a: &a ["x","x","x","x","x","x","x","x","x"]\n' +
        "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n"
                for i in range(8)))


def test_an_alias_bomb_is_refused_at_once_with_its_line():
    """Nine anchors each naming the last nine times: 9^9 values if expanded."""
    import time
    start = time.perf_counter()
    with pytest.raises(SiteError) as e:
        parse_yaml(BOMB, file="cxsite.yaml", what="the config file")
    assert time.perf_counter() - start < 1
    p = e.value.problem
    assert p.message.startswith("the config file is too large: it expands to more than")
    assert (p.file, p.line) == ("cxsite.yaml", 6) and "alias" in p.hint


def test_aliases_used_sensibly_are_fine_and_counted_once():
    text = "base: &b {colour: blue, size: 3}\n" + "".join(f"k{i}: *b\n" for i in range(500))
    value = parse_yaml(text, file="x.yaml")
    assert value["k499"] == {"colour": "blue", "size": 3}


@pytest.mark.parametrize("text, message", [
    ("x: " + "[" * 300 + "]" * 300, "is nested too deeply"),
    ("x: " + "[" * 20000 + "]" * 20000, "is not valid"),  # libyaml's own depth limit
    ("".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "v: 1\n", "is nested too deeply"),
    ("&a [*a]", "refers to the value that holds it"),
])
def test_deep_and_self_referring_yaml_are_errors_not_crashes(text, message):
    with pytest.raises(SiteError) as e:
        parse_yaml(text, file="f.yaml")
    assert message in e.value.problem.message


def test_key_lines_come_from_the_same_parse():
    lines: dict[str, int] = {}
    parse_yaml("a: 1\nb:\n  c: 2\n  d: [1, 2]\n", file="f.yaml", first_line=10, lines=lines)
    assert lines == {"a": 10, "b": 11, "b.c": 12, "b.d": 13}


@pytest.mark.slow
@pytest.mark.parametrize("where", ["config", "front matter", "block"])
def test_alias_bombs_in_a_site_end_the_build_quickly_naming_the_file(site, where):
    import subprocess
    import sys
    import time
    from pathlib import Path
    files = {"content/index.md": "# Home\n"}
    if where == "config":
        files["cxsite.yaml"] = BOMB
    elif where == "front matter":
        files["content/index.md"] = "---\n" + BOMB + "---\n# Home\n"
    else:
        files["content/index.md"] = "# Home\n\n```chart\n" + BOMB + "```\n"
    src = site(files)
    start = time.perf_counter()
    run = subprocess.run([sys.executable, str(Path(__file__).parents[1] / "build.py"), "check",
                          "--source", str(src)], capture_output=True, text=True, timeout=60)
    assert time.perf_counter() - start < 20
    assert run.returncode == 1
    expected = {"config": "cxsite.yaml:6:", "front matter": "content/index.md:7:",
                "block": "content/index.md:9:"}[where]
    assert expected in run.stderr and "too large" in run.stderr


# --- the quick reading of simple 'key: value' lines -------------------------------------------
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cxsite import yamltext  # noqa: E402

_KEYS = ["title", "weight", "template", "draft", "_x", "a1", "on", "yes", "No", "null", "NULL",
         "True", "y", "n", "Off", "inf", "x-y", "tab", "é", "key"]
_WORDS = ["yes", "No", "OFF", "on", "true", "False", "null", "Null", "~", "y", "n", "inf",
          "NaN", "Report", "Our roadmap", "a  b", "x1", "e", "E5", "0", "7", "007", "-5", "+5",
          "0x1F", "0o17", "08", "09", "010", "1_000", "1:30", "1.5", ".inf", "2024-05-01", "12345678901234567890",
          "<<", "=", "a # note", "a: b", "#x", "- a", "[a]", "{a: 1}", "&a x", "*a", "!!str x",
          "|", ">", "%x", "@x", "`x`"]
_CHARS = st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(
    ['"', "'", "\\", "#", ":", " ", "\t", "\x00", "\x07", "\x7f", "\x85", "\x9f", "\ufeff", "é", "净"])
_VALUES = st.one_of(
    st.sampled_from(_WORDS),
    st.text(_CHARS, max_size=12).map(lambda t: f'"{t}"'),
    st.text(_CHARS, max_size=12).map(lambda t: f"'{t}'"),
    st.integers(0, 10**20).map(str),
    st.text(st.sampled_from("aZ09 _-.:#"), min_size=1, max_size=8),
)
_SIMPLE = st.tuples(st.sampled_from(_KEYS), st.just(": "), _VALUES).map("".join)
_LINES = st.one_of(  # mostly lines that may be simple, so that the quick way is taken often
    _SIMPLE, _SIMPLE, _SIMPLE,
    st.tuples(st.sampled_from(_KEYS), st.sampled_from([": ", ":  ", ":\t", ":", " : "]), _VALUES,
              st.sampled_from(["", " ", "  ", "\t", "\r", " # c"])).map("".join),
    st.sampled_from(["", "# a comment", "  indented: 1", "---", "...", "- item"]),
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_LINES, max_size=4))
@example(['a: "x\x00"']).via("a character YAML refuses")
@example(["a: 09"]).via("not a number to YAML 1.1")
def test_simple_lines_read_quickly_give_what_the_yaml_parser_gives(lines):
    text = "\n".join(lines)
    quick_lines: dict[str, int] = {}
    quick = yamltext._simple_mapping(text, 2, quick_lines)
    if quick is None:  # not simple: the parser reads it
        return
    parser_lines: dict[str, int] = {}
    parsed = yamltext._parsed(text, file="f.md", first_line=2, what="YAML", lines=parser_lines)
    assert isinstance(parsed, dict)
    assert [(k, type(k), v, type(v)) for k, v in quick.items()] == \
        [(k, type(k), v, type(v)) for k, v in parsed.items()]
    assert quick_lines == parser_lines


def test_front_matter_as_pages_write_it_takes_the_quick_way():
    text = 'title: "Report 7: Repeatable workstream"\nweight: 7\ntemplate: wide\ndraft: false'
    lines: dict[str, int] = {}
    assert yamltext._simple_mapping(text, 2, lines) is None  # 'false' is no text: the parser
    quick = yamltext._simple_mapping(text.rsplit("\n", 1)[0], 2, lines)
    assert quick == {"title": "Report 7: Repeatable workstream", "weight": 7, "template": "wide"}
    assert lines == {"title": 2, "weight": 3, "template": 4}
