"""Respondents' privacy holds site-wide: each attack of issue 8 built into a real site, and no
output file (pages, CSV downloads, chart data, SVG, search index, cache) gives a small group's
value away, directly or by subtracting one published figure from another."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from blocksite import build, build_to_disk, html, leaks, page, problems, text_of
from cxsite.config import load_config
from cxsite.errors import BuildFailed
from cxsite.privacy.suppression import withheld

ROOT = Path(__file__).resolve().parent.parent

DEFS = """\
- kpi: nps
  name: Net Promoter Score
  unit: points
  target: 30
  from: answers.csv
- kpi: nps_q
  name: Quarterly NPS
  unit: points
  from: answers.csv
  period: quarter
"""

def answers(groups: list[tuple[str, str, list[int]]], touchpoint: str = "Call centre") -> str:
    """A file of answers: (date, segment, scores) -> one row per score."""
    rows = [f"{d},{s},{segment},{touchpoint}" for d, segment, scores in groups for s in scores]
    return "date,score,segment,touchpoint\n" + "\n".join(rows) + "\n"

def scores(promoters: int, passives: int, detractors: int) -> list[int]:
    return [10] * promoters + [8] * passives + [3] * detractors

def nps_site(site, pages: dict[str, str], data: str, **extra):
    files = {f"content/{name}.md": page(body, title=name.capitalize()) for name, body in pages.items()}
    return site({**files, "data/kpi_definitions.yaml": DEFS, "data/answers.csv": data, **extra})

def csv_rows(files: dict[str, bytes], path: str) -> list[list[str]]:
    return [line.split(",") for line in files[path].decode().splitlines()[1:]]

# --- the rule within one breakdown (privacy.suppression) -------------------------------------
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

# --- finding 1: every block, every format goes through the one door --------------------------
# Residential: 30 answers in January, 20 in February; Business: 12 in January, 3 in February.
TWO_MONTHS = answers([("2026-01-10", "Residential", scores(16, 10, 4)),
                      ("2026-01-12", "Business", scores(6, 3, 3)),
                      ("2026-02-10", "Residential", scores(13, 5, 2)),   # NPS 55.0
                      ("2026-02-12", "Business", [10, 10, 0])])           # NPS 33.3: 3 answers

@pytest.mark.parametrize("block, message", [
    ("```chart\ndata: answers.csv\nmark: bar\nx: segment\ny: score\n```",
     "content/a.md:4: error: data/answers.csv is protected: it holds individual answers (column "
     "'score'), so a chart must show groups of answers, not the answers themselves\n  hint: add "
     "'aggregate: mean' (or sum, count) to the block: each bar or point then covers a group of at "
     "least 10 respondents. If the column 'score' holds no one's answers (a team's points, say), "
     "give it another name."),
    ('```vega-lite\n{"data": {"url": "answers.csv"}, "mark": "bar", "encoding": {"x": {"field": '
     '"segment", "type": "nominal"}, "y": {"field": "score", "aggregate": "mean", "type": '
     '"quantitative"}}}\n```',
     "content/a.md:4: error: data/answers.csv is protected: it holds individual answers (column "
     "'score'), so a Vega-Lite chart cannot show it"),
    ("```chart\nspec: c.vl.json\ndata: answers.csv\n```",
     "content/a.md:4: error: data/answers.csv is protected: it holds individual answers (column "
     "'score'), so a chart drawn from a Vega-Lite file cannot show it"),
    ("```chart\npython: nps_by_touchpoint.py\n```",
     "content/a.md:4: error: data/answers.csv is protected: it holds individual answers (column "
     "'score'), so a python: chart module cannot show it"),
    ("```chart\ndata: answers.csv\nmark: bar\nx: segment\ny: score\naggregate: max\n```",
     "content/a.md:4: error: 'max' cannot be shown for data/answers.csv: it is protected"),
    ("The first answer: {{value data=answers.csv column=score pick=first}}.",
     "content/a.md:4: error: data/answers.csv is protected: it holds individual answers (column "
     "'score'), so a sentence cannot quote one of its rows"),
])
def test_no_block_publishes_the_answers_themselves(site, block, message):
    src = nps_site(site, {"a": block}, TWO_MONTHS, **{
        "charts/c.vl.json": '{"mark": "bar", "encoding": {"x": {"field": "score", "type": "quantitative"}}}',
        # the README's old example: every raw answer as inline JSON and as a CSV download
        "charts/nps_by_touchpoint.py": "import altair as alt\n\ndef chart(data):\n"
                                       "    table = data('answers.csv')\n    return alt.Chart(table)"
                                       ".mark_bar().encode(x='touchpoint:N', y='mean(score):Q')\n"})
    assert problems(src)[0].startswith(message)

@pytest.mark.slow
def test_citations_and_charts_give_groups_of_at_least_the_minimum(site, tmp_path):
    body = ("Residential in February: {{value data=answers.csv column=score segment=Residential "
            "date=2026-02-10 pick=mean format=.2f}}. Business in February: {{value data=answers.csv "
            "column=score segment=Business date=2026-02-12 pick=mean}}.\n\n"
            "```chart\ndata: answers.csv\nmark: bar\nx: segment\ny: score\naggregate: mean\n"
            "color: date\nstack: grouped\ntitle: Mean score\n```\n")
    files = build_to_disk(nps_site(site, {"index": body}, TWO_MONTHS), tmp_path / "out")
    text = text_of(html(files))
    assert "Residential in February: 8.80." in text  # (13 x 10 + 5 x 8 + 2 x 3) / 20
    assert "Business in February: fewer than 10 responses." in text
    # one row per group with its number of respondents, headed as the chart's axis is; the
    # 3-answer group is named, not shown
    assert files["mean-score.csv"].decode().splitlines() == [
        "segment,Mean of score,date,Responses", "Residential,8.4,2026-01-10,30", "Residential,8.8,2026-02-10,20",
        "Business,7.8,2026-01-12,12"]
    assert "Not shown, fewer than 10 responses (to protect privacy): Business / 2026-02-12." in text
    assert leaks(files, ["6.67", "6.7", "(n=3)"]) == []  # Business in February: (20 + 0) / 3

def test_an_aggregated_chart_carries_one_row_per_bar_for_any_file(site):
    rows = "".join(f"{['North', 'South', 'East', 'West', 'Centre'][i % 5]},{i % 97}\n" for i in range(5000))
    src = site({"content/index.md": page("```chart\ndata: big.csv\nmark: bar\nx: region\ny: sales\n"
                                         "aggregate: mean\ntitle: Sales\n```"),
                "data/big.csv": "region,sales\n" + rows})
    files = build(src)
    spec = re.search(r'class="cx-chart-spec">(.*?)</script>', html(files), re.S).group(1)
    assert spec.count('"region":') == 5
    assert len(files["sales.csv"].decode().splitlines()) == 6
    assert len(html(files)) < 60_000

# --- finding 2: complementary suppression decided for the whole site -----------------------
@pytest.mark.slow
def test_a_total_a_segment_chart_and_a_segment_card_cannot_give_a_small_segment_away(site, tmp_path):
    """The pattern of the example's KPI page: total cards, a by-segment chart, segment cards.
    February: total 23 answers (NPS 52.2), Residential 20 (55.0), Business 3 (33.3)."""
    kpis = ("```kpi\nshow: nps\n```\n\n```kpi\nshow: nps\nchart: true\nby: segment\n```\n\n"
            "Business: {{kpi nps segment=Business period=2026-02}}.")
    pages = {"kpis": kpis, "residential": "```kpi\nshow: nps\nsegment: Residential\n```"}
    src = nps_site(site, pages, TWO_MONTHS)
    files = build_to_disk(src, tmp_path / "out")
    total = text_of(html(files, "kpis/"))
    assert "52.2 points" in total and "Feb 2026 · 23 responses" in total
    assert "Business: fewer than 10 responses." in total
    # total - Residential = Business: Residential's February goes, everywhere
    residential = text_of(html(files, "residential/"))
    assert "withheld so that a smaller group cannot be worked out" in residential
    assert ["Feb 2026", "Residential"] not in [r[:2] for r in csv_rows(files, "kpis/nps-segment.csv")]
    assert ("Also not shown, so that a group of fewer than 10 people cannot be worked out from "
            "figures published on this page: Residential Feb 2026.") in total
    assert leaks(files, ["55.0", "55 points", "33.3", "33 points"]) == []
    cache = {str(p): p.read_bytes() for p in (src / ".cxsite").rglob("*") if p.is_file()}
    assert any(b"<svg" in data for data in cache.values())  # the charts' pictures are kept
    assert leaks(cache, ["55.0", "55 points", ": 55;", "33.3"]) == []  # never what is withheld

@pytest.mark.slow
def test_no_file_holds_what_the_audit_withholds_not_even_before_the_audit(site, tmp_path, monkeypatch):
    """A cold build writes pages as they are made, before the site-wide audit; the pages that
    publish figures of protected files wait for it, so no file ever holds a withheld figure,
    even for the moment before it is written again (a build stopped then would keep it)."""
    from cxsite.engine import output
    from cxsite.engine.state import BodyLog

    kpis = ("```kpi\nshow: nps\n```\n\n```kpi\nshow: nps\nchart: true\nby: segment\n```\n\n"
            "Business: {{kpi nps segment=Business period=2026-02}}.")
    src = nps_site(site, {"kpis": kpis, "residential": "```kpi\nshow: nps\nsegment: Residential\n```"},
                   TWO_MONTHS)
    written: dict[str, bytes] = {}
    real_write, real_append = output._write_file, BodyLog.append
    monkeypatch.setattr(output, "_write_file",
                        lambda path, data: (written.__setitem__(str(path), data), real_write(path, data))[1])
    monkeypatch.setattr(BodyLog, "append", lambda self, bodies: (
        written.update({f"log:{u}": repr(b).encode() for u, b in bodies.items()}), real_append(self, bodies))[1])
    files = build_to_disk(src, tmp_path / "out")
    assert "Business: fewer than 10 responses." in text_of(html(files, "kpis/"))
    assert any(p.endswith("kpis/index.html") for p in written) and any(p.startswith("log:") for p in written)
    assert leaks(written, ["55.0", "55 points", "33.3", "33 points"]) == []


# December 45 answers; January 40, February 3, March 50: Q1 - January - March = February.
QUARTERS = answers([("2025-12-05", "Residential", scores(20, 15, 10)),
                    ("2026-01-05", "Residential", scores(21, 12, 7)),      # NPS 35.0
                    ("2026-02-05", "Residential", [10, 0, 0]),             # NPS -33.3
                    ("2026-03-05", "Residential", scores(30, 10, 10))])

@pytest.mark.slow
def test_months_and_quarters_of_the_same_answers(site):
    pages = {"monthly": "```kpi\nshow: nps\nchart: true\n```", "quarterly": "```kpi\nshow: nps_q\n```"}
    files = build(nps_site(site, pages, QUARTERS))
    assert [r[0] for r in csv_rows(files, "monthly/nps.csv")] == ["Dec 2025", "Mar 2026"]
    assert ("Not shown, fewer than 10 responses (to protect privacy): Feb 2026. Also not shown, so "
            "that a group of fewer than 10 people cannot be worked out from figures published on "
            "Quarterly and on this page: Jan 2026.") in text_of(html(files, "monthly/"))
    assert '<a href="../quarterly/">Quarterly</a>' in html(files, "monthly/")
    assert "Q1 2026 · 93 responses" in text_of(html(files, "quarterly/"))
    assert leaks(files, ["35.0", "-33.3", "−33.3"]) == []

@pytest.mark.slow
def test_a_note_points_to_pages_in_its_own_language(site):
    """A page and its translation publish the same figures: neither note names the other."""
    chart = "```kpi\nshow: nps\nchart: true\n```"
    pages = {"monthly": chart, "monthly.zh": chart, "quarterly": "```kpi\nshow: nps_q\n```"}
    files = build(nps_site(site, pages, QUARTERS, **{
        "cxsite.yaml": "title: T\nlanguages:\n  zh:\n    locale: zh-Hans\n"}))
    english, chinese = html(files, "monthly/"), html(files, "zh/monthly/")
    assert ("figures published on Quarterly and on this page: Jan 2026.") in text_of(english)
    assert '<a href="../quarterly/">Quarterly</a>' in english and "zh/" not in english.split(
        'class="cx-suppressed"')[1].split("</p>")[0]
    note = chinese.split('class="cx-suppressed"')[1].split("</p>")[0]
    assert '<a href="../quarterly/">Quarterly</a>' in note and "本页" in note  # the zh stand-in
    assert "../../monthly/" not in note and "Not shown" not in note

@pytest.mark.slow
def test_a_survey_total_named_on_one_page_protects_the_groups_on_another(site):
    """All employees (49) = Sales (40) + IT (7) + 2 people in no department."""
    data = ("statement,department,value,n\nI know what we stand for,Sales,62.5,40\n"
            "I know what we stand for,IT,71.43,7\nI know what we stand for,All employees,64.29,49\n")
    pages = {"a": "```survey\ndata: pulse.csv\nby: department\nreference: All employees\n```",
             "b": "```survey\ndata: pulse.csv\nby: department\n```"}
    files = build(nps_site(site, pages, TWO_MONTHS, **{"data/pulse.csv": data}))
    for url in ("a/", "b/"):
        shown = html(files, url)
        assert '"group":"All employees"' in shown and '"group":"Sales"' not in shown
    assert "figures published on A and on this page: Sales." in text_of(html(files, "b/"))
    # 64.29 is shown as 64%: the chart data says 64.3, from which nothing exact follows
    assert leaks(files, ["62.5", "71.4", "64.29"]) == []

# --- finding 3: withheld for the reason it was ----------------------------------------------
def test_a_series_of_totals_withholds_only_its_small_months(site):
    data = answers([("2026-01-05", "Residential", scores(20, 10, 10)),
                    ("2026-02-05", "Residential", scores(2, 2, 1)),
                    ("2026-03-05", "Residential", scores(25, 10, 5))])
    files = build(nps_site(site, {"index": "```kpi\nshow: nps\nchart: true\n```\n\n```kpi\nshow: nps\n```"}, data))
    assert [r[0] for r in csv_rows(files, "nps.csv")] == ["Jan 2026", "Mar 2026"]
    out = text_of(html(files))
    assert "Not shown, fewer than 10 responses (to protect privacy): Feb 2026." in out
    assert "Also not shown" not in out
    assert "Feb 2026: fewer than 10 responses, no comparison" in out

def test_a_month_withheld_to_protect_another_says_so(site):
    pages = {"monthly": "```kpi\nshow: nps\n```\n\nIn January: {{kpi nps period=2026-01}}.",
             "quarterly": "```kpi\nshow: nps_q\n```"}
    out = text_of(html(build(nps_site(site, pages, QUARTERS)), "monthly/"))
    assert "In January: withheld so that a smaller group cannot be worked out." in out
    assert "January: fewer than" not in out

# --- the cache, check, settings ---------------------------------------------------------------
def test_check_reads_python_chart_modules_without_running_them(site, tmp_path):
    marker = tmp_path / "ran.txt"
    module = f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n\ndef chart(data):\n    return {{}}\n"
    src = nps_site(site, {"index": "```chart\npython: c.py\n```"}, TWO_MONTHS, **{"charts/c.py": module})
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--source", str(src)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert not marker.exists() and not (src / "output").exists()
    (src / "charts" / "c.py").write_text("def chart(data)\n    return None\n")
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "check", "--source", str(src)],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert "charts/c.py:1: error: the chart module has a syntax error" in done.stderr

@pytest.mark.parametrize("listed, used", [("pulse.csv", "pulse.csv"), ("./pulse.csv", "pulse.csv"),
                                          ("data/pulse.csv", "./pulse.csv")])
def test_a_file_can_be_declared_protected(site, listed, used):
    data = "team,answer\n" + "".join(f"{'North' if i < 12 else 'South'},{i % 5}\n" for i in range(15))
    body = f"```chart\ndata: {used}\nmark: bar\nx: team\ny: answer\naggregate: mean\ntitle: Pulse\n```"
    config = f"privacy:\n  protected: ['{listed}']\n  min_group_size: 5\n"
    files = build(site({"content/index.md": page(body), "data/pulse.csv": data, "cxsite.yaml": config}))
    assert [r[0] for r in csv_rows(files, "pulse.csv")] == ["North"]
    assert "Not shown, fewer than 5 responses (to protect privacy): South." in text_of(html(files))

def test_a_declared_file_is_protected_whatever_the_letter_case(site):
    """On Windows and macOS Pulse.csv and pulse.csv are one file: a block's spelling must not
    unprotect it."""
    src = site({"content/index.md": page("Text."), "data/Pulse.csv": "a\n1\n",
                "cxsite.yaml": "privacy:\n  protected: [Pulse.csv]\n"})
    config = load_config(src)
    assert config.declares_protected("data/pulse.csv") and config.declares_protected("data/PULSE.CSV")
    assert not config.declares_protected("data/other.csv")

@pytest.mark.parametrize("config, message", [
    ("privacy:\n  protected: [pulse.cvs]\n",
     "cxsite.yaml:2: error: 'privacy.protected' names 'pulse.cvs', but there is no such file in data/"),
    ("survey:\n  min_group_size: 5\nprivacy:\n  min_group_size: 8\n",
     "cxsite.yaml:2: error: 'min_group_size' is set twice, under 'survey' and under 'privacy'"),
])
def test_privacy_settings_mistakes(site, config, message):
    src = site({"content/index.md": page("Text."), "data/pulse.csv": "a\n1\n", "cxsite.yaml": config})
    with pytest.raises(BuildFailed) as exc:
        load_config(src)
    assert exc.value.problems[0].format().startswith(message)

def test_a_chart_of_group_results_shows_the_groups_large_enough(site):
    data = ("statement,department,value,n\nS1,Sales,62.5,40\nS1,IT,71.43,7\n"
            "S2,Sales,50,40\nS2,IT,42.86,7\n")
    body = ("```chart\ndata: pulse.csv\nwhere: {statement: S1}\nmark: bar\nx: value\ny: department\n"
            "title: S1\n```\n\n```chart\ndata: pulse.csv\nmark: bar\nx: value\ny: department\n"
            "aggregate: mean\n```")
    out = problems(site({"content/index.md": page(body), "data/pulse.csv": data}))
    assert out[0].startswith("content/index.md:13: error: this block adds up answers to different "
                             "statements of data/pulse.csv")
    files = build(site({"content/index.md": page(body.split("\n\n")[0]), "data/pulse.csv": data}))
    assert csv_rows(files, "s1.csv") == [["62.5", "Sales"]]
    assert "Not shown, fewer than 10 responses (to protect privacy): S1 / IT." in text_of(html(files))

# --- the property: no small group can be worked out from all that a site publishes -----------
# A small file of answers (min_group_size 3) and random blocks over it, each on its own page.
# The oracle is written here, independently of cxsite.privacy: each row of every CSV download is
# mapped back to the rows of the file it covers, and every set of fewer than 3 rows is tested by
# brute force against the span of those sets (the figures published: counts and sums).
MONTHS = {"Jan 2026": "2026-01", "Feb 2026": "2026-02", "Mar 2026": "2026-03", "Apr 2026": "2026-04"}
QUARTER = {"2026-01": "Q1 2026", "2026-02": "Q1 2026", "2026-03": "Q1 2026", "2026-04": "Q2 2026"}
PROPERTY_DEFS = DEFS.replace("  target: 30\n", "")
VOCABULARY = {
    # name: (block, CSV download, which answers (month, segment, touchpoint) a CSV row covers)
    "total": ("```kpi\nshow: nps\nchart: true\n```", "nps.csv",
              lambda r, m, s, t: m == MONTHS[r["Period"]]),
    "segments": ("```kpi\nshow: nps\nchart: true\nby: segment\n```", "nps-segment.csv",
                 lambda r, m, s, t: m == MONTHS[r["Period"]] and s == r["segment"]),
    "touchpoints": ("```kpi\nshow: nps\nchart: true\nby: touchpoint\n```", "nps-touchpoint.csv",
                    lambda r, m, s, t: m == MONTHS[r["Period"]] and t == r["touchpoint"]),
    "segment A": ("```kpi\nshow: nps\nchart: true\nsegment: A\nby: touchpoint\n```",
                  "nps-touchpoint.csv",
                  lambda r, m, s, t: s == "A" and m == MONTHS[r["Period"]] and t == r["touchpoint"]),
    "quarters": ("```kpi\nshow: nps_q\nchart: true\n```", "nps_q.csv",
                 lambda r, m, s, t: QUARTER[m] == r["Period"]),
    "quarters by segment": ("```kpi\nshow: nps_q\nchart: true\nby: segment\n```", "nps_q-segment.csv",
                            lambda r, m, s, t: QUARTER[m] == r["Period"] and s == r["segment"]),
    "count by segment": ("```chart\ndata: answers.csv\nmark: bar\nx: segment\ny: score\n"
                         "aggregate: count\ntitle: t\n```", "t.csv",
                         lambda r, m, s, t: s == r["segment"]),
    "mean by touchpoint": ("```chart\ndata: answers.csv\nmark: bar\nx: touchpoint\ny: score\n"
                           "color: segment\naggregate: mean\ntitle: t\n```", "t.csv",
                           lambda r, m, s, t: t == r["touchpoint"] and s == r["segment"]),
    "sum by month": ("```chart\ndata: answers.csv\nmark: bar\nx: month\ny: score\naggregate: sum\n"
                     "title: t\n```", "t.csv", lambda r, m, s, t: m == r["month"][:7]),
}

def published_sets(files: dict[str, bytes], blocks: list[str],
                   rows: list[tuple[str, str, str, int]]) -> list[frozenset[int]]:
    """The set of answers behind each row of each CSV download, checked against its count."""
    import csv
    import io

    sets = []
    for i, name in enumerate(blocks):
        _, download, covers = VOCABULARY[name]
        path = f"p{i}/{download}"
        if path not in files:  # every group withheld: the page has no chart
            continue
        for r in csv.DictReader(io.StringIO(files[path].decode())):
            members = frozenset(j for j, (m, s, t, _) in enumerate(rows) if covers(r, m, s, t))
            assert int(r["Responses"]) == len(members), (name, r)
            sets.append(members)
    return sets

def chart_data_sizes(files: dict[str, bytes]) -> list[int]:
    """The number of respondents of every row of every chart's data, in every page."""
    import json

    sizes = []
    for path, data in files.items():
        if path.endswith(".html"):
            for spec in re.findall(rb'class="cx-chart-spec">(.*?)</script>', data, re.S):
                spec = json.loads(spec)
                tables = [*spec.get("datasets", {}).values(), spec.get("data", {}).get("values", [])]
                for rows in tables:
                    sizes += [int(r.get("n", r.get("Responses", 0))) for r in rows
                              if "n" in r or "Responses" in r]
    return sizes


