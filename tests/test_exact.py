"""Issue 13: every number exact, every cell read as written. End-to-end: real sites built in a
temporary folder, their published figures checked against answers computed here, independently."""
from __future__ import annotations

import csv
import io
import math
import random
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from blocksite import build, html, page, problems, text_of

DEFS = """\
- kpi: nps
  name: Net Promoter Score
  unit: {unit}
  direction: higher
  target: 30
  decimals: {decimals}
  from: answers.csv
"""


def half_up(x: float, decimals: int) -> Decimal:
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def answers_file(seed: int, months: int = 12, segments=("North", "South")) -> tuple[str, list]:
    """Answers with varied mixes per month and segment, and their counts for checking."""
    rng = random.Random(seed)
    rows, groups = ["date,score,segment"], []
    for m in range(1, months + 1):
        for seg in segments:
            n = rng.randint(30, 90)
            scores = [rng.choice(range(11)) for _ in range(n)]
            rows += [f"2025-{m:02d}-15,{s},{seg}" for s in scores]
            groups.append((f"2025-{m:02d}", seg, n, sum(s >= 9 for s in scores), sum(s <= 6 for s in scores)))
    return "\n".join(rows) + "\n", groups


def nps_site(site, body: str, answers: str, unit: str = "points", decimals: int = 0):
    return site({"content/index.md": page(body),
                 "data/kpi_definitions.yaml": DEFS.format(unit=unit, decimals=decimals),
                 "data/answers.csv": answers})


def table_rows(csv_text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(csv_text)))


# --- item 1: one margin of error, rounded once -------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("decimals", [0, 1])
def test_every_margin_of_error_is_the_independently_computed_one_rounded_once(site, decimals):
    text, groups = answers_file(7)
    src = nps_site(site, "```kpi\nshow: nps\nchart: true\nby: segment\n```", text, decimals=decimals)
    files = build(src)
    rows = table_rows(files["nps-segment.csv"].decode())
    assert len(rows) == len(groups)
    expected = {}
    for key, seg, n, p, d in groups:
        score = 100 * (p - d) / n
        moe = 100 * 1.959964 * math.sqrt(max(p / n + d / n - (p / n - d / n) ** 2, 0) / n)
        expected[(key, seg)] = (half_up(score, decimals), half_up(moe, decimals))
    unit = "points"
    for row in rows:
        month = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                             "Sep", "Oct", "Nov", "Dec"), 1)}[row["Period"][:3]]
        score, moe = expected[(f"2025-{month:02d}", row["segment"])]
        assert Decimal(row[f"Net Promoter Score ({unit})"]) == score
        assert Decimal(row[f"Margin of error ({unit})"]) == moe


@pytest.mark.slow
def test_the_card_and_the_table_give_the_same_margin(site):
    text, groups = answers_file(11, months=3, segments=("All",))
    src = nps_site(site, "```kpi\nshow: nps\n```\n\n```kpi\nshow: nps\nchart: true\n```", text)
    files = build(src)
    card_moe = re.search(r"margin of error ±([\d.]+)", html(files)).group(1)
    last = table_rows(files["nps.csv"].decode())[-1]
    assert last["Margin of error (points)"] == card_moe
    # the tooltip's 95% range is the published value plus and minus the published margin
    value = Decimal(last["Net Promoter Score (points)"])
    assert f'"high":{float(value + Decimal(card_moe))}' in html(files)


# --- item 2: the description names the earliest and the latest period ---------------------------
@pytest.mark.slow
def test_a_chart_by_group_describes_its_whole_time_span(site):
    # North runs Jan-Oct, South Jan-Sep: the last row in group order (South) is not the latest
    text, _ = answers_file(3, months=10, segments=("North",))
    south, _ = answers_file(4, months=9, segments=("South",))
    text += "".join(south.splitlines(keepends=True)[1:])
    out = text_of(html(build(nps_site(site, "```kpi\nshow: nps\nchart: true\nby: segment\n```", text))))
    assert "Net Promoter Score from Jan 2025 to Oct 2025, one line per segment." in out


# --- item 3: the KPI's unit everywhere the KPI is -----------------------------------------------
@pytest.mark.slow
def test_the_kpi_unit_is_the_unit_of_its_margin_of_error(site):
    text, _ = answers_file(5, months=2, segments=("All",))
    files = build(nps_site(site, "```kpi\nshow: nps\n```\n\n```kpi\nshow: nps\nchart: true\n```",
                           text, unit="分"))
    out = text_of(html(files))
    assert re.search(r"margin of error ±\d+ 分", out)
    assert "points" not in out
    assert table_rows(files["nps.csv"].decode())[0].keys() >= {"Margin of error (分)"}


# --- item 4: cells read as written ----------------------------------------------------------------
CHART = "```chart\ndata: regions.csv\nmark: bar\nx: region\ny: sales\n```"


