from __future__ import annotations

from cxsite.errors import SiteError


def test_located_fills_in_the_page_and_line_of_a_block():
    exc = SiteError("the chart block needs 'mark'").located("content/a.md", 7)
    assert (exc.problem.file, exc.problem.line) == ("content/a.md", 7)


def test_a_problem_in_a_data_file_keeps_its_file_and_gets_no_line_of_the_page():
    exc = SiteError("the data file has a header but no rows", file="data/roadmap.xlsx")
    located = exc.located("content/roadmap.md", 3)
    assert str(located) == ("data/roadmap.xlsx: error: the data file has a header but no rows")
