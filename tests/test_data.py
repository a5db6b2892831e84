"""Loading data files: formats, paths kept inside data/, validation messages, filters, caching."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

from cxsite import data
from cxsite.blocks import BlockContext
from cxsite.config import Config
from cxsite.errors import SiteError

CSV = "kpi,period,value,segment\nnps,2025-01,13.1,All\nnps,2025-02,15,All\nchurn,2025-02,4%,All\n"


def ctx_for(root: Path) -> BlockContext:
    return BlockContext(config=Config(source=root, output=root / "output"), file="content/page.md",
                        page_url="page/", line=7)


@pytest.fixture
def ctx(site):
    def make(files: dict) -> BlockContext:
        return ctx_for(site({"content/index.md": "# Home\n", **files}))
    return make


def error(fn, *args, **kw) -> str:
    with pytest.raises(SiteError) as exc:
        fn(*args, **kw)
    return exc.value.problem.format()


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- formats ---------------------------------------------------------------------------------
def test_csv_xlsx_json_and_yaml_load_to_the_same_table(ctx):
    rows = [["kpi", "value"], ["nps", 31], ["churn", 4.5]]
    c = ctx({
        "data/a.csv": "kpi,value\nnps,31\nchurn,4.5\n",
        "data/a.xlsx": xlsx_bytes(rows),
        "data/a.json": '[{"kpi": "nps", "value": 31}, {"kpi": "churn", "value": 4.5}]',
        "data/a.yaml": "- {kpi: nps, value: 31}\n- {kpi: churn, value: 4.5}\n",
        "data/b.json": '{"rows": [{"kpi": "nps", "value": 31}, {"kpi": "churn", "value": 4.5}]}',
    })
    frames = [data.load_table(name, c) for name in ("a.csv", "a.xlsx", "a.json", "a.yaml", "b.json")]
    for df in frames:
        assert list(df.columns) == ["kpi", "value"]
        assert df["kpi"].tolist() == ["nps", "churn"]
        assert df["value"].tolist() == [31, 4.5]
    assert c.inputs == {"data/a.csv", "data/a.xlsx", "data/a.json", "data/a.yaml", "data/b.json"}


def test_data_prefix_and_subfolders_are_accepted(ctx):
    c = ctx({"data/sub/x.csv": "a\n1\n"})
    assert data.load_table("data/sub/x.csv", c)["a"].tolist() == [1]
    assert data.load_table("sub/x.csv", c)["a"].tolist() == [1]


# --- paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/passwd", "../cxsite.yaml", "C:/x.csv"])
def test_paths_outside_data_are_refused(ctx, name):
    c = ctx({"data/x.csv": "a\n1\n"})
    assert error(data.load_table, name, c) == (
        f"content/page.md:7: error: the data file '{name}' is outside the data folder\n"
        "  hint: put the file in data/ and write just its name, e.g. 'data: sales.csv'.")


def test_a_symlink_out_of_data_is_refused(ctx, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    c = ctx({"data/x.csv": "a\n1\n"})
    os.symlink(secret, c.config.data_dir / "link.csv")
    assert "is outside the data folder" in error(data.load_table, "link.csv", c)


def test_a_missing_file_suggests_the_closest_names(ctx):
    c = ctx({"data/kpi_monthly.csv": "a\n1\n", "data/roadmap.xlsx": xlsx_bytes([["a"], [1]])})
    assert error(data.load_table, "kpi_montly.csv", c) == (
        "content/page.md:7: error: there is no data file 'kpi_montly.csv' in data/\n"
        "  hint: did you mean 'kpi_monthly.csv'?")


# --- broken files -----------------------------------------------------------------------------
@pytest.mark.parametrize("body, message", [
    ("", "data/x.csv: error: the data file is empty"),
    ("  \n\n", "data/x.csv: error: the data file is empty"),
    ("kpi,value\n", "data/x.csv: error: the data file has a header but no rows"),
    ("kpi,value\nnps,31\nchurn,4,5\n",
     "data/x.csv:3: error: the CSV file is malformed: line 3 has 3 values but the header has 2 columns"),
    ('kpi,value\nnps,"31\nchurn,4\n',
     "data/x.csv:2: error: the CSV file is malformed: a double quote opened on line 2 is never closed"),
])
def test_broken_csv_files_name_the_file_and_line(ctx, body, message):
    c = ctx({"data/x.csv": body})
    assert error(data.load_table, "x.csv", c).split("\n")[0] == message


@pytest.mark.parametrize("body, message", [
    ("kpi;value\nnps;31,5\n",
     "data/x.csv:1: error: the CSV file separates its values with semicolons (;), not commas\n"
     "  hint: in Excel, save it as 'CSV UTF-8 (Comma delimited)'; numbers must use a dot for "
     "decimals (12.5)."),
    ("kpi\tvalue\nnps\t31\n",
     "data/x.csv:1: error: the CSV file separates its values with tabs, not commas\n"
     "  hint: in Excel, save it as 'CSV UTF-8 (Comma delimited)'; numbers must use a dot for "
     "decimals (12.5)."),
    ("kpi,value, value\nnps,31,32\n",
     "data/x.csv:1: error: the column 'value' appears twice in the header\n"
     "  hint: give each column its own name in the first row."),
])
def test_csv_headers_that_pandas_would_misread(ctx, body, message):
    assert error(data.load_table, "x.csv", ctx({"data/x.csv": body})) == message


def test_rows_with_no_value_at_all_are_left_out_and_lines_still_count(ctx):
    c = ctx({"data/x.csv": "kpi,value\nnps,31\n,\nchurn,lots\n,\n"})
    df = data.load_table("x.csv", c)
    assert df["kpi"].tolist() == ["nps", "churn"]
    assert error(data.to_numbers, df, "value", "data/x.csv").startswith(
        "data/x.csv:4: error: 'lots' in column 'value' is not a number")


def test_a_json_or_yaml_record_with_a_list_names_the_record(ctx):
    c = ctx({"data/x.json": '[{"kpi": "nps", "value": 31}, {"kpi": "nps", "value": [1, 2]}]'})
    assert error(data.load_table, "x.json", c) == (
        "data/x.json:2: error: 'value' holds a list or a group of values, not a single value\n"
        "  hint: give each field one number, text or date; put each value in a record of its own.")


def test_an_xlsx_that_is_not_a_workbook_or_has_an_empty_first_sheet(ctx):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Notes"
    wb.create_sheet("Roadmap").append(["id"])
    buf = io.BytesIO()
    wb.save(buf)
    c = ctx({"data/a.xlsx": "id,item\nR1,x\n", "data/b.xlsx": buf.getvalue()})
    assert error(data.load_table, "a.xlsx", c) == (
        "data/a.xlsx: error: the file is not an Excel workbook, although its name ends in .xlsx\n"
        "  hint: if it is a CSV file, rename it to .csv; otherwise open it in Excel and save it as "
        "'Excel Workbook (.xlsx)'.")
    assert error(data.load_table, "b.xlsx", c) == (
        "data/b.xlsx: error: the first sheet of the Excel file, 'Notes', is empty; cxsite reads "
        "only the first sheet\n"
        "  hint: drag the tab of the sheet with the data to the far left, or delete the empty sheet.")


def test_a_folder_named_like_a_data_file(ctx):
    c = ctx({"data/x.csv/inner.csv": "a\n1\n"})
    assert error(data.load_table, "x.csv", c) == (
        "content/page.md:7: error: data/x.csv is a folder, not a data file\n"
        "  hint: name a file inside it, e.g. 'data: folder/file.csv'.")


def test_a_missing_file_in_an_empty_data_folder_says_where_to_put_it(ctx):
    c = ctx({"data/notes.txt": "x"})
    assert error(data.load_table, "sales.csv", c) == (
        "content/page.md:7: error: there is no data file 'sales.csv' in data/\n"
        "  hint: put the file sales.csv in the folder 'data'.")


def test_invalid_json_and_yaml_name_the_line(ctx):
    c = ctx({"data/x.json": '[\n{"a": 1},\n{"a": 2,}\n]', "data/y.yaml": "- a: 1\n- a: [2\n"})
    assert error(data.load_table, "x.json", c).startswith(
        "data/x.json:3: error: the JSON file is not valid:")
    assert error(data.load_table, "y.yaml", c).startswith("data/y.yaml:")


def test_at_block_reports_a_data_file_problem_at_the_block(ctx):
    c = ctx({"data/x.csv": "kpi,value\nnps,31\nchurn,4,5\n"})
    with pytest.raises(SiteError) as exc:
        with data.at_block(c):
            data.load_table("x.csv", c)
    assert exc.value.problem.format().split("\n")[0] == (
        "content/page.md:7: error: data/x.csv, line 3: the CSV file is malformed: "
        "line 3 has 3 values but the header has 2 columns")


# --- numbers and dates ---------------------------------------------------------------------
def test_numbers_accept_percent_and_thousands_and_name_a_bad_cell(ctx):
    c = ctx({"data/x.csv": 'a,b\n"1,200",12%\n3,twelve\n'})
    df = data.load_table("x.csv", c)
    assert data.to_numbers(df, "a", "data/x.csv").tolist() == [1200, 3]
    assert error(data.to_numbers, df, "b", "data/x.csv").split("\n")[0] == (
        "data/x.csv:3: error: 'twelve' in column 'b' is not a number")


def test_dates_accept_days_and_months_and_name_a_bad_cell(ctx):
    c = ctx({"data/x.csv": "d,m\n2026-03-31,2026-03\n2026-04-01,2026-13\n"})
    df = data.load_table("x.csv", c)
    assert data.to_dates(df, "d", "data/x.csv").dt.day.tolist() == [31, 1]
    assert error(data.to_dates, df, "m", "data/x.csv").split("\n")[0] == (
        "data/x.csv:3: error: '2026-13' in column 'm' is not a date")


def test_column_kind_recognises_numbers_dates_and_text(ctx):
    c = ctx({"data/x.csv": "k,p,d,t,mixed\n1,12%,2025-01,a,2025-01\n2,13%,2025-02,b,oops\n"
                           "3,14%,2025-03,c,2025-03\n"})
    df = data.load_table("x.csv", c)
    kinds = {col: data.column_kind(df, col) for col in df.columns}
    # a date column with one bad cell is still a date column: the chart then names the bad cell
    assert kinds == {"k": "number", "p": "number", "d": "date", "t": "text", "mixed": "date"}


# --- filters -------------------------------------------------------------------------------
def test_where_equals_one_of_ranges_and_not(ctx):
    c = ctx({"data/x.csv": CSV})
    df = data.load_table("x.csv", c)
    rel = "data/x.csv"
    assert len(data.apply_where(df, {"kpi": "nps"}, rel, c)) == 2
    assert len(data.apply_where(df, {"kpi": ["nps", "churn"]}, rel, c)) == 3
    assert data.apply_where(df, {"value": 15}, rel, c)["period"].tolist() == ["2025-02"]
    assert data.apply_where(df, {"value": 13.1}, rel, c)["period"].tolist() == ["2025-01"]
    assert len(data.apply_where(df, {"period": {"from": "2025-02"}}, rel, c)) == 2
    assert len(data.apply_where(df, {"period": {"from": "2025-01", "to": "2025-01"}}, rel, c)) == 1
    assert data.apply_where(df, {"kpi": {"not": "nps"}}, rel, c)["kpi"].tolist() == ["churn"]


def test_where_errors(ctx):
    c = ctx({"data/x.csv": CSV})
    df = data.load_table("x.csv", c)
    rel = "data/x.csv"
    assert error(data.apply_where, df, {"kpi": "npx"}, rel, c).split("\n")[0] == (
        "content/page.md:7: error: no rows of data/x.csv match 'where: {kpi: npx}'")
    assert error(data.apply_where, df, {"segmnt": "All"}, rel, c) == (
        "content/page.md:7: error: the column 'segmnt' (option 'where') is not in data/x.csv\n"
        "  hint: did you mean 'segment'? The columns are: kpi, period, value, segment.")
    assert error(data.apply_where, df, {"period": {"form": "2025-01"}}, rel, c).split("\n")[0] == (
        "content/page.md:7: error: unknown filter 'form' for the column 'period' in 'where'")
    assert error(data.apply_where, df, "kpi=nps", rel, c).startswith(
        "content/page.md:7: error: 'where' must map column names to values")


def test_where_is_never_evaluated_as_code(ctx):
    c = ctx({"data/x.csv": CSV})
    df = data.load_table("x.csv", c)
    with pytest.raises(SiteError):
        data.apply_where(df, {"kpi": "__import__('os').system('false')"}, "data/x.csv", c)


# --- caching -------------------------------------------------------------------------------
def test_each_file_is_parsed_once_per_content(ctx, monkeypatch):
    c = ctx({"data/x.csv": "a\n1\n"})
    calls = []
    real = data._parse
    monkeypatch.setattr(data, "_parse", lambda *a: calls.append(a[2]) or real(*a))
    first = data.load_table("x.csv", c)
    assert data.load_table("x.csv", c) is first
    assert len(calls) <= 1  # 0 when an earlier test already parsed the same bytes
    (c.config.data_dir / "x.csv").write_text("a\n2\n")
    assert data.load_table("x.csv", c)["a"].tolist() == [2]


def test_file_digest_records_the_input_without_parsing(ctx, monkeypatch):
    c = ctx({"data/x.csv": "a\n1\n"})
    monkeypatch.setattr(data, "_parse", lambda *a: pytest.fail("parsed"))
    rel, sha = data.file_digest("x.csv", c)
    assert rel == "data/x.csv" and len(sha) == 64 and c.inputs == {"data/x.csv"}


def test_loaded_frames_are_plain_pandas(ctx):
    c = ctx({"data/x.csv": CSV})
    assert isinstance(data.load_table("x.csv", c), pd.DataFrame)


def test_a_changed_file_is_read_again_and_the_old_version_forgotten(tmp_path):
    import os

    from cxsite import data

    path = tmp_path / "k.csv"
    path.write_text("a,b\n1,2\n")
    first = data.read_file(path, "data/k.csv")
    assert data.read_file(path, "data/k.csv") is first  # unchanged: the same frame
    path.write_text("a,b\n1,3\n")
    os.utime(path, ns=(1, 1))  # whatever the clock, a new stat means a new look
    second = data.read_file(path, "data/k.csv")
    assert second["b"].tolist() == [3]
    assert all(entry[2] is not first for entry in data._CACHE.values())  # old version dropped


def test_what_is_worked_out_from_a_table_lives_as_long_as_the_table():
    """A long serve session rereads edited files: their old versions must not stay in memory
    because something was once worked out from them."""
    import gc
    import weakref

    frame = pd.DataFrame({"team": ["North", "South", "North"]})
    codes, levels = data.factorized(frame, "team")
    assert list(codes) == [0, 1, 0] and list(levels) == ["North", "South"]
    assert data.factorized(frame, "team")[0] is codes  # worked out once
    gone, ident = weakref.ref(frame), id(frame)
    del frame, codes, levels
    gc.collect()
    assert gone() is None and ident not in data._PER_FRAME
