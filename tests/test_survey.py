"""The survey block (bars, heat table, Likert, reference group) and the privacy rule: a group
below the minimum size never reaches any output file, NPS groups included."""
from __future__ import annotations

import re

import pytest

from blocksite import build, build_to_disk, html, leaks, page, problems, text_of

FINDINGS = """\
statement,country,value,n
I know what my company stands for,UK,56,1200
I know what my company stands for,Germany,52,1100
I know what my company stands for,Tiny,73.21,4
My company delivers on its promise,UK,29,1200
My company delivers on its promise,Germany,34,1100
My company delivers on its promise,Tiny,61.37,4
"""
LIKERT = """\
statement,department,response,count
I know what we stand for,Sales,Disagree,5
I know what we stand for,Sales,Neutral,10
I know what we stand for,Sales,Agree,25
I know what we stand for,IT,Disagree,1
I know what we stand for,IT,Neutral,2
I know what we stand for,IT,Agree,4
I know what we stand for,All employees,Disagree,6
I know what we stand for,All employees,Neutral,12
I know what we stand for,All employees,Agree,29
"""
DESIGN_BLOCK = """```survey
data: findings.csv
statement: I know what my company stands for
by: country
```"""


def survey_site(site, body: str = DESIGN_BLOCK, **extra):
    return site({"content/index.md": page(body), "data/findings.csv": FINDINGS, "data/likert.csv": LIKERT,
                 **extra})


def spec_of(out: str) -> str:
    return re.search(r'class="cx-chart-spec">(.*?)</script>', out, re.S).group(1)


def test_design_block_draws_sorted_bars_with_n(site):
    files = build(survey_site(site))
    out = html(files)
    assert "“I know what my company stands for”, by country" in out
    assert "Highest: UK (56%); lowest: Germany (52%)." in out
    spec = spec_of(out)
    assert '"sort":["UK","Germany"]' in spec
    assert '"label":"56% (n=1,200)"' in spec
    csv = files["i-know-what-my-company-stands-for-by-country.csv"].decode().splitlines()
    assert csv == ["Statement,country,Share (%),Respondents (n)",
                   "I know what my company stands for,UK,56,1200",
                   "I know what my company stands for,Germany,52,1100"]


def test_small_groups_are_named_but_never_shown(site):
    out = html(build(survey_site(site)))
    assert "Not shown, fewer than 10 responses (to protect privacy): Tiny." in text_of(out)
    assert "73.2" not in out and "73%" not in out


def test_reference_group_comes_first_and_draws_a_line(site):
    body = DESIGN_BLOCK.replace("by: country", "by: country\nreference: Germany\nsource: Gallup")
    src = survey_site(site, body)
    with open(src / "data/findings.csv", "a", encoding="utf-8") as f:
        f.write("I know what my company stands for,France,39,900\n")
    out = html(build(src))
    spec = spec_of(out)
    assert '"sort":["Germany","UK"]' in spec
    assert '"reference":true' in spec and '"mark":{"color":"#4A5866","strokeDash":[4,3],"type":"rule"}' in spec
    assert "The reference group is Germany." in out
    # beside a total, the smallest other group goes too, so Tiny = total - the rest cannot be done
    assert ("Not shown, fewer than 10 responses (to protect privacy): Tiny. Also not shown, so that "
            "those cannot be worked out from the totals: France.") in text_of(out)
    assert '<span class="cx-chart-source">Source: Gallup</span>' in out


@pytest.mark.parametrize("sort,order", [("name", '["Germany","UK"]'), ("file", '["UK","Germany"]')])
def test_sort(site, sort, order):
    body = DESIGN_BLOCK.replace("by: country", f"by: country\nsort: {sort}")
    assert f'"sort":{order}' in spec_of(html(build(survey_site(site, body))))


