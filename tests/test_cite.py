"""{{value ...}}: numbers from the data written into the prose, and every mistake explained."""
from __future__ import annotations

import re

import pytest

from blocksite import build, html, page, problems, text_of

KPI = """\
kpi,period,value,segment
nps,2025-01,13.1,All customers
nps,2025-03,18,All customers
nps,2025-02,15,All customers
nps,2025-02,9,Business
churn,2025-02,1234567.891,All customers
note,2025-02,<script>alert(1)</script>,All customers
"""


def cite_site(site, text: str):
    return site({"content/index.md": page(text), "data/kpi.csv": KPI})


def values(site, text: str) -> list[str]:
    out = html(build(cite_site(site, text)))
    return re.findall(r'<span class="cx-value">(.*?)</span>', out)


@pytest.mark.parametrize("args, shown", [
    ('column=value kpi=nps segment="All customers" pick=latest', "18"),  # by period, not file order
    ("column=value kpi=nps segment=Business", "9"),
    ("column=value kpi=nps segment=Business period=2025-02", "9"),
    ('column=value kpi=nps segment="All customers" pick=first', "13.1"),
    ('column=value kpi=nps segment="All customers" pick=sum', "46.1"),
    ('column=value kpi=nps segment="All customers" pick=mean format=.2f', "15.37"),
    ('column=value kpi=nps pick=min', "9"),
    ('column=value kpi=nps pick=max format=+.1f', "+18.0"),
    ("column=value kpi=churn", "1,234,567.89"),
    ("column=value kpi=churn format=,.0f", "1,234,568"),
    ('column=period kpi=nps segment="All customers" pick=latest', "2025-03"),
    ('column=period kpi=nps segment="All customers" pick=latest format="%B %Y"', "March 2025"),
    ("column=segment kpi=nps period=2025-01", "All customers"),
    ("column=value kpi=nps segment='All customers' sort=value pick=latest", "18"),
])
def test_values(site, args, shown):
    assert values(site, f"The value is {{{{value data=kpi.csv {args}}}}} today.") == [shown]


def test_a_cell_with_html_is_text(site):
    out = html(build(cite_site(site, "Note: {{value data=kpi.csv column=value kpi=note}}")))
    assert "<script>alert" not in out
    assert '<span class="cx-value">&lt;script&gt;alert(1)&lt;/script&gt;</span>' in out


def test_the_page_records_the_data_file_as_an_input(site):
    from cxsite.config import load_config
    from cxsite.engine.output import MemoryWriter
    from cxsite.engine.site import build_site

    result = build_site(load_config(cite_site(site, "{{value data=kpi.csv column=value kpi=churn}}")),
                        MemoryWriter())
    assert "data/kpi.csv" in result.dependencies["index.html"]


def test_inside_code_it_stays_literal(site):
    out = html(build(cite_site(site, "Write `{{value data=kpi.csv column=value}}` to cite.")))
    assert "<code>{{value data=kpi.csv column=value}}</code>" in out


