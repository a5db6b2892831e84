"""The site-wide audit (cxsite.privacy.audit) on hand-written ledgers: what it withholds, why,
that the order of the pages does not matter, and that it assumes the worst when a search is
too large."""
from __future__ import annotations

import random

import pytest

from cxsite.config import load_config
from cxsite.privacy import audit as audit_module
from cxsite.privacy.audit import audit
from cxsite.privacy.ledger import PagePrivacy, Published, TotalOf
from cxsite.privacy.query import Key, Query

REL = "data/answers.csv"


def site_with(tmp_path, rows: list[tuple[str, str]], name: str = "answers.csv", header: str = "date,score,segment"):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / name).write_text(header + "\n" + "".join(f"{r}\n" for r in rows))
    return load_config(tmp_path)


def answers(month: str, segment: str, count: int) -> list[str]:
    return [f"{month}-10,9,{segment}"] * count


MONTH = Query.of(None, [Key("date", "month")], ["score"]).text
QUARTER = Query.of(None, [Key("date", "quarter")], ["score"]).text
BY_SEGMENT = Query.of(None, [Key("date", "month"), Key("segment")], ["score"]).text


def published(query: str, group: tuple, page: str = "a/", line: int = 4, file: str = REL):
    return Published(file, query, group, page, line, " ".join(group))


def test_a_total_beside_a_large_group_withholds_the_group_not_the_total(tmp_path):
    config = site_with(tmp_path, answers("2026-02", "R", 20) + answers("2026-02", "B", 3))
    pages = [PagePrivacy([published(MONTH, ("2026-02",), "cards/")]),
             PagePrivacy([published(BY_SEGMENT, ("2026-02", "R"), "chart/")])]
    verdict = audit(config, pages, {"cards/": "Cards", "chart/": "Chart"})
    assert list(verdict) == [(REL, BY_SEGMENT, ("2026-02", "R"))]
    assert verdict[(REL, BY_SEGMENT, ("2026-02", "R"))].see == (("cards/", "Cards"),)


def test_large_differences_are_published(tmp_path):
    config = site_with(tmp_path, answers("2026-02", "R", 20) + answers("2026-02", "B", 10))
    pages = [PagePrivacy([published(MONTH, ("2026-02",)), published(BY_SEGMENT, ("2026-02", "R"))])]
    assert audit(config, pages, {}) == {}


def test_a_quarter_minus_two_months_is_the_third(tmp_path):
    rows = answers("2026-01", "R", 40) + answers("2026-02", "R", 3) + answers("2026-03", "R", 50)
    config = site_with(tmp_path, rows)
    pages = [PagePrivacy([published(MONTH, ("2026-01",)), published(MONTH, ("2026-03",))]),
             PagePrivacy([published(QUARTER, ("2026-Q1",), "q/")])]
    assert list(audit(config, pages, {})) == [(REL, MONTH, ("2026-01",))]


def test_the_verdict_does_not_depend_on_the_order_of_pages(tmp_path):
    rows = [r for m in ("2026-01", "2026-02", "2026-03") for seg, n in (("R", 12), ("B", 4), ("C", 11))
            for r in answers(m, seg, n)]
    config = site_with(tmp_path, rows)
    records = [published(MONTH, (m,), f"p{m}/") for m in ("2026-01", "2026-02", "2026-03")]
    records += [published(BY_SEGMENT, (m, seg), f"s{seg}/") for m in ("2026-01", "2026-02", "2026-03")
                for seg, n in (("R", 12), ("C", 11))]
    records.append(published(QUARTER, ("2026-Q1",), "q/"))
    first = audit(config, [PagePrivacy(records)], {})
    assert len(first) == 3  # one of R, C in each month
    for seed in range(5):
        shuffled = records[:]
        random.Random(seed).shuffle(shuffled)
        pages = [PagePrivacy(shuffled[i::3]) for i in range(3)]
        audit_module._DONE.clear()  # work it out again, not from memory
        assert audit(config, pages, {}) == first


def test_past_its_budget_the_search_assumes_the_worst(tmp_path, monkeypatch):
    config = site_with(tmp_path, answers("2026-02", "R", 20) + answers("2026-02", "B", 3))
    pages = [PagePrivacy([published(MONTH, ("2026-02",)), published(BY_SEGMENT, ("2026-02", "R"))])]
    monkeypatch.setattr(audit_module, "_is_01", lambda vector: False)  # no quick answer: search
    monkeypatch.setattr(audit_module, "SEARCH_BUDGET", 0)
    # it cannot tell what is given away, so it withholds what holds the smallest small group
    assert list(audit(config, pages, {})) == [(REL, MONTH, ("2026-02",))]


@pytest.mark.parametrize("total_n, declared, withheld", [
    (47, [], True),  # All = Sales + IT: a total, found from the sizes
    (50, [], False),  # 50 != 47: nothing says All holds Sales and IT
    (49, [TotalOf("data/pulse.csv", "department", "All")], True),  # named as the total: IT + 2 people
    (60, [TotalOf("data/pulse.csv", "department", "All")], False),  # IT + 13 people: not small
])
def test_a_total_row_of_group_results(tmp_path, total_n, declared, withheld):
    config = site_with(tmp_path, [f"S,Sales,60,40", f"S,IT,70,7", f"S,All,61,{total_n}"],
                       name="pulse.csv", header="statement,department,value,n")
    query = Query.of(None, [Key("statement"), Key("department")], ["value"]).text
    pages = [PagePrivacy([published(query, ("S", "Sales"), file="data/pulse.csv"),
                          published(query, ("S", "All"), file="data/pulse.csv")], declared)]
    verdict = audit(config, pages, {})
    assert ((("data/pulse.csv", query, ("S", "Sales")) in verdict) is withheld)


def test_an_unchanged_site_is_not_audited_twice(tmp_path, monkeypatch):
    config = site_with(tmp_path, answers("2026-02", "R", 20) + answers("2026-02", "B", 3))
    pages = [PagePrivacy([published(MONTH, ("2026-02",)), published(BY_SEGMENT, ("2026-02", "R"))])]
    first = audit(config, pages, {})
    monkeypatch.setattr(audit_module, "_settle", lambda *a: pytest.fail("audited again"))
    assert audit(config, pages, {}) == first
    (tmp_path / "data" / "answers.csv").write_text("date,score,segment\n" + "2026-02-10,9,R\n" * 30)
    with pytest.raises(pytest.fail.Exception):  # the data changed: audited again
        audit(config, pages, {})