def test_all_statements_as_grouped_bars_and_as_a_heat_table(site):
    bars = spec_of(html(build(survey_site(site, "```survey\ndata: findings.csv\nby: country\n```"))))
    assert '"yOffset":{"field":"group"' in bars
    heat = spec_of(html(build(survey_site(site, "```survey\ndata: findings.csv\nby: country\nview: heat\n```"))))
    assert '"type":"rect"' in heat and '"scheme":"blues"' in heat


def test_likert_distribution(site):
    body = "```survey\ndata: likert.csv\nby: department\nreference: All employees\n```"
    files = build(survey_site(site, body))
    out = html(files)
    spec = spec_of(out)
    assert '"stack":"normalize"' in spec and '"sort":["Disagree","Neutral","Agree"]' in spec
    note = ("Not shown, fewer than 10 responses (to protect privacy): IT. Also not shown, so that "
            "those cannot be worked out from the totals: Sales.")
    assert note in text_of(out)
    assert "IT" not in text_of(out).replace(note, "")  # else IT = All employees - Sales
    csv = files["i-know-what-we-stand-for-by-department.csv"].decode().splitlines()
    assert csv[0] == ("Statement,department,Answer,Respondents giving this answer,Share (%),"
                      "Respondents (n)")
    assert csv[3] == "I know what we stand for,All employees,Agree,29,61.7,47"
    assert not any(",Sales," in line or ",IT," in line for line in csv)


@pytest.mark.parametrize("body,message", [
    ("```survey\ndata: findings.csv\nstatement: I know what my company stands for\nby: region\n```",
     "content/index.md:7: error: the column 'region' (option 'by') is not in data/findings.csv\n  hint: "
     "The columns are: statement, country, value, n."),
    ("```survey\ndata: findings.csv\nstatement: I know what my company stand for\nby: country\n```",
     "content/index.md:4: error: the statement 'I know what my company stand for' is not in data/findings.csv\n"
     "  hint: did you mean 'I know what my company stands for'?"),
    ("```survey\ndata: findings.csv\nby: country\nreference: Europe\n```",
     "content/index.md:7: error: the reference group 'Europe' is not in column 'country' of data/findings.csv"),
    ("```survey\ndata: findings.csv\nby: country\nview: pie\n```",
     "content/index.md:7: error: 'view: pie' is not possible; choose one of: bars, heat"),
    ("```survey\ndata: findings.csv\nstatement: x\n```",
     "content/index.md:4: error: the survey block needs 'by'"),
])
def test_block_mistakes(site, body, message):
    assert problems(survey_site(site, body))[0].startswith(message)


@pytest.mark.parametrize("bad,message", [
    ("I know what my company stands for,France,120,900",
     "data/findings.csv:8: error: the value '120' in column 'value' is not a percentage from 0 to 100"),
    ("I know what my company stands for,France,40,-3",
     "data/findings.csv:8: error: '-3' in column 'n' is not a number of people"),
    ("I know what my company stands for,UK,40,900",
     "data/findings.csv:8: error: the group 'UK' appears twice for the same statement"),
    ("I know what my company stands for,,40,900",
     "data/findings.csv:8: error: the row has no country in column 'country'"),
])
def test_bad_cells_name_file_row_and_column(site, bad, message):
    src = survey_site(site, **{"data/findings.csv": FINDINGS + bad + "\n"})
    assert problems(src)[0].startswith(message)


def test_untrusted_text_is_escaped(site):
    data = "statement,country,value\n<b>Bold</b> & co,<i>UK</i>,50\n"
    out = html(build(survey_site(site, "```survey\ndata: x.csv\nby: country\n```", **{"data/x.csv": data})))
    assert "<b>Bold</b>" not in out and "<i>UK</i>" not in out


