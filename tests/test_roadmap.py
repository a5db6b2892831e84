"""The roadmap block: Gantt chart, summary, table, options, and every validation rule."""
from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from blocksite import build, html, page, problems, text_of, warnings
from cxsite.cx.roadmap.data import span_months

HEADER = "id,workstream,item,type,start,end,status,owner,progress,depends_on\n"
ROWS = """\
P1,Programme,Stage 1: foundations,phase,2025-02-01,2025-08-31,done,Director,100,
P2,Programme,Stage 2: results,phase,2025-09-01,2026-10-31,on-track,Director,40,P1
A1,Feedback,NPS surveys,initiative,2025-02-03,2025-07-31,done,Insight,100,
A2,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,at-risk,Operations,55,A1
A3,Feedback,Dashboard,initiative,2025-12-01,2026-02-27,late,Insight,80,A1
M1,Feedback,First results,milestone,2025-08-14,,done,Insight,100,A1
B1,People,Champions,initiative,2025-09-01,2026-03-31,On track,HR,85,
M2,People,Playbook launch,milestone,2026-06-01,,planned,HR,,"B1, A2"
"""
BLOCK = "```roadmap\ndata: roadmap.csv\n```"


def roadmap_site(site, rows: str = ROWS, body: str = BLOCK,
                 config: str = "today: 2026-03-15\nlanguage: en-GB\n", **extra):
    return site({"content/index.md": page(body), "data/roadmap.csv": HEADER + rows, "cxsite.yaml": config, **extra})


def replace_row(row_id: str, new: str) -> str:
    return "".join(new + "\n" if line.startswith(row_id + ",") else line + "\n" for line in ROWS.splitlines())


def test_gantt_with_summary_and_table(site):
    files = build(roadmap_site(site))
    out = html(files)
    assert '<div class="cx-roadmap"><figure class="cx-chart"' in out
    # every item counted once (phases too), so the statuses add up; the phases' lane is no workstream
    assert "Gantt chart of 2 workstreams in 2 phases from 1 Feb 2025 to 31 Oct 2026, status as of " \
           "15 Mar 2026: 8 items (1 planned, 2 on track, 1 at risk, 1 late and 3 done)." in out
    aside = text_of(re.search(r"<aside.*?</aside>", out, re.S).group(0))
    assert aside == ("Upcoming milestones 1 Jun 2026 Playbook launch · HR At risk or late late Dashboard "
                     "(ends 27 Feb 2026, Insight) at risk Inner loop (ends 30 Apr 2026, Operations) "
                     "Status as of 15 Mar 2026.")
    csv = files["roadmap.csv"].decode().splitlines()
    assert csv[0] == "Workstream,ID,Item,Type,Start,End,Status,Owner,Progress (%),Depends on"
    assert csv[1:3] == ["Programme,P1,Stage 1: foundations,phase,2025-02-01,2025-08-31,done,Director,100,",
                        "Programme,P2,Stage 2: results,phase,2025-09-01,2026-10-31,on track,Director,40,P1"]
    assert csv[-1] == "People,M2,Playbook launch,milestone,2026-06-01,,planned,HR,,\"B1, A2\""
    table = re.search(r"<details class=\"cx-chart-data\">.*?</details>", out, re.S).group(0)
    assert "<td>Inner loop</td>" in table and "<td>at risk</td>" in table


def test_chart_has_lanes_statuses_milestones_dependencies_and_today(site):
    out = html(build(roadmap_site(site)))
    spec = re.search(r'<script type="application/json" class="cx-chart-spec">(.*?)</script>', out, re.S).group(1)
    assert '"domain":["planned","on track","at risk","late","done"]' in spec
    assert '"range":["#7F7F7F","#009E73","#E69F00","#D55E00","#0072B2"]' in spec
    assert '"shape":"diamond"' in spec
    assert '"label":"Today, 15 Mar 2026"' in spec
    assert '{"from":"2025-08-01","row":"iA1","target":"iA2","to":"2025-09-01"}' in spec  # A1 -> A2
    svg = re.search(r'<div class="cx-chart-static">(.*?)</div>', out, re.S).group(1)
    for text in ("Today, 15 Mar 2026", "Feedback", "People", "Inner loop", "at risk", "late"):
        assert f">{text}</text>" in svg


