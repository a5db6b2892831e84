"""KPI scorecards, KPI charts and the {{kpi ...}} citation, built into real sites."""
from __future__ import annotations

import re

import pytest

from blocksite import build, html, page, problems, text_of

DEFS = """\
# KPI definitions
- kpi: nps
  name: Net Promoter Score
  unit: points
  direction: higher
  target: 30
  source: Customer survey
- kpi: churn
  name: Customer churn
  unit: "%"
  direction: lower
  target: 5
  source: Billing system
- kpi: share_of_wallet
  name: Share of wallet
  unit: "%"
  direction: higher
"""
VALUES = """\
kpi,period,value,segment
nps,2026-02,25,
nps,2025-03,10,
nps,2026-01,20,
nps,2026-03,31.5,
nps,2026-03,12,Business
nps,2026-02,14,Business
churn,2026-02,6.0,
churn,2026-03,5.5,
share_of_wallet,2026-03,41.0,
share_of_wallet,2026-02,41.0,
"""
DESIGN_BLOCK = """```kpi
data: kpi_monthly.csv
show: [nps, share_of_wallet, churn]
```"""


def kpi_site(site, body: str, defs: str = DEFS, values: str = VALUES, **extra):
    return site({"content/index.md": page(body), "data/kpi_definitions.yaml": defs,
                 "data/kpi_monthly.csv": values, **extra})


def cards(src) -> dict[str, str]:
    """Each card's visible text by KPI name."""
    found = re.findall(r'<article class="cx-kpi[^"]*">(.*?)</article>', html(build(src)), re.S)
    return {re.search(r'cx-kpi-name">([^<]+)', c).group(1).strip(): c for c in found}


def test_design_block_shows_latest_value_change_target_and_source(site):
    nps = cards(kpi_site(site, DESIGN_BLOCK))["Net Promoter Score"]
    assert text_of(nps) == (
        "Net Promoter Score 31.5 points ▲ up 6.5 points since Feb 2026, an improvement (better) "
        "Target 30.0 points · on track Trend from Mar 2025 to Mar 2026: from 10.0 points to 31.5 points; "
        "target 30.0 points Mar 2026 · Source: Customer survey")


def test_cards_follow_the_order_of_show(site):
    assert list(cards(kpi_site(site, DESIGN_BLOCK))) == ["Net Promoter Score", "Share of wallet", "Customer churn"]


def test_a_fall_is_better_when_lower_is_better(site):
    src = kpi_site(site, DESIGN_BLOCK)
    assert '<article class="cx-kpi cx-kpi-off"><h3 class="cx-kpi-name">Customer churn' in html(build(src))
    churn = cards(src)["Customer churn"]
    assert '<p class="cx-kpi-change cx-better"><span aria-hidden="true">▼</span> down 0.5 points since Feb 2026' in churn
    assert "off track</strong>: 0.5 points above target" in churn
    assert "5.5%" in churn


def test_change_never_relies_on_colour_alone(site):
    nps = cards(kpi_site(site, DESIGN_BLOCK))["Net Promoter Score"]
    assert '<span class="visually-hidden">, an improvement</span>' in nps
    assert '<span aria-hidden="true">▲</span>' in nps and "up 6.5 points" in nps


def test_no_change_and_no_target(site):
    wallet = cards(kpi_site(site, DESIGN_BLOCK))["Share of wallet"]
    assert "no change since Feb 2026" in wallet
    assert "Target" not in wallet and "cx-spark-target" not in wallet


def test_sparkline_is_an_image_with_a_spoken_summary(site):
    nps = cards(kpi_site(site, DESIGN_BLOCK))["Net Promoter Score"]
    svg = re.search(r"<svg[^>]*>", nps).group(0)
    assert 'role="img"' in svg
    assert 'aria-label="Trend from Mar 2025 to Mar 2026: from 10.0 points to 31.5 points; target 30.0 points"' in svg
    assert nps.count("<polyline") == 1


def test_compare_with_the_same_period_last_year(site):
    body = "```kpi\ndata: kpi_monthly.csv\nshow: [nps, churn]\ncompare: last-year\n```"
    found = cards(kpi_site(site, body))
    assert "up 21.5 points since Mar 2025" in found["Net Promoter Score"]
    assert "no value for Mar 2025 to compare with" in found["Customer churn"]


def test_segment(site):
    body = "```kpi\ndata: kpi_monthly.csv\nshow: nps\nsegment: Business\n```"
    card = cards(kpi_site(site, body))["Net Promoter Score"]
    assert "(Business)" in card and "12.0 points" in card and "down 2.0 points since Feb 2026" in card


