"""NPS from raw 0-10 answers: the arithmetic, the margin of error, periods, dimensions,
bad scores, and the minimum group size."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxsite.errors import SiteError
from cxsite.cx.kpi.nps import BLANK, Suppressed, compute, nps_table, period_keys, publishable

REL = "data/nps_responses.csv"


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


def test_groups_by_period_and_dimension_sorted():
    df = responses([("2026-02-01", 10, "B"), ("2026-01-31", 0, "A"), ("2026-01-01", 9, "B"),
                    ("2026-02-14", 5, "A")])
    table = nps_table(df, REL, by=["segment"])
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
    assert "the responses file has no column 'country'" in str(exc.value)
    assert "The columns are: date, score, segment" in str(exc.value)


def test_small_groups_are_withheld_with_only_their_names():
    df = responses([("2026-01-05", 10, "Big")] * 10 + [("2026-01-05", 0, "Small")] * 9
                   + [("2026-01-05", 9, "Bigger")] * 30)
    table = nps_table(df, REL, by=["segment"])
    published, gone = publishable(table, 10, ["segment"])
    assert list(published["segment"]) == ["Bigger"]
    # the month's total is published too, so Big goes with Small: Small = total - Big - Bigger
    assert sorted(gone, key=lambda g: g.group) == [Suppressed("2026-01", ("Big",), True),
                                                   Suppressed("2026-01", ("Small",))]


def _naive(scores: list[int]) -> float:
    return 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=80))
def test_vectorised_result_equals_a_plain_count(rows):
    keys = pd.DataFrame({"period": [f"2026-0{m}" for _, _, m in rows], "g": [f"g{g}" for _, g, _ in rows]})
    table = compute(np.array([s for s, _, _ in rows]), keys)
    assert table["n"].sum() == len(rows)
    for r in table.itertuples():
        scores = [s for s, g, m in rows if f"g{g}" == r.g and f"2026-0{m}" == r.period]
        assert r.n == len(scores)
        assert r.nps == pytest.approx(_naive(scores))
        assert -100 <= r.nps <= 100 and r.moe >= 0