def derivable(sets: list[frozenset[int]], target: frozenset[int], size: int) -> bool:
    """Whether a set of answers is a linear combination of the published sets."""
    import numpy as np

    matrix = np.array([[j in s for j in range(size)] for s in sets], dtype=float).reshape(-1, size)
    x = np.array([[j in target for j in range(size)]], dtype=float)
    rank = np.linalg.matrix_rank(matrix) if len(sets) else 0
    return np.linalg.matrix_rank(np.vstack([matrix, x])) == rank

answer = st_tuples = None  # set below, once hypothesis is imported

@pytest.mark.slow
def test_no_small_group_can_be_worked_out_from_a_random_site(tmp_path):
    from itertools import combinations

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    minimum = 3
    one = st.tuples(st.sampled_from(sorted(QUARTER)), st.sampled_from("AB"), st.sampled_from("XY"),
                    st.integers(0, 10))

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                     HealthCheck.function_scoped_fixture])
    @given(rows=st.lists(one, min_size=6, max_size=18),
           blocks=st.lists(st.sampled_from(sorted(VOCABULARY)), min_size=2, max_size=5))
    def check(rows, blocks):
        import shutil

        src = tmp_path / "site"
        shutil.rmtree(src, ignore_errors=True)
        text = "date,month,segment,touchpoint,score\n" + "".join(
            f"{m}-15,{m},{s},{t},{v}\n" for m, s, t, v in rows)
        files = {f"content/p{i}.md": page(VOCABULARY[b][0], title=f"P{i}") for i, b in enumerate(blocks)}
        files.update({"data/answers.csv": text, "data/kpi_definitions.yaml": PROPERTY_DEFS,
                      "cxsite.yaml": f"privacy:\n  min_group_size: {minimum}\n"})
        from conftest import write_site

        write_site(src, files)
        try:
            out = build(src)
        except BuildFailed as exc:  # no answers of segment A at all
            assert all("have the segment" in p.message for p in exc.problems), exc.problems
            return
        sets = published_sets(out, blocks, rows)
        assert all(len(s) >= minimum for s in sets)
        assert all(n >= minimum for n in chart_data_sizes(out))  # the pages' chart data too
        for k in range(1, minimum):
            for small in combinations(range(len(rows)), k):
                assert not derivable(sets, frozenset(small), len(rows)), (small, rows, blocks)

    check()