def test_values_for_several_segments_without_a_total_need_a_choice(site):
    values = "kpi,period,value,segment\nnps,2026-03,31,Residential\nnps,2026-03,12,Business\n"
    out = problems(kpi_site(site, "```kpi\ndata: kpi_monthly.csv\nshow: nps\n```", values=values))
    assert out == ["content/index.md:4: error: the KPI 'nps' has values for several segments (Business, "
                   "Residential), and none for all segments together\n  hint: choose one with "
                   "'segment: Business', or add rows with an empty segment for the total."]


def test_a_single_named_segment_is_the_total(site):
    values = "kpi,period,value,segment\nnps,2026-02,20,All customers\nnps,2026-03,31,All customers\n"
    assert "31.0 points" in cards(kpi_site(site, "```kpi\ndata: kpi_monthly.csv\nshow: nps\n```",
                                           values=values))["Net Promoter Score"]


def test_a_target_column_overrides_the_definition(site):
    values = "kpi,period,value,target\nnps,2026-02,20,25\nnps,2026-03,31,35\n"
    card = cards(kpi_site(site, "```kpi\ndata: kpi_monthly.csv\nshow: nps\n```", values=values))["Net Promoter Score"]
    assert "Target 35.0 points" in card and "off track" in card


def test_inline_citation(site):
    body = ("NPS {{kpi nps}}, churn {{kpi churn}}, business {{kpi nps segment=Business}}, "
            "January {{kpi nps period=2026-01}}.")
    defs = DEFS.replace("  source: Customer survey\n", "  source: Customer survey\n  from: kpi_monthly.csv\n") \
               .replace("  source: Billing system\n", "  source: Billing system\n  from: kpi_monthly.csv\n")
    out = text_of(html(build(kpi_site(site, body, defs=defs))))
    assert "NPS 31.5 points, churn 5.5%, business 12.0 points, January 20.0 points." in out


def test_inline_citation_names_its_data_file(site):
    body = "Churn is {{kpi churn data=kpi_monthly.csv}}."
    assert "Churn is 5.5%." in text_of(html(build(kpi_site(site, body))))


def test_inline_citation_without_a_source_file(site):
    out = problems(kpi_site(site, "NPS {{kpi nps}}."))
    assert out == ["content/index.md:4: error: no file gives the values of KPI 'nps'\n  hint: add 'data: "
                   "your_file.csv' to the block, or 'from: your_file.csv' to the definition of 'nps' in "
                   "data/kpi_definitions.yaml."]


def test_inline_citation_of_an_unknown_kpi(site):
    out = problems(kpi_site(site, "NPS {{kpi npss data=kpi_monthly.csv}}."))
    assert out[0].startswith("content/index.md:4: error: there is no KPI 'npss' in data/kpi_definitions.yaml\n"
                             "  hint: did you mean 'nps'?")


def test_a_kpi_value_with_no_definition_names_file_row_and_column(site):
    values = VALUES + "chrun,2026-03,5.0,\n"
    out = problems(kpi_site(site, DESIGN_BLOCK, values=values))
    assert out == ["data/kpi_monthly.csv:12: error: the KPI 'chrun' in column 'kpi' has no definition\n"
                   "  hint: did you mean 'churn'? Each KPI needs an entry in data/kpi_definitions.yaml "
                   "(name, unit, direction, target)."]


def test_a_direction_that_is_neither_higher_nor_lower(site):
    defs = DEFS.replace("  direction: lower\n", "  direction: down\n")
    out = problems(kpi_site(site, DESIGN_BLOCK, defs=defs))
    assert out == ["data/kpi_definitions.yaml:11: error: the direction 'down' of KPI 'churn' (column "
                   "'direction') must be 'higher' or 'lower'\n  hint: write 'direction: higher' when a "
                   "higher value is better, 'direction: lower' when a lower value is better."]


def test_definitions_as_a_spreadsheet(site):
    defs = "kpi,name,unit,direction,target\nnps,Net Promoter Score,points,upwards,30\n"
    src = site({"content/index.md": page("```kpi\ndata: kpi_monthly.csv\nshow: nps\n```"),
                "cxsite.yaml": "kpi:\n  definitions: kpis.csv\n", "data/kpis.csv": defs,
                "data/kpi_monthly.csv": "kpi,period,value\nnps,2026-03,31\n"})
    assert problems(src)[0].startswith("data/kpis.csv:2: error: the direction 'upwards' of KPI 'nps'")


