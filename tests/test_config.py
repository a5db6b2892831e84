from __future__ import annotations

from datetime import date

import pytest

from cxsite.config import COLOURBLIND_SAFE, load_config, normalise_base_url
from cxsite.errors import BuildFailed, SiteError


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