@pytest.mark.slow
def test_today_comes_from_source_date_epoch_and_output_is_reproducible(site, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01
    src = roadmap_site(site, config="title: Plan\nlanguage: en-GB\n")
    first = build(src)
    assert "Today, 1 Jan 2026" in html(first)
    assert build(src) == first


def test_span_in_months():
    from datetime import date

    assert span_months(date(2025, 2, 1), date(2026, 10, 31)) == 21.0
    assert span_months(date(2025, 1, 15), date(2025, 2, 14)) == 1.0


def test_a_short_programme_is_a_warning(site):
    rows = "A1,Feedback,NPS surveys,initiative,2025-02-01,2025-07-31,done,Insight,100,\n"
    src = roadmap_site(site, rows=rows)
    assert warnings(src) == [
        "data/roadmap.csv: warning: the programme spans 6.0 months (1 Feb 2025 to 31 Jul 2025); a CX "
        "transformation usually takes 18 to 24 months\n  hint: check the first start date and the last end "
        "date, or set 'roadmap: {min_months: ..., max_months: ...}' in cxsite.yaml."]
    assert problems(src, strict=True)[0].startswith("data/roadmap.csv: warning: the programme spans 6.0 months")


def test_the_span_is_configurable(site):
    rows = "A1,Feedback,NPS surveys,initiative,2025-02-01,2025-07-31,done,Insight,100,\n"
    src = roadmap_site(site, rows=rows, config="today: 2025-03-01\nroadmap:\n  min_months: 3\n  max_months: 9\n")
    assert warnings(src) == []


def test_a_dependency_that_ends_after_its_dependent_starts_is_a_warning(site):
    rows = replace_row("A3", "A3,Feedback,Dashboard,initiative,2025-07-01,2026-02-27,late,Insight,80,A1")
    assert warnings(roadmap_site(site, rows=rows)) == [
        "data/roadmap.csv:6: warning: 'A3' (Dashboard) starts on 1 Jul 2025, before 'A1' (NPS surveys), "
        "which it depends on, ends on 31 Jul 2025\n  hint: move the start of 'A3' after 31 Jul 2025, or "
        "correct 'depends_on'."]


@pytest.mark.parametrize("row,message", [
    ("A2,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,blocked,Operations,55,A1",
     "data/roadmap.csv:5: error: the status 'blocked' in column 'status' is not one of: planned, on-track, "
     "at-risk, late, done\n  hint: choose one of: 'at-risk', 'done', 'late', 'on-track', 'planned'."),
    ("A2,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,at risk!,Operations,55,A1",
     "data/roadmap.csv:5: error: the status 'at risk!' in column 'status' is not one of: planned, on-track, "
     "at-risk, late, done\n  hint: did you mean 'at-risk'?"),
    ("M1,Feedback,First results,milestone,2025-08-14,2025-08-20,done,Insight,100,A1",
     "data/roadmap.csv:7: error: the milestone 'M1' has an end date in column 'end'\n  hint: a milestone is "
     "a single day: leave 'end' empty and put its date in 'start', or change its type to 'initiative'."),
    ("A2,Feedback,Inner loop,initiative,2025-09-01,2025-08-30,at-risk,Operations,55,A1",
     "data/roadmap.csv:5: error: the end date 30 Aug 2025 in column 'end' is before the start date "
     "1 Sept 2025 of 'A2'\n  hint: swap the two dates, or correct the one that is wrong."),
    ("A2,Feedback,Inner loop,initiative,2025-09-01,,at-risk,Operations,55,A1",
     "data/roadmap.csv:5: error: the initiative 'A2' has no date in column 'end'"),
    ("A2,Feedback,Inner loop,initiative,2025-09-31,2026-04-30,at-risk,Operations,55,A1",
     "data/roadmap.csv:5: error: '2025-09-31' in column 'start' is not a date"),
    ("A2,Feedback,Inner loop,task,2025-09-01,2026-04-30,at-risk,Operations,55,A1",
     "data/roadmap.csv:5: error: the type 'task' in column 'type' is not one of: phase, initiative, milestone"),
    ("A2,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,at-risk,Operations,55,A9",
     "data/roadmap.csv:5: error: 'A2' depends on 'A9' in column 'depends_on', but there is no item with "
     "that id\n  hint: choose one of: 'A1', 'A2', 'A3', 'B1', 'M1', 'M2', 'P1', 'P2'. Separate several "
     "ids with commas."),
    ("A2,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,at-risk,Operations,55,A2",
     "data/roadmap.csv:5: error: 'A2' depends on itself in column 'depends_on'"),
    ("A1,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,at-risk,Operations,55,",
     "data/roadmap.csv:5: error: the id 'A1' in column 'id' is used twice (rows 4 and 5)"),
    ("A2,Feedback,Inner loop,initiative,2025-09-01,2026-04-30,at-risk,Operations,150,A1",
     "data/roadmap.csv:5: error: the progress '150' in column 'progress' of 'A2' is not from 0 to 100"),
])
def test_bad_rows_name_file_row_and_column(site, row, message):
    """Each row replaces the row 'A2' (line 5), or 'M1' (line 7) for the milestone."""
    target = "M1" if row.startswith("M1,") else "A2"
    assert problems(roadmap_site(site, rows=replace_row(target, row)))[0].startswith(message)


def test_a_circle_of_dependencies(site):
    rows = replace_row("A1", "A1,Feedback,NPS surveys,initiative,2025-02-03,2025-07-31,done,Insight,100,A3")
    assert problems(roadmap_site(site, rows=rows)) == [
        "data/roadmap.csv:4: error: the items depend on each other in a circle: 'A1' depends on 'A3', "
        "which depends on 'A1'\n  hint: remove one of these ids from its 'depends_on' cell."]


def test_a_missing_column(site):
    src = site({"content/index.md": page(BLOCK), "data/roadmap.csv": "id,workstream,item,start,end,status\n"
                "A1,Feedback,NPS surveys,2025-02-03,2025-07-31,done\n"})
    assert problems(src)[0].startswith("content/index.md:4: error: the column 'type' is not in data/roadmap.csv")


def test_filter_workstreams_and_period(site):
    body = "```roadmap\ndata: roadmap.csv\nworkstreams: [People]\nfrom: 2026-01\nto: 2026-06\n```"
    csv = build(roadmap_site(site, body=body))["roadmap.csv"].decode()
    assert [line.split(",")[1] for line in csv.splitlines()[1:]] == ["P2", "B1", "M2"]


@pytest.mark.parametrize("body,message", [
    ("```roadmap\ndata: roadmap.csv\nworkstreams: [Feedbak]\n```",
     "content/index.md:6: error: there is no workstream 'Feedbak' in data/roadmap.csv\n  hint: did you mean 'Feedback'?"),
    ("```roadmap\ndata: roadmap.csv\nfrom: 2026-13\n```",
     "content/index.md:6: error: 'from: 2026-13' is not a date"),
    ("```roadmap\ndata: roadmap.csv\nfrom: 2030-01\n```",
     "content/index.md:4: error: no roadmap items fall in the chosen workstreams and dates"),
    ("```roadmap\ndata: roadmap.csv\nlanes: [People]\n```",
     "content/index.md:6: error: the roadmap block has no option 'lanes'"),
    ("```roadmap\nworkstreams: [People]\n```",
     "content/index.md:4: error: the roadmap block needs 'data'"),
])
def test_option_mistakes(site, body, message):
    assert problems(roadmap_site(site, body=body))[0].startswith(message)


def test_excel_roadmap_with_real_dates(site):
    df = pd.read_csv(io.StringIO(HEADER + ROWS), dtype={"depends_on": str})
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col])
    buf = io.BytesIO()
    df.to_excel(buf, index=False, engine="openpyxl")
    src = site({"content/index.md": page("```roadmap\ndata: roadmap.xlsx\n```"), "data/roadmap.xlsx": buf.getvalue(),
                "cxsite.yaml": "today: 2026-03-15\n"})
    assert "Jun 1, 2026</strong> Playbook launch" in html(build(src))  # en: American dates
    bad = df.copy()
    bad.loc[3, "status"] = "unknown"
    buf = io.BytesIO()
    bad.to_excel(buf, index=False, engine="openpyxl")
    src.joinpath("data/roadmap.xlsx").write_bytes(buf.getvalue())
    assert problems(src)[0].startswith("data/roadmap.xlsx:5: error: the status 'unknown' in column 'status'")