@pytest.mark.slow
def test_the_same_site_gives_the_same_bytes_in_one_process_or_several(site):
    kpis = ("```kpi\nshow: nps\n```\n\n```kpi\nshow: nps\nchart: true\nby: segment\n```\n\n"
            "```kpi\nshow: nps\nchart: true\nby: touchpoint\n```")
    pages = {"kpis": kpis, "residential": "```kpi\nshow: nps\nsegment: Residential\n```",
             "quarterly": "```kpi\nshow: nps_q\nchart: true\n```"}
    src = nps_site(site, pages, TWO_MONTHS)
    from cxsite.engine.output import MemoryWriter
    from cxsite.engine.site import build_site

    one = build_site(load_config(src), MemoryWriter(), jobs=1).files
    two = build_site(load_config(src), MemoryWriter(), jobs=2).files
    assert one == two
    assert "withheld so that a smaller group cannot be worked out" in one["residential/index.html"].decode()


def test_a_figure_of_a_protected_file_stays_out_of_titles_and_menus(site):
    """A heading's {{kpi}} is shown in the page, where the audit sees it; menus and titles on
    other pages, which it does not see, give the heading without it."""
    src = nps_site(site, {"index": "Home.", "kpis": "Text."}, TWO_MONTHS)
    (src / "content" / "kpis.md").write_text("# NPS at {{kpi nps}}\n\nText.\n")
    files = build(src)
    assert "<title>NPS at · CX programme</title>" in html(files, "kpis/")
    assert 'href="kpis/">NPS at</a>' in html(files)  # the home page's menu
    assert "<h1>NPS at 52.2 points</h1>" in html(files, "kpis/")  # the page's own heading