def test_definition_mistakes(site):
    defs = DEFS.replace("  unit: points\n", "  units: points\n")
    assert problems(kpi_site(site, DESIGN_BLOCK, defs=defs))[0] == (
        "data/kpi_definitions.yaml:4: error: the KPI definition has an unknown field 'units'\n  hint: did "
        "you mean 'unit'? The fields are: kpi, name, unit, direction, target, source, from, period, decimals.")


def test_a_definition_field_holding_a_list(site):
    defs = DEFS.replace("- kpi: churn\n", "- kpi: [churn]\n")
    assert problems(kpi_site(site, DESIGN_BLOCK, defs=defs)) == [
        "data/kpi_definitions.yaml:8: error: the field 'kpi' of a KPI definition must be a single "
        "value, not a list\n  hint: write one value after 'kpi:'."]
    defs = DEFS.replace("  unit: points\n", "  unit: [points]\n", 1)
    assert problems(kpi_site(site, DESIGN_BLOCK, defs=defs))[0].endswith(
        "hint: write one value after 'unit:', or one per language: 'unit: {en: ..., zh: ...}'.")


def test_a_missing_definitions_file(site):
    src = site({"content/index.md": page(DESIGN_BLOCK), "data/kpi_monthly.csv": VALUES})
    assert problems(src)[0].startswith("content/index.md:4: error: there is no KPI definitions file "
                                       "data/kpi_definitions.yaml")


@pytest.mark.parametrize("body,message", [
    ("```kpi\ndata: kpi_monthly.csv\nshow: [nps, nsp]\n```",
     "content/index.md:6: error: there is no KPI 'nsp' in data/kpi_definitions.yaml"),
    ("```kpi\ndata: kpi_monthly.csv\nshwo: [nps]\n```",
     "content/index.md:6: error: the kpi block has no option 'shwo'\n  hint: did you mean 'show'?"),
    ("```kpi\ndata: kpi_monthly.csv\ncompare: lastyear\n```",
     "content/index.md:6: error: 'compare: lastyear' is not possible; choose one of: previous, last-year"),
    ("```kpi\ndata: kpi_monthly.csv\nby: segment\n```",
     "content/index.md:6: error: 'by' splits a chart into lines, so it needs 'chart: true'"),
    ("```kpi\ndata: kpi_monthly.csv\nshow: nps\nsegment: Busines\n```",
     "content/index.md:4: error: the KPI 'nps' has no values for the segment 'Busines'\n  hint: did you mean 'Business'?"),
])
def test_block_mistakes(site, body, message):
    assert problems(kpi_site(site, body))[0].startswith(message)


# --- NPS computed from raw answers ----------------------------------------------------------
NPS_DEFS = DEFS.replace("  source: Customer survey\n", "  source: Customer survey\n  from: answers.csv\n")


def answers(rows: list[tuple[str, int, str]]) -> str:
    return "date,score,segment\n" + "".join(f"{d},{s},{g}\n" for d, s, g in rows)


# January: 20 answers, NPS 50; February: 12 residential (NPS 25) + 7 business (too few).
ANSWERS = answers([("2026-01-10", 10, "Residential")] * 12 + [("2026-01-11", 0, "Residential")] * 2
                  + [("2026-01-12", 8, "Residential")] * 6
                  + [("2026-02-03", 9, "Residential")] * 6 + [("2026-02-04", 3, "Residential")] * 3
                  + [("2026-02-05", 7, "Residential")] * 3
                  + [("2026-02-06", 9, "Business")] * 5 + [("2026-02-07", 2, "Business")] * 2)


def test_nps_from_raw_answers(site):
    without_nps = "".join(line + "\n" for line in VALUES.splitlines() if not line.startswith("nps,"))
    src = kpi_site(site, DESIGN_BLOCK, defs=NPS_DEFS, values=without_nps, **{"data/answers.csv": ANSWERS})
    card = cards(src)["Net Promoter Score"]
    # February: 19 answers, 11 promoters, 5 detractors -> 31.6
    assert "31.6 points" in card and "down 18.4 points since Jan 2026" in card
    assert "Feb 2026 · 19 responses, margin of error ±" in card


def test_nps_of_a_small_group_is_withheld(site):
    src = kpi_site(site, "Business {{kpi nps segment=Business}}.\n\n```kpi\nshow: nps\nsegment: Business\n```",
                   defs=NPS_DEFS, values="kpi,period,value\nchurn,2026-03,5\n", **{"data/answers.csv": ANSWERS})
    out = html(build(src))
    assert "Business fewer than 10 responses." in text_of(out)
    assert '<p class="cx-kpi-value cx-kpi-small">fewer than 10 responses</p>' in out
    assert "42.9" not in out and "43" not in text_of(out)  # the withheld NPS: (5 - 2) / 7