def test_untrusted_text_is_escaped(site):
    rows = replace_row("A3", 'A3,Feedback,<script>alert(1)</script>,initiative,2025-12-01,2026-02-27,late,"<b>me</b>",80,A1')
    out = html(build(roadmap_site(site, rows=rows)))
    assert "<script>alert(1)" not in out and "<b>me</b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


@pytest.mark.slow
def test_ids_like_lane_keys_or_numbers_keep_their_own_rows(site):
    """An id ws0 once took the first workstream's header row; an id 2 in a column with an empty
    cell was read as 2.0, then 'no item with that id'."""
    rows = ("ws0,Feedback,Survey,initiative,2025-02-03,2025-07-31,done,Insight,100,\n"
            "ws1,Feedback,Loop,initiative,2025-09-01,2026-04-30,at-risk,Ops,55,ws0\n"
            "1,People,Champions,initiative,2025-02-01,2026-03-31,on-track,HR,85,\n"
            "2,People,Launch,milestone,2026-06-01,,planned,HR,,1\n"
            ",,,,,,,,,\n")
    files = build(roadmap_site(site, rows=rows))
    out = html(files)
    spec = re.search(r'<script type="application/json" class="cx-chart-spec">(.*?)</script>', out, re.S).group(1)
    for key, label in (("w0", "Feedback"), ("w1", "People"), ("iws0", "Survey"), ("iws1", "Loop"),
                       ("i1", "Champions"), ("i2", "Launch")):
        assert f'\\"{key}\\": \\"{label}\\"' in spec  # the axis labels, by chart row
    svg = re.search(r'<div class="cx-chart-static">(.*?)</div>', out, re.S).group(1)
    for text in ("Feedback", "People", "Survey", "Loop", "Champions", "Launch"):
        assert f">{text}</text>" in svg
    csv = files["roadmap.csv"].decode()
    assert "People,2,Launch,milestone,2026-06-01,,planned,HR,,1\n" in csv