@pytest.mark.parametrize("args, message", [
    ("data=nope.csv column=value",
     "content/index.md:4: error: there is no data file 'nope.csv' in data/\n"
     "  hint: the data files are: kpi.csv."),
    ("data=../../etc/passwd column=value",
     "content/index.md:4: error: the data file '../../etc/passwd' is outside the data folder\n"
     "  hint: put the file in data/ and write just its name, e.g. 'data: sales.csv'."),
    ("data=kpi.csv column=valeu kpi=churn",
     "content/index.md:4: error: the column 'valeu' (option 'column') is not in data/kpi.csv\n"
     "  hint: did you mean 'value'? The columns are: kpi, period, value, segment."),
    ("data=kpi.csv column=value kpi=churn segmnt=Business",
     "content/index.md:4: error: the column 'segmnt' (option 'filter') is not in data/kpi.csv\n"
     "  hint: did you mean 'segment'? The columns are: kpi, period, value, segment."),
    ("data=kpi.csv colum=value kpi=churn",
     "content/index.md:4: error: unknown option 'colum' in {{value ...}}\n"
     "  hint: did you mean 'column'? The options are data, column, pick, format and sort; any "
     "other key filters rows by a column."),
    ("data=kpi.csv column=value kpi=churn formt=.1f",
     "content/index.md:4: error: unknown option 'formt' in {{value ...}}\n"
     "  hint: did you mean 'format' or 'sort'? The options are data, column, pick, format and sort; any "
     "other key filters rows by a column."),
    ("data=kpi.csv column=value kpi=nps pick=last",
     "content/index.md:4: error: unknown pick 'last'\n"
     "  hint: did you mean 'latest'? The choices are: latest, first, sum, mean, min, max."),
    ("data=kpi.csv column=value kpi=nps segment=Busines",
     "content/index.md:4: error: no rows of data/kpi.csv match 'where: {kpi: nps, segment: Busines}'\n"
     "  hint: check the spelling of the values; they must match the cells exactly."),
    ("data=kpi.csv column=value kpi=nps",
     "content/index.md:4: error: 4 rows of data/kpi.csv match, but a citation shows one value\n"
     "  hint: add a filter such as period=2025-02, or choose one with "
     "pick=latest|first|sum|mean|min|max."),
    ("data=kpi.csv column=value kpi=churn format=%Y",
     "content/index.md:4: error: '%Y' is not a number format\n"
     "  hint: use for example format=.1f (12.3), format=,.0f (1,235) or format=+.1f (+2.5)."),
    ("data=kpi.csv column=period kpi=churn format=.1f",
     "content/index.md:4: error: '.1f' is not a date format\n"
     '  hint: use for example format=month, format=day, format=%Y-%m-%d or format="%B %Y".'),
    ("data=kpi.csv column=period kpi=churn format=hello",
     "content/index.md:4: error: 'hello' is not a date format\n"
     '  hint: use for example format=month, format=day, format=%Y-%m-%d or format="%B %Y".'),
    ('data=kpi.csv column=value segment="All customers',
     "content/index.md:4: error: a quote is not closed in {{value ...}}\n"
     '  hint: put a closing " after the value, e.g. segment="All customers".'),
    ("data=kpi.csv value",
     "content/index.md:4: error: 'value' in {{value ...}} is not a key=value pair\n"
     "  hint: write every argument as key=value, e.g. "
     "{{value data=kpi_monthly.csv column=value kpi=nps pick=latest}}"),
    ("column=value",
     "content/index.md:4: error: {{value ...}} needs data=\n"
     "  hint: write for example {{value data=kpi_monthly.csv column=value kpi=nps pick=latest}}"),
])
def test_mistakes(site, args, message):
    assert problems(cite_site(site, f"Text {{{{value {args}}}}}.")) == [message]


def test_a_bad_cell_names_the_file_row_and_column(site):
    src = site({"content/index.md": page("Intro.\n\nSee {{value data=x.csv column=v pick=sum}}."),
                "data/x.csv": "k,v\na,1\nb,lots\nc,3\n"})
    assert problems(src)[0].split("\n")[0] == (
        "content/index.md:6: error: data/x.csv, line 3: 'lots' in column 'v' is not a number")


@pytest.mark.parametrize("fmt", [".999999999f", "0999999999d", ">99999x"])
def test_a_huge_format_is_refused_quickly(site, fmt):
    import time
    start = time.perf_counter()
    out = problems(cite_site(site, f"Text {{{{value data=kpi.csv column=value kpi=churn format={fmt}}}}}."))
    assert time.perf_counter() - start < 10
    assert out[0].startswith(f"content/index.md:4: error: the format '{fmt}' is too large")


def test_a_value_in_a_heading_is_shown_as_its_value_everywhere(site):
    """The title in <title>, the menu, the pager and the search index is the rendered value."""
    src = site({"content/index.md": page("Welcome", title="Home"),
                "content/a.md": "# Our NPS is {{value data=kpi.csv column=value kpi=nps "
                                'segment="All customers" pick=latest}} points\n\nText.\n',
                "content/b.md": "---\ntitle: Bee\n---\nText.\n",
                "data/kpi.csv": KPI})
    files = build(src)
    page_a, page_b, index = html(files, "a/"), html(files, "b/"), files
    assert "<title>Our NPS is 18 points · " in page_a
    assert "Our NPS is 18 points</a>" in page_b  # the menu and the pager
    assert "{{" not in page_b and "{{" not in page_a
    search = "".join(v.decode() for k, v in index.items() if k.startswith("assets/search/"))
    assert '"t":"Our NPS is 18 points"' in search and "{{" not in search


def test_a_heading_whose_value_fails_keeps_its_words_and_the_page_reports_it(site):
    src = site({"content/a.md": "# Score {{value data=nope.csv column=v}} today\n\nText.\n",
                "content/index.md": page("Home")})
    out = problems(src)
    assert out[0].startswith("content/a.md:1: error: there is no data file 'nope.csv'")


@pytest.mark.parametrize("cell, spec, shown", [("12.25", ".1f", "12.3"), ("2.675", ".2f", "2.68"),
                                               ("0.125", ".1%", "12.5%"), ("-0.05", ".1f", "-0.1")])
def test_a_format_rounds_as_the_site_rounds(site, cell, spec, shown):
    """Half away from zero from the number as written, as a card or a table rounds it (Python's
    format() alone gives 12.2 and 2.67: half to even, on the binary value)."""
    src = site({"content/index.md": page(f"It is {{{{value data=x.csv column=v format={spec}}}}}."),
                "data/x.csv": f"v\n{cell}\n"})
    assert f"It is {shown}." in text_of(html(build(src)))
