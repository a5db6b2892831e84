"""NPS from raw 0-10 answers, grouped by the privacy layer as the kpi block does it: the
arithmetic, the margin of error, periods, dimensions, bad scores, and the minimum group size."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsite.blocks import BlockContext
from cxsite.config import Config
from cxsite.cx.kpi import nps
from cxsite.errors import SiteError
from cxsite.privacy.policy import protection
from cxsite.privacy.query import BLANK, Key, period_codes
from cxsite.privacy.table import ProtectedTable

REL = "data/nps_responses.csv"


def nps_table(df: pd.DataFrame, rel: str = REL, *, by=(), period: str = "month", min_n: int = 1):
    """NPS per period and `by` group, with n, promoters and detractors; and what was withheld."""
    config = Config(source=Path("."), output=Path("out"), min_group_size=min_n)
    ctx = BlockContext(config=config, file="content/index.md", page_url="")
    table = ProtectedTable(df, protection(rel, df.columns, config), ctx)
    for col in by:
        table.require([col], option="by")
    found = table.groups(keys=[Key("date", period), *(Key(b) for b in by)], needs=["score"],
                         measure=nps.counts(rel), measure_id="nps",
                         check=lambda rows: nps.check_answers(rows, rel))
    out = found.table.rename(columns={"date": "period"})
    out["nps"], out["moe"] = nps.from_counts(out["n"], out["promoters"], out["detractors"])
    out["passives"] = out["n"] - out["promoters"] - out["detractors"]
    out.attrs["withheld"] = found.withheld
    return out


def period_keys(dates: pd.Series, period: str) -> list[str]:
    codes, labels = period_codes(dates, period)
    return [labels[c] for c in codes]


def responses(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["date", "score", "segment"])


def test_promoters_minus_detractors_in_points():
    df = responses([("2026-01-05", s, "A") for s in (10, 9, 9, 8, 7, 6, 0, 3)])
    row = nps_table(df, REL).iloc[0]
    assert (row["period"], row["n"], row["promoters"], row["passives"], row["detractors"]) == \
        ("2026-01", 8, 3, 2, 3)
    assert row["nps"] == 0.0


def test_margin_of_error_is_95_percent_of_the_nps_standard_error():
    df = responses([("2026-01-05", 10, "A")] * 60 + [("2026-01-05", 0, "A")] * 20 + [("2026-01-05", 8, "A")] * 20)
    row = nps_table(df, REL).iloc[0]
    p, d = 0.6, 0.2
    assert row["nps"] == pytest.approx(40.0)
    assert row["moe"] == pytest.approx(100 * 1.959964 * math.sqrt((p + d - (p - d) ** 2) / 100))
    assert round(row["moe"], 1) == 15.7


def test_every_answer_the_same_has_no_margin():
    row = nps_table(responses([("2026-01-05", 10, "A")] * 12), REL).iloc[0]
    assert (row["nps"], row["moe"]) == (100.0, 0.0)


def test_groups_by_period_then_dimension_in_file_order():
    df = responses([("2026-02-01", 10, "B"), ("2026-01-31", 0, "A"), ("2026-01-01", 9, "B"),
                    ("2026-02-14", 5, "A")])
    table = nps_table(df, REL, by=["segment"])
    assert list(zip(table["period"], table["segment"])) == [
        ("2026-01", "B"), ("2026-01", "A"), ("2026-02", "B"), ("2026-02", "A")]
    table = table.sort_values(["period", "segment"])
    assert list(zip(table["period"], table["segment"], table["n"], table["nps"])) == [
        ("2026-01", "A", 1, -100.0), ("2026-01", "B", 1, 100.0),
        ("2026-02", "A", 1, -100.0), ("2026-02", "B", 1, 100.0)]


@pytest.mark.parametrize("period,labels", [
    ("month", ["2025-12", "2026-01", "2026-04"]),
    ("quarter", ["2025-Q4", "2026-Q1", "2026-Q2"]),
    ("year", ["2025", "2026"]),
])
def test_periods(period, labels):
    dates = pd.Series(pd.to_datetime(["2026-01-03", "2025-12-31", "2026-04-01", "2026-01-20"]))
    assert sorted(set(period_keys(dates, period))) == labels


def test_empty_dimension_cells_form_their_own_group():
    df = responses([("2026-01-05", 10, "A"), ("2026-01-05", 0, None), ("2026-01-05", 0, "  ")])
    table = nps_table(df, REL, by=["segment"])
    assert dict(zip(table["segment"], table["n"])) == {"A": 1, BLANK: 2}


def test_cells_are_trimmed_so_spaces_do_not_split_groups():
    df = responses([("2026-01-05", 10, "Business"), ("2026-01-06", 0, " Business ")])
    assert list(nps_table(df, REL, by=["segment"])["n"]) == [2]


def test_empty_scores_are_left_out():
    df = responses([("2026-01-05", 10, "A"), ("2026-01-05", None, "A"), ("", None, "A")])
    assert list(nps_table(df, REL)["n"]) == [1]


@pytest.mark.parametrize("bad", [11, -1, 7.5])
def test_a_score_outside_0_to_10_names_file_row_and_column(bad):
    df = responses([("2026-01-05", 10, "A"), ("2026-01-06", bad, "A")])
    with pytest.raises(SiteError) as exc:
        nps_table(df, REL)
    assert exc.value.problem.format() == (
        f"data/nps_responses.csv:3: error: the score '{bad}' in column 'score' is not a whole number "
        "from 0 to 10\n  hint: a Net Promoter answer is 0, 1, 2 ... or 10; correct the cell, or leave "
        "it empty if the person did not answer.")


def test_a_score_that_is_not_a_number_names_its_row():
    df = responses([("2026-01-05", "ten", "A")])
    with pytest.raises(SiteError, match=r"'ten' in column 'score' is not a number") as exc:
        nps_table(df, REL)
    assert exc.value.problem.line == 2


def test_an_answer_without_a_date_names_its_row():
    df = responses([("2026-01-05", 9, "A"), (None, 9, "A")])
    with pytest.raises(SiteError) as exc:
        nps_table(df, REL)
    assert str(exc.value).startswith("data/nps_responses.csv:3: error: the response has no date in column 'date'")


def test_a_missing_column_lists_the_columns():
    with pytest.raises(SiteError) as exc:
        nps_table(responses([("2026-01-05", 9, "A")]), REL, by=["country"])
    assert "the column 'country' (option 'by') is not in data/nps_responses.csv" in str(exc.value)
    assert "The columns are: date, score, segment" in str(exc.value)


def test_small_groups_are_withheld_with_only_their_names():
    df = responses([("2026-01-05", 10, "Big")] * 10 + [("2026-01-05", 0, "Small")] * 9
                   + [("2026-01-05", 9, "Bigger")] * 30)
    table = nps_table(df, REL, by=["segment"], min_n=10)
    assert list(table["segment"]) == ["Big", "Bigger"]
    # no total is published beside them here, so Big stays: only the site-wide audit, which
    # sees every page, withholds more (tests/test_privacy.py)
    assert [(w.names, w.reason) for w in table.attrs["withheld"]] == [
        ({"date": "2026-01", "segment": "Small"}, "small")]


def _naive(scores: list[int]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=80))
def test_vectorised_result_equals_a_plain_count(rows):
    df = pd.DataFrame({"date": [f"2026-0{m}-15" for _, _, m in rows], "score": [s for s, _, _ in rows],
                       "g": [f"g{g}" for _, g, _ in rows]})
    table = nps_table(df, by=["g"])
    assert table["n"].sum() == len(rows)
    for r in table.itertuples():
        scores = [s for s, g, m in rows if f"g{g}" == r.g and f"2026-0{m}" == r.period]
        assert r.n == len(scores)
        assert r.nps == pytest.approx(_naive(scores))
        assert -100 <= r.nps <= 100 and r.moe >= 0