@pytest.mark.slow
def test_a_region_named_na_is_a_label(site):
    src = site({"content/index.md": page(CHART),
                "data/regions.csv": "region,sales\nNA,10\nEMEA,20\nnull,5\nn/a,7\n"})
    files = build(src)
    rows = table_rows(files["sales-by-region.csv"].decode()) if "sales-by-region.csv" in files else \
        table_rows(next(v for k, v in files.items() if k.endswith(".csv")).decode())
    assert [r["region"] for r in rows] == ["NA", "EMEA", "null", "n/a"]


@pytest.mark.slow
def test_a_decimal_comma_is_read_as_a_decimal(site):
    src = site({"content/index.md": page(CHART),
                "data/regions.csv": 'region,sales\nNorth,"12,5"\nSouth,"3,25"\n'})
    out = html(build(src))
    assert '"sales":12.5' in out and '"sales":3.25' in out and "125" not in out


@pytest.mark.slow
def test_a_comma_that_could_be_either_is_an_error_naming_the_cell(site):
    src = site({"content/index.md": page(CHART),
                "data/regions.csv": 'region,sales\nNorth,"12,5"\nSouth,"1,250"\n'})
    out = problems(src)
    assert out[0].startswith("content/index.md:4: error: data/regions.csv, line 3: '1,250' in "
                             "column 'sales' could be a thousands separator or a decimal comma")


# --- item 6: dates out of range -------------------------------------------------------------------
@pytest.mark.slow
def test_a_year_out_of_range_is_an_error_not_another_year(site):
    src = site({"content/index.md": page("```chart\ndata: d.csv\nmark: line\nx: day\ny: v\n```"),
                "data/d.csv": "day,v\n2026-01-01,1\n2602-01-01,2\n"})
    out = problems(src)
    assert "data/d.csv, line 3: '2602-01-01' in column 'day' is not a date between the years" in out[0]


# --- item 8: CSV downloads -------------------------------------------------------------------------
@pytest.mark.slow
def test_csv_neutralises_formulas_in_header_and_cells_but_not_signed_numbers(site):
    src = site({"content/index.md": page("```chart\ndata: d.csv\nmark: bar\nx: =label\ny: amount\n"
                                         "tooltip: [change]\n```"),
                "data/d.csv": '=label,amount,change\n@SUM(A1),12345678901.50,-2.5%\n'
                              '"+cmd",1,+3\n'})
    files = build(src)
    got = next(v for k, v in files.items() if k.endswith(".csv")).decode()
    rows = list(csv.reader(io.StringIO(got)))
    assert rows[0][0] == "'=label"
    assert rows[1] == ["'@SUM(A1)", "12345678901.5", "-2.5%"]
    assert rows[2][0] == "'+cmd" and rows[2][2] == "+3"
    assert "12345678901.5" in text_of(html(files)) and "e+10" not in html(files)


# --- item 9: a where value that matches nothing ---------------------------------------------------
@pytest.mark.slow
def test_a_where_value_matching_no_row_is_an_error_with_a_suggestion(site):
    src = site({"content/index.md": page("```chart\ndata: d.csv\nwhere: {dept: [Sales, Finanse]}\n"
                                         "mark: bar\nx: dept\ny: v\n```"),
                "data/d.csv": "dept,v\nSales,1\nFinance,2\n"})
    out = problems(src)
    assert out[0].startswith("content/index.md:6: error: no row has 'Finanse' in the column 'dept'")
    assert "did you mean 'Finance'?" in out[0]


# --- item 5: any column name ------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("name", ["Sales 2025.1", "Score [0-10]", "Customers' view", 'Say "hi"',
                                  "back\\slash"])
def test_a_column_named_with_dots_brackets_or_quotes_is_drawn(site, name):
    quoted = '"' + name.replace('"', '""') + '"'
    src = site({"content/index.md": page("```chart\ndata: d.csv\nmark: bar\nx: region\ny: '"
                                         + name.replace("'", "''") + "'\n```"),
                "data/d.csv": f"region,{quoted}\nNorth,12\nSouth,30\n"})
    out = html(build(src))
    svg = re.search(r'<div class="cx-chart-static">(.*?)</div>', out, re.S).group(1)
    # both bars are drawn, 12 and 30 high on one scale: the values reached the chart
    marks = re.search(r"mark-rect role-mark[^>]*>(.*?)</g>", svg, re.S).group(1)
    heights = [float(h) for h in re.findall(r'<path[^>]*d="M[\d.]+,[\d.]+h[\d.]+v([\d.]+)h', marks)]
    assert len(heights) == 2 and heights[0] / heights[1] == pytest.approx(12 / 30)


@pytest.mark.slow
def test_a_survey_group_named_na_is_a_group(site):
    findings = "statement,region,value,n\nS,NA,61,120\nS,EMEA,55,300\n"
    src = site({"content/index.md": page("```survey\ndata: f.csv\nstatement: S\nby: region\n```"),
                "data/f.csv": findings})
    files = build(src)
    rows = table_rows(next(v for k, v in files.items() if k.endswith(".csv")).decode())
    assert [r["region"] for r in rows] == ["NA", "EMEA"]
