from __future__ import annotations

import json
from datetime import date

import pytest

from cxsite.config import COLOURBLIND_SAFE, load_config, normalise_base_url
from cxsite.errors import BuildFailed, SiteError, UsageError


def test_defaults_without_a_config_file(tmp_path):
    cfg = load_config(tmp_path)
    assert cfg.output == tmp_path.resolve() / "output"
    assert cfg.base_url == "/"
    assert cfg.min_group_size == 10
    assert list(cfg.colors) == COLOURBLIND_SAFE


def test_values_from_the_file_and_command_line(tmp_path):
    (tmp_path / "cxsite.yaml").write_text(
        "title: Customer First\nbase_url: /intranet\ntoday: 2026-03-15\n"
        "survey:\n  min_group_size: 5\nroadmap:\n  min_months: 12\n", encoding="utf-8")
    cfg = load_config(tmp_path, base_url="cx")
    assert cfg.title == "Customer First"
    assert cfg.base_url == "/cx/"  # the command line wins
    assert cfg.today == date(2026, 3, 15)
    assert cfg.min_group_size == 5
    assert cfg.roadmap_months == (12, 24)


def test_every_mistake_is_reported_at_once(tmp_path):
    (tmp_path / "cxsite.yaml").write_text("titel: X\nsurvey:\n  min_group_size: -3\ntoday: soon\n")
    with pytest.raises(BuildFailed) as e:
        load_config(tmp_path)
    messages = [p.message for p in e.value.problems]
    assert "unknown setting 'titel'" in messages
    assert "'survey.min_group_size' must be a whole number from 1 to 1000, not -3" in messages
    assert "'today' must be a date like 2026-03-15, not 'soon'" in messages
    assert all(p.file == "cxsite.yaml" for p in e.value.problems)


def test_invalid_yaml_names_the_line(tmp_path):
    (tmp_path / "cxsite.yaml").write_text("title: A\ncolors: [red\n")
    with pytest.raises(SiteError) as e:
        load_config(tmp_path)
    assert e.value.problem.file == "cxsite.yaml"
    assert e.value.problem.line == 3


def test_build_date_only_with_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert load_config(tmp_path).build_date is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert load_config(tmp_path).build_date == date(2026, 1, 1)
    assert load_config(tmp_path).effective_today() == date(2026, 1, 1)


@pytest.mark.parametrize("raw, expected", [("", "/"), ("cx", "/cx/"), ("/cx", "/cx/"),
                                           ("https://intranet/cx", "https://intranet/cx/")])
def test_base_url_normalised(raw, expected):
    assert normalise_base_url(raw) == expected