def test_a_chinese_page_shows_the_same_file_in_chinese(site):
    body = ("```roadmap\ndata: roadmap.csv\ntitle: 项目路线图\nlabels: {Feedback: 客户反馈, A2: 内循环, "
            "Operations: 运营部}\n```")
    out = html(build(roadmap_site(site, body=body, config="today: 2026-03-15\nlanguage: zh-Hans\n")))
    aside = text_of(re.search(r"<aside.*?</aside>", out, re.S).group(0))
    assert "有风险 内循环 （2026年4月30日结束，运营部）" in aside  # by id, by name, the owner
    assert "状态截至 2026年3月15日。" in aside
    spec = re.search(r'class="cx-chart-spec">(.*?)</script>', out, re.S).group(1)
    assert '\\"w0\\": \\"客户反馈\\"' in spec  # the lane header, in Chinese
    assert '"label":"今天：2026年3月15日"' in spec
    assert '%Y年%-m月' in spec  # the month axis
    assert "<th scope=\"col\">工作线</th>" in out and "<td>有风险</td>" in out


def test_labels_must_be_a_mapping(site):
    body = "```roadmap\ndata: roadmap.csv\nlabels: [A, B]\n```"
    assert problems(roadmap_site(site, body=body))[0].startswith(
        "content/index.md:4: error: 'labels' must map values of the data to the words to show")