# --- privacy: build the whole site to disk and search every file ----------------------------
def test_suppressed_survey_values_appear_in_no_output_file(site, tmp_path):
    body = (DESIGN_BLOCK + "\n\n```survey\ndata: findings.csv\nby: country\nview: heat\n```\n\n"
            "```survey\ndata: likert.csv\nby: department\n```\n")
    files = build_to_disk(survey_site(site, body), tmp_path / "out")
    assert "index.html" in files and any(p.endswith(".csv") for p in files)
    # Tiny: 73.21% and 61.37% (n=4); IT: 1, 2 and 4 of 7 answers = 14.29%, 28.57%, 57.14%.
    assert leaks(files, ["73.2", "73%", "61.37", "61.4", "61%", "14.29", "14.3", "28.57", "28.6",
                          "57.14", "57.1", "(n=4)", "(n=7)"]) == []
    page_text = text_of(files["index.html"].decode())
    assert page_text.count("fewer than 10 responses") == 3
    # the page's text also went into other files (the search index): they were searched too
    assert [p for p, data in files.items() if b"to protect privacy" in data and p != "index.html"]


def test_suppressed_nps_groups_appear_in_no_output_file(site, tmp_path):
    defs = ("- kpi: nps\n  name: Net Promoter Score\n  unit: points\n  direction: higher\n  target: 30\n"
            "  from: answers.csv\n")
    # February, Business: 6 promoters and 1 detractor of 7 answers -> NPS 71.43 (withheld)
    rows = ([("2026-01-10", 10, "Residential")] * 12 + [("2026-01-11", 0, "Residential")] * 8
            + [("2026-02-03", 9, "Residential")] * 11 + [("2026-02-04", 3, "Residential")] * 4
            + [("2026-02-06", 9, "Business")] * 6 + [("2026-02-07", 2, "Business")] * 1)
    answers = "date,score,segment\n" + "".join(f"{d},{s},{g}\n" for d, s, g in rows)
    body = ("Business: {{kpi nps segment=Business}}.\n\n```kpi\nshow: nps\nsegment: Business\n```\n\n"
            "```kpi\nshow: nps\nchart: true\nby: segment\n```\n")
    src = site({"content/index.md": page(body), "data/kpi_definitions.yaml": defs, "data/answers.csv": answers})
    files = build_to_disk(src, tmp_path / "out")
    assert "nps-segment.csv" in files
    assert leaks(files, ["71.4", "71 points", "71.0 points"]) == []
    text = text_of(files["index.html"].decode())
    assert "Business: fewer than 10 responses." in text
    assert "Not shown, fewer than 10 responses (to protect privacy): Business Feb 2026." in text


def test_the_minimum_group_size_is_configurable(site):
    src = survey_site(site, **{"cxsite.yaml": "survey:\n  min_group_size: 3\n"})
    out = html(build(src))
    assert '"label":"73% (n=4)"' in spec_of(out) and "fewer than" not in out


def test_a_withheld_group_whose_name_has_a_comma_reads_as_one_group(site):
    findings = FINDINGS.replace("Tiny", '"Comma, Ltd"')
    out = text_of(html(build(survey_site(site, **{"data/findings.csv": findings}))))
    assert "Not shown, fewer than 10 responses (to protect privacy): “Comma, Ltd”." in out


def test_a_share_is_rounded_once_and_its_label_agrees_with_the_table(site):
    """54.45 is published as 54.5 in the table; its label is then 55%, as a reader rounds 54.5
    (Python's '%.0f' of 54.5 gives 54%, and of 54.45 gives 54%)."""
    findings = ("statement,country,value,n\nS,UK,54.45,200\nS,Germany,12.25,300\n")
    files = build(survey_site(site, "```survey\ndata: findings.csv\nstatement: S\nby: country\n```",
                              **{"data/findings.csv": findings}))
    out = html(files)
    assert '"label":"55% (n=200)"' in out and '"label":"12% (n=300)"' in out
    csv = next(v for k, v in files.items() if k.endswith(".csv")).decode().splitlines()
    assert csv[1:] == ["S,UK,54.5,200", "S,Germany,12.3,300"]
    assert "Highest: UK (55%); lowest: Germany (12%)." in text_of(out)
