from __future__ import annotations

import pandas as pd

from cxsite.privacy.suppression import withheld


def test_a_lone_small_group_takes_the_next_smallest_with_it():
    t = pd.DataFrame({"period": ["2026-01"] * 4, "touchpoint": ["Field", "Web", "Call", "Bill"],
                      "n": [6, 15, 30, 40]})
    small, extra = withheld(t, 10, within=["period"])
    assert list(t.touchpoint[small]) == ["Field"]
    assert list(t.touchpoint[extra]) == ["Web"]  # Field = total - Web - Call - Bill no longer works


def test_small_groups_that_together_reach_the_minimum_need_no_help():
    t = pd.DataFrame({"period": ["p"] * 3, "g": ["a", "b", "c"], "n": [6, 7, 50]})
    small, extra = withheld(t, 10, within=["period"])
    assert list(t.g[small]) == ["a", "b"] and not extra.any()


def test_each_breakdown_is_protected_on_its_own():
    t = pd.DataFrame({"period": ["p1", "p1", "p1", "p2", "p2"], "g": ["a", "b", "c", "a", "b"],
                      "n": [4, 12, 11, 30, 40]})
    small, extra = withheld(t, 10, within=["period"])
    assert list(zip(t.period[small], t.g[small])) == [("p1", "a")]
    assert list(zip(t.period[extra], t.g[extra])) == [("p1", "c")]


def test_groups_without_a_size_are_published():
    t = pd.DataFrame({"statement": ["s", "s"], "g": ["UK", "DE"], "n": [float("nan"), float("nan")]})
    small, extra = withheld(t, 10, within=["statement"])
    assert not small.any() and not extra.any()