def test_wrong_kinds_of_setting_are_reported_at_their_line(tmp_path):
    (tmp_path / "cxsite.yaml").write_text(
        "title: [a, b]\ncolors: ['#zzz']\nsurvey: 5\nroadmap:\n  min_months: 30\n  max_months: 10\n"
        "kpi: {definitions: [a]}\nbase_url: {a: 1}\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as e:
        load_config(tmp_path)
    found = {(p.line, p.message, p.hint) for p in e.value.problems}
    assert found == {
        (1, "'title' must be a single line of text",
         "write it on one line, for example 'title: Customer First'."),
        (2, "'#zzz' in 'colors' is not a colour",
         "write a colour as # and 6 hexadecimal digits, for example '#0072B2'."),
        (3, "'survey' must hold settings on the lines below it, not 5",
         "write 'survey:' on its own line and below it, indented, for example "
         "'  min_group_size: 10'."),
        (4, "'roadmap.min_months' (30) is more than 'roadmap.max_months' (10)", "swap the two numbers."),
        (7, "'kpi.definitions' must name a file in the data folder",
         "write for example 'definitions: kpi_definitions.yaml'."),
        (8, "'base_url' must be a single line of text",
         "write it on one line, for example 'base_url: /cx/'."),
    }


def test_a_nested_unknown_setting_names_its_line(tmp_path):
    (tmp_path / "cxsite.yaml").write_text("title: T\nroadmap:\n  min_months: 12\n  max_month: 30\n")
    with pytest.raises(BuildFailed) as e:
        load_config(tmp_path)
    [p] = e.value.problems
    assert (p.line, p.message, p.hint) == (4, "unknown setting 'roadmap.max_month'",
                                           "did you mean 'max_months' or 'min_months'?")


def test_a_date_that_does_not_exist_is_a_site_error(tmp_path):
    (tmp_path / "cxsite.yaml").write_text("today: 2026-02-30\n")
    with pytest.raises(SiteError) as e:
        load_config(tmp_path)
    assert str(e.value) == ("cxsite.yaml:1: error: in the config file, '2026-02-30' is not a real "
                            "date\n  hint: check the day and the month; write dates as YYYY-MM-DD, "
                            "for example 2026-02-28.")


def test_today_with_a_time_is_the_day(tmp_path):
    (tmp_path / "cxsite.yaml").write_text("today: 2026-03-15 10:00:00\n")
    assert load_config(tmp_path).today == date(2026, 3, 15)


def test_language_and_other_languages(tmp_path):
    (tmp_path / "cxsite.yaml").write_text(
        "title: Customer First\nfooter: Northwind\nlanguage: en-GB\nlanguages:\n"
        "  zh:\n    locale: zh-Hans\n    title: 客户至上\n    footer: 北风公用事业\n"
        "  zh-Hant:\n    title: 客戶至上\n    name: 繁體\n", encoding="utf-8")
    cfg = load_config(tmp_path)
    default, zh, hant = cfg.languages
    assert (default.code, default.tag, default.prefix, default.title, default.footer) == \
        ("en-GB", "en-GB", "", "Customer First", "Northwind")
    assert (zh.code, zh.tag, zh.locale, zh.prefix, zh.title, zh.footer, zh.shown_name) == \
        ("zh", "zh-Hans", "zh_Hans", "zh/", "客户至上", "北风公用事业", "简体中文")
    assert (hant.tag, hant.prefix, hant.shown_name) == ("zh-Hant", "zh-Hant/", "繁體")
    assert cfg.default_language is default and cfg.language_by_code("zh") is zh


def test_a_chinese_only_site(tmp_path):
    (tmp_path / "cxsite.yaml").write_text("language: zh-Hant\n", encoding="utf-8")
    (lang,) = load_config(tmp_path).languages
    assert (lang.tag, lang.locale, lang.prefix) == ("zh-Hant", "zh_Hant", "")


def test_language_mistakes_name_their_line(tmp_path):
    (tmp_path / "cxsite.yaml").write_text(
        "language: english\nlanguages:\n  zh:\n    titel: 客户至上\n  fr: French\n"
        "  zh-Hans:\n    title: x\n  x/y:\n  klingon:\n  zh-Hant:\n    title: [a, b]\n",
        encoding="utf-8")
    with pytest.raises(BuildFailed) as e:
        load_config(tmp_path)
    found = [(p.line, p.message) for p in e.value.problems]
    assert (1, "'english' is not a language code cxsite knows") in found
    assert (4, "unknown setting 'languages.zh.titel'") in found
    assert (5, "'languages.fr' must hold settings on the lines below it, not 'French'") in found
    assert (6, "the languages 'zh' and 'zh-Hans' are the same language (zh-Hans)") in found
    assert (8, "the language code 'x/y' cannot be part of an address") in found
    assert (9, "'klingon' is not a language code cxsite knows") in found
    assert (11, "'languages.zh-Hant.title' must be a single value, not a list") in found


def test_languages_as_a_plain_list(tmp_path):
    (tmp_path / "cxsite.yaml").write_text("languages: [zh-Hans, zh-Hant]\n", encoding="utf-8")
    assert [lang.tag for lang in load_config(tmp_path).languages] == ["en", "zh-Hans", "zh-Hant"]


@pytest.mark.parametrize("url", ["/", "/cx/", "cx", "https://intranet.example/cx/",
                                 "http://localhost:8080/", "HTTPS://Intranet.Example"])
def test_a_path_or_a_web_address_is_a_base_url(tmp_path, url):
    (tmp_path / "cxsite.yaml").write_text(f"base_url: '{url}'\n", encoding="utf-8")
    assert load_config(tmp_path).base_url.endswith("/")
    assert load_config(tmp_path, base_url=url).base_url.endswith("/")


@pytest.mark.parametrize("url, why", [
    ("javascript://%0aalert(1)", "starts with 'javascript:', which is not a web address"),
    ("javascript:alert(1)", "starts with 'javascript:'"),
    ("data:text/html,<b>x</b>", "starts with 'data:'"),
    ("//evil.example/", "starts with '//', which browsers read as the address of another site"),
    ("/\\evil.example/", "holds a space, a backslash"),
    ("https:///cx/", "has no host name"),
    ("/cx/<script>", "holds a space, a backslash or another character"),
])
def test_anything_else_is_refused_naming_the_setting(tmp_path, url, why):
    """The 404 page links home with base_url and the sitemap lists it."""
    with pytest.raises(UsageError) as exc:
        load_config(tmp_path, base_url=url)
    assert str(exc.value).startswith(f"--base-url {why}")
    assert "a path such as /cx/ or an http(s) address" in str(exc.value)
    (tmp_path / "cxsite.yaml").write_text(f"title: x\nbase_url: {json.dumps(url)}\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        load_config(tmp_path)
    p = exc.value.problems[0]
    assert (p.file, p.line) == ("cxsite.yaml", 2) and p.message.startswith(f"'base_url' {why}")


def test_markdown_unsafe_html_opts_in_and_must_be_true_or_false(tmp_path):
    from cxsite.errors import BuildFailed
    (tmp_path / "cxsite.yaml").write_text("markdown:\n  unsafe_html: true\n")
    assert load_config(tmp_path).unsafe_html is True
    (tmp_path / "cxsite.yaml").write_text("title: X\nmarkdown:\n  unsafe_html: yes please\n")
    with pytest.raises(BuildFailed) as e:
        load_config(tmp_path)
    assert [(p.line, p.message) for p in e.value.problems] == [
        (3, "'markdown.unsafe_html' must be true or false")]
    assert load_config(tmp_path.parent / "nowhere").unsafe_html is False


def test_an_alias_bomb_in_the_config_is_an_error_at_its_line(tmp_path):
    from cxsite.errors import SiteError
    (tmp_path / "cxsite.yaml").write_text('a: &a [1,1,1,1,1,1,1,1,1,1]\n' + "".join(
        f"b{i}: &b{i} [{', '.join(['*' + ('a' if i == 0 else f'b{i - 1}')] * 10)}]\n" for i in range(8)))
    with pytest.raises(SiteError) as e:
        load_config(tmp_path)
    assert e.value.problem.file == "cxsite.yaml" and "too large" in e.value.problem.message


def test_privacy_settings(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "pulse.csv").write_text("team,answer\nA,1\n")
    (tmp_path / "cxsite.yaml").write_text("privacy:\n  min_group_size: 7\n  protected: [data/pulse.csv]\n")
    cfg = load_config(tmp_path)
    assert cfg.min_group_size == 7 and cfg.protected == ("pulse.csv",)
    (tmp_path / "cxsite.yaml").write_text("privacy:\n  protected: pulse.csv\n  minimum: 3\n")
    with pytest.raises(BuildFailed) as e:
        load_config(tmp_path)
    assert [(p.line, p.message) for p in e.value.problems] == [(3, "unknown setting 'privacy.minimum'")]