def test_a_kpi_computed_from_answers_cannot_also_have_values(site):
    out = problems(kpi_site(site, DESIGN_BLOCK, defs=NPS_DEFS, **{"data/answers.csv": ANSWERS}))
    assert out == ["data/kpi_monthly.csv:2: error: the KPI 'nps' is computed from data/answers.csv (see "
                   "data/kpi_definitions.yaml), but data/kpi_monthly.csv also gives values for it\n  hint: "
                   "delete the rows of 'nps' from data/kpi_monthly.csv, or remove 'from:' from its definition."]


def test_answers_by_quarter(site):
    defs = NPS_DEFS.replace("  from: answers.csv\n", "  from: answers.csv\n  period: quarter\n")
    src = kpi_site(site, "```kpi\nshow: nps\ncompare: last-year\n```", defs=defs, **{"data/answers.csv": ANSWERS})
    card = cards(src)["Net Promoter Score"]
    assert "Q1 2026 · 39 responses" in card
    assert "no value for Q1 2025 to compare with" in card


def test_a_bad_score_in_the_answers_names_file_row_and_column(site):
    bad = ANSWERS.replace("2026-01-11,0,", "2026-01-11,11,", 1)
    out = problems(kpi_site(site, "```kpi\nshow: nps\n```", defs=NPS_DEFS, **{"data/answers.csv": bad}))
    assert out[0].startswith("data/answers.csv:14: error: the score '11' in column 'score' is not a whole "
                             "number from 0 to 10")


# --- charts ---------------------------------------------------------------------------------
def test_chart_of_a_kpi_over_time_with_its_target(site):
    src = kpi_site(site, "```kpi\ndata: kpi_monthly.csv\nshow: nps\nchart: true\n```")
    files = build(src)
    out = html(files)
    assert '<figure class="cx-chart"' in out and "Net Promoter Score</span>" in out
    assert "The dashed line is the target, 30.0 points." in out
    assert '"strokeDash":[6,4]' in out  # the target line in the chart's spec
    csv = files["nps.csv"].decode()
    assert csv.splitlines()[0] == "Period,Net Promoter Score (points)"
    assert "Mar 2026,31.5" in csv


def test_chart_of_nps_by_segment_leaves_out_small_groups(site):
    src = kpi_site(site, "```kpi\nshow: nps\nchart: true\nby: segment\n```", defs=NPS_DEFS,
                   values="kpi,period,value\nchurn,2026-03,5\n", **{"data/answers.csv": ANSWERS})
    files = build(src)
    out = html(files)
    assert "Not shown, fewer than 10 responses (to protect privacy): Business Feb 2026." in text_of(out)
    assert "Also not shown" not in out  # no total is published, so nothing else needs to go
    csv = files["nps-segment.csv"].decode().splitlines()
    assert csv[0] == "Period,segment,Net Promoter Score (points),Responses,Margin of error (points)"
    assert [row.split(",")[:4] for row in csv[1:]] == [["Jan 2026", "Residential", "50", "20"],
                                                       ["Feb 2026", "Residential", "25", "12"]]


def test_a_total_published_anywhere_withholds_the_group_it_would_give_away(site):
    """Feb's total (19 answers) on the card minus Residential Feb (12) would give Business Feb (7)."""
    src = kpi_site(site, "```kpi\nshow: nps\nchart: true\nby: segment\n```", defs=NPS_DEFS,
                   values="kpi,period,value\nchurn,2026-03,5\n", **{"data/answers.csv": ANSWERS})
    (src / "content" / "cards.md").write_text(page("The score: {{kpi nps}}.", title="Cards"))
    files = build(src)
    out = text_of(html(files))
    assert ("Not shown, fewer than 10 responses (to protect privacy): Business Feb 2026. Also not "
            "shown, so that a group of fewer than 10 people cannot be worked out from figures "
            "published on Cards: Residential Feb 2026.") in out
    assert '<a href="cards/">Cards</a>' in html(files)
    csv = files["nps-segment.csv"].decode().splitlines()
    assert [row.split(",")[:3] for row in csv[1:]] == [["Jan 2026", "Residential", "50"]]
    assert "The score: 31.6 points." in text_of(html(files, "cards/"))
