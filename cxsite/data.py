"""Load data files (CSV, XLSX, JSON, YAML) from data/ into pandas, once per content hash,
and validate what blocks ask of them: columns, dates, numbers, filters."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import posixpath
import re
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, TypeVar

from .errors import SiteError, did_you_mean
from .yamltext import parse_yaml

if TYPE_CHECKING:  # pandas is imported lazily: pages without data never pay for it
    import numpy as np
    import pandas as pd

    from .blocks import BlockContext

FORMATS = {".csv": "CSV", ".xlsx": "Excel", ".json": "JSON", ".yaml": "YAML", ".yml": "YAML"}
# rel -> (stat, sha256, frame): one frame per file, so a long `serve` session does not keep
# every version of a file it has seen; the stat spares re-reading an unchanged file.
_CACHE: dict[str, tuple[tuple, str, "pd.DataFrame"]] = {}


def resolve(name: Any, data_dir: Path, *, file: str | None = None, line: int | None = None) -> Path:
    """The path of data/NAME; anything that would leave data/ is refused."""
    if not isinstance(name, str) or not name.strip():
        raise SiteError("'data' must name a file in the data folder, e.g. 'data: kpi_monthly.csv'",
                        file=file, line=line, hint="write the file name after 'data:'.")
    clean = name.strip().replace("\\", "/")
    if clean.startswith("data/"):
        clean = clean[5:]
    norm = posixpath.normpath(clean)
    if clean.startswith("/") or norm.startswith("..") or ":" in norm.split("/")[0]:
        raise SiteError(f"the data file '{name}' is outside the data folder", file=file, line=line,
                        hint="put the file in data/ and write just its name, e.g. 'data: sales.csv'.")
    path = data_dir / norm
    try:
        inside = path.resolve().is_relative_to(data_dir.resolve())
    except OSError:
        inside = False
    if not inside:
        raise SiteError(f"the data file '{name}' is outside the data folder", file=file, line=line,
                        hint="put the file in data/ and write just its name, e.g. 'data: sales.csv'.")
    if path.is_dir():
        raise SiteError(f"data/{norm} is a folder, not a data file", file=file, line=line,
                        hint="name a file inside it, e.g. 'data: folder/file.csv'.")
    if not path.is_file():
        existing = [p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*")
                    if p.is_file() and p.suffix.lower() in FORMATS] if data_dir.is_dir() else []
        raise SiteError(f"there is no data file '{name}' in data/", file=file, line=line,
                        hint=suggest_file(norm, existing) if existing else
                        f"put the file {norm} in the folder 'data'." if data_dir.is_dir() else
                        "create the folder 'data' beside 'content' and put the file there.")
    if path.suffix.lower() not in FORMATS:
        raise SiteError(f"the data file '{name}' has a type cxsite cannot read", file=file, line=line,
                        hint="use a .csv, .xlsx, .json or .yaml file.")
    return path


def suggest_file(name: str, existing: list[str]) -> str:
    """The data files whose names are close to NAME, compared without their extension and word
    by word (responses.csv -> nps_responses.csv), else the list of files: sharing '.csv' and a few
    letters (teams.csv, ama_survey.csv) is no reason to suggest a file."""
    import difflib

    def words(text: str) -> list[str]:
        return [w for w in re.split(r"[_\-\s./]+", text.lower()) if w]

    stem = posixpath.splitext(name)[0].lower()
    whole, parts = [], []
    for path in sorted(existing):
        other = posixpath.splitext(path)[0].lower()
        if difflib.SequenceMatcher(None, stem, other).ratio() >= 0.8:
            whole.append(path)  # a typo in the whole name: that file, and no other
        elif any(difflib.SequenceMatcher(None, w, o).ratio() >= 0.8
                 for w in words(stem) if len(w) >= 3 for o in words(other)):
            parts.append(path)
    close = whole or parts
    if close and len(close) <= 3:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    listed = sorted(existing)
    if len(listed) <= 12:
        return "the data files are: " + ", ".join(listed) + "."
    return f"there are {len(listed)} data files in data/; check the spelling."


def data_path(name: Any, ctx: "BlockContext") -> str:
    """data/NAME as messages name it (site-relative), after the checks of resolve()."""
    path = resolve(name, ctx.config.data_dir, file=ctx.file, line=ctx.line)
    return "data/" + path.relative_to(ctx.config.data_dir).as_posix()


def load_table(name: Any, ctx: "BlockContext", *, what: str = "this block") -> "pd.DataFrame":
    """The rows of data/NAME, recorded as an input of the page. Do not modify the result.

    A protected file (see cxsite.privacy.policy) is refused: its rows are respondents' answers.
    Blocks that publish aggregates of such files call open_table instead."""
    table = open_table(name, ctx)
    if not isinstance(table, _frame_type()):
        from .privacy.notices import refused

        raise refused(table.protection, what, ctx)
    return table


def open_table(name: Any, ctx: "BlockContext") -> Any:
    """The one door to a data file: a pandas DataFrame when the file is not protected, else a
    ProtectedTable, which gives aggregates of at least the minimum number of respondents and
    never rows (cxsite.privacy.table)."""
    rel = data_path(name, ctx)
    ctx.add_input(rel)
    frame = read_file(ctx.config.source / rel, rel)
    from .privacy.policy import protection

    found = protection(rel, frame.columns, ctx.config)
    if found is None:
        return frame
    from .privacy.table import ProtectedTable

    return ProtectedTable(frame, found, ctx)


def _frame_type() -> type:
    import pandas as pd

    return pd.DataFrame


def read_file(path: Path, rel: str) -> "pd.DataFrame":
    """Read a data file, cached by its content so each file is parsed once."""
    st = path.stat()
    stat = (st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _CACHE.get(rel)
    if cached and cached[0] == stat:
        return cached[2]
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    frame = cached[2] if cached and cached[1] == sha else _parse(raw, path.suffix.lower(), rel)
    _CACHE[rel] = (stat, sha, frame)
    return frame


def file_sha(path: Path, rel: str) -> str:
    """The sha256 of a data file's bytes, as read_file last saw them (read it if need be)."""
    read_file(path, rel)
    return _CACHE[rel][1]


def _parse(raw: bytes, suffix: str, rel: str) -> "pd.DataFrame":
    import pandas as pd

    if not raw.strip():
        raise SiteError("the data file is empty", file=rel,
                        hint="add a header row with the column names and at least one row of data.")
    if suffix == ".xlsx":
        df = _read_excel(raw, rel)
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise SiteError("the file is not UTF-8 text", file=rel, line=line,
                            hint="save it as 'CSV UTF-8' (Excel) or with the encoding UTF-8.") from None
        if suffix == ".csv":
            df = _read_csv(text, rel)
        else:
            records = _read_json(text, rel) if suffix == ".json" else \
                parse_yaml(text, file=rel, what="the YAML data file")
            df = _records_to_frame(records, rel)
    df.columns = [str(c).strip() for c in df.columns]
    # rows with no value at all (',,,' left by spreadsheets) are no data; the index keeps
    # each remaining row's number, so messages still name the right line
    df = df.dropna(how="all")
    if df.empty:
        raise SiteError("the data file has a header but no rows", file=rel,
                        hint="add at least one row of data under the header.")
    return df


def _read_excel(raw: bytes, rel: str) -> "pd.DataFrame":
    """The first sheet of a workbook."""
    import pandas as pd

    if not raw.startswith(b"PK"):  # every .xlsx is a zip file
        raise SiteError("the file is not an Excel workbook, although its name ends in .xlsx",
                        file=rel, hint="if it is a CSV file, rename it to .csv; otherwise open it "
                                       "in Excel and save it as 'Excel Workbook (.xlsx)'.")
    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
        first = book.sheet_names[0]
        # a cell reading NA, null or n/a is a label (a region, a group), not a missing value
        df = pd.read_excel(book, sheet_name=first, keep_default_na=False, na_values=[""])
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise SiteError(f"the Excel file could not be read ({type(exc).__name__})", file=rel,
                        hint="open it in Excel and save it again as .xlsx.") from None
    if len(df.columns) == 0 and len(book.sheet_names) > 1:
        raise SiteError(f"the first sheet of the Excel file, '{first}', is empty; cxsite reads "
                        "only the first sheet", file=rel,
                        hint="drag the tab of the sheet with the data to the far left, or delete "
                             "the empty sheet.")
    return df


def _read_csv(text: str, rel: str) -> "pd.DataFrame":
    import pandas as pd

    header = next(csv.reader(io.StringIO(text)), [])
    if len(header) == 1:
        for sep, name in ((";", "semicolons (;)"), ("\t", "tabs")):
            if sep in header[0]:
                raise SiteError(f"the CSV file separates its values with {name}, not commas",
                                file=rel, line=1,
                                hint="in Excel, save it as 'CSV UTF-8 (Comma delimited)'; numbers "
                                     "must use a dot for decimals (12.5).")
    names = [h.strip() for h in header]
    twice = next((h for i, h in enumerate(names) if h and h in names[:i]), None)
    if twice is not None:
        raise SiteError(f"the column '{twice}' appears twice in the header", file=rel, line=1,
                        hint="give each column its own name in the first row.")
    try:
        # NA, null or n/a are labels (a region, a group), not missing values: only an empty
        # cell is missing. A column of plain numbers becomes numbers; any other stays text as
        # written (blocks convert it with to_numbers or to_dates).
        return pd.read_csv(io.StringIO(text), skipinitialspace=True, keep_default_na=False,
                           na_values=[""])
    except pd.errors.ParserError as exc:
        raise _csv_error(str(exc), rel) from None
    except pd.errors.EmptyDataError:
        raise SiteError("the data file is empty", file=rel,
                        hint="add a header row with the column names.") from None


_CSV_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_CSV_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _csv_error(msg: str, rel: str) -> SiteError:
    """pandas' parser message, in words for people who edit CSV files in Excel."""
    hint = ("every row must have as many values as the header has columns; put text that "
            "contains commas in double quotes.")
    m = _CSV_FIELDS.search(msg)
    if m:
        want, line, saw = m.groups()
        return SiteError(f"the CSV file is malformed: line {line} has {saw} values but the header "
                         f"has {want} columns", file=rel, line=int(line), hint=hint)
    m = _CSV_QUOTE.search(msg)
    if m:
        line = int(m.group(1)) + 1
        return SiteError(f"the CSV file is malformed: a double quote opened on line {line} is "
                         "never closed", file=rel, line=line,
                         hint="close the quote, or remove it if the value has no comma.")
    return SiteError(f"the CSV file is malformed: {msg.strip()}", file=rel, hint=hint)


def _read_json(text: str, rel: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SiteError(f"the JSON file is not valid: {exc.msg}", file=rel, line=exc.lineno,
                        hint="check for a missing comma or quote near that line.") from None


def _records_to_frame(records: Any, rel: str) -> "pd.DataFrame":
    import pandas as pd

    if isinstance(records, dict) and len(records) == 1 and isinstance(next(iter(records.values())), list):
        records = next(iter(records.values()))  # {"rows": [...]}
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SiteError("the data file must hold a list of records (one mapping per row)", file=rel,
                        hint="write it as a list: '- {kpi: nps, value: 31}' (YAML) or "
                             "[{\"kpi\": \"nps\", \"value\": 31}] (JSON).")
    if not records:
        raise SiteError("the data file is empty", file=rel, hint="add at least one record.")
    for number, record in enumerate(records, start=1):
        for key, value in record.items():
            if isinstance(value, (dict, list)):
                raise SiteError(f"'{key}' holds a list or a group of values, not a single value",
                                file=rel, line=number,
                                hint="give each field one number, text or date; put each value "
                                     "in a record of its own.")
    return pd.DataFrame.from_records(records)


def row_label(df: "pd.DataFrame", index: Any, rel: str) -> int | None:
    """The file line of a row: CSV and Excel rows sit one below their header. Tables from
    load_table are numbered 0, 1, 2... and filtering keeps those numbers, so the label is used."""
    if isinstance(index, bool) or not isinstance(index, int):
        try:
            index = int(index)  # numpy integers
        except (TypeError, ValueError):
            return None
    return index + 2 if rel.endswith((".csv", ".xlsx")) else index + 1


def require_columns(df: "pd.DataFrame", columns: Iterable[str], rel: str, *,
                    ctx: "BlockContext | None" = None, option: str | None = None) -> None:
    """Each named column must exist; the message suggests the closest names."""
    for col in columns:
        if col not in df.columns:
            where = f" (option '{option}')" if option else ""
            close = did_you_mean(col, df.columns)
            listed = f"The columns are: {', '.join(map(str, df.columns))}."
            raise SiteError(
                f"the column '{col}'{where} is not in {rel}",
                file=ctx.file if ctx else rel, line=ctx.line_of(option) if ctx else 1,
                hint=f"{close} {listed}" if close.startswith("did you mean") else listed,
            )


def to_dates(df: "pd.DataFrame", column: str, rel: str) -> "pd.Series":
    """Parse a column as dates (YYYY-MM-DD, YYYY-MM, Excel dates); a bad cell names its row."""
    import pandas as pd

    col = df[column]
    if pd.api.types.is_datetime64_any_dtype(col):  # an Excel column of dates
        far = col.notna() & ((col.dt.year < FIRST_YEAR) | (col.dt.year > LAST_YEAR))
        if far.any():
            _far_date(df, column, far[far].index[0], rel)
        return col
    # Parse each distinct cell once: date columns repeat a few values many times.
    codes, uniq = pd.factorize(col)
    fast = _iso_dates(uniq)
    if fast is not None:
        values = fast[codes]
        values[codes < 0] = fast.dtype.type("NaT")
        return pd.Series(values, index=col.index, name=column)
    text = pd.Series(uniq, dtype="object").astype("string").str.strip()
    parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
    month_only = text.str.fullmatch(r"\d{4}-\d{1,2}").fillna(False)
    if month_only.any():
        parsed = parsed.where(~month_only, pd.to_datetime(text.where(month_only) + "-01",
                                                          errors="coerce", format="%Y-%m-%d"))
    bad = parsed.isna() & text.notna() & (text != "")
    if bad.any():  # codes follow first appearance, so the lowest bad code is the first bad row
        idx = col.index[(codes == bad[bad].index[0]).argmax()]
        raise SiteError(f"'{col[idx]}' in column '{column}' is not a date",
                        file=rel, line=row_label(df, idx, rel),
                        hint="write dates as YYYY-MM-DD (for example 2026-03-31) or months as YYYY-MM.")
    years = parsed.dt.year
    far = years.notna() & ((years < FIRST_YEAR) | (years > LAST_YEAR))
    if far.any():  # a typo such as 2602: pandas' nanosecond clock would wrap it to another year
        _far_date(df, column, col.index[(codes == far[far].index[0]).argmax()], rel)
    values = parsed.to_numpy()[codes]
    values[codes < 0] = parsed.dtype.type("NaT")
    return pd.Series(values, index=col.index, name=column)


def _far_date(df: "pd.DataFrame", column: str, idx: Any, rel: str) -> None:
    cell = df[column][idx]
    shown = cell.date().isoformat() if hasattr(cell, "date") else cell
    raise SiteError(f"'{shown}' in column '{column}' is not a date between the years "
                    f"{FIRST_YEAR} and {LAST_YEAR}", file=rel, line=row_label(df, idx, rel),
                    hint="check the year; write dates as YYYY-MM-DD (for example 2026-03-31).")


FIRST_YEAR, LAST_YEAR = 1700, 2260  # dates pandas can hold to the nanosecond, with a margin
_ISO_DAY_OR_MONTH = re.compile(r"\d{4}-\d{2}(-\d{2})?")


def _iso_dates(cells: Any) -> Any:
    """The common case quickly: every cell is 2026-03-31 or 2026-03. None for anything else
    (the general parser then handles it, and names a bad cell)."""
    import numpy as np

    text = [c.strip() if isinstance(c, str) else None for c in cells]
    if not text or not all(t is not None and _ISO_DAY_OR_MONTH.fullmatch(t)
                           and FIRST_YEAR <= int(t[:4]) <= LAST_YEAR for t in text):
        return None
    try:
        return np.array([t if len(t) == 10 else t + "-01" for t in text], dtype="datetime64[ns]")
    except ValueError:  # 2026-02-30, 2026-13: let the general parser report it
        return None


def to_numbers(df: "pd.DataFrame", column: str, rel: str) -> "pd.Series":
    """Parse a column as numbers ('12.5', '12%', '1,200', '12,5'); a bad cell names its row.

    A comma followed by groups of three digits separates thousands (1,200 or 1,234.5); any other
    comma is a decimal comma (12,5 or 1.234,5). A column that has both kinds, so that 1,234 could
    be either, is an error naming the cell."""
    import numpy as np
    import pandas as pd

    col = df[column]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col
    codes, uniq = pd.factorize(col)
    kinds = [_number_kind(str(u)) for u in uniq]
    values = np.array([k[1] for k in kinds] + [np.nan], dtype="float64")
    bad = [i for i, k in enumerate(kinds) if k[0] == "bad"]
    decimal = any(k[0] == "decimal comma" for k in kinds)
    thousands = [i for i, k in enumerate(kinds) if k[0] == "thousands"]
    first = None
    if bad:
        first = min(bad)
        hint = ("write numbers with a dot for decimals, e.g. 12.5; leave the cell empty if there "
                "is no value.")
        message = "is not a number"
    elif decimal and thousands:
        first = min(thousands)
        hint = ("the column also has decimal commas (such as 12,5): write this number without a "
                "thousands separator (1234), and use a dot for decimals everywhere (12.5).")
        message = "could be a thousands separator or a decimal comma"
    if first is not None:
        idx = col.index[(codes == first).argmax()]
        raise SiteError(f"'{col[idx]}' in column '{column}' {message}",
                        file=rel, line=row_label(df, idx, rel), hint=hint)
    return pd.Series(values[codes], index=col.index, name=column)


_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[-+]?(\d+|\d{1,3}(\.\d{3})+),\d+")


def _number_kind(cell: str) -> tuple[str, float]:
    """('plain' | 'thousands' | 'decimal comma' | 'bad', value) of one cell's text."""
    text = re.sub(r"[%\s]", "", cell)
    if not text:
        return "plain", float("nan")
    if _THOUSANDS.fullmatch(text):
        return "thousands", float(text.replace(",", ""))
    if _DECIMAL_COMMA.fullmatch(text):
        return "decimal comma", float(text.replace(".", "").replace(",", "."))
    try:
        value = float(text)
    except ValueError:
        return "bad", float("nan")
    return ("plain", value) if value == value and abs(value) != float("inf") else ("bad", value)


def apply_where(df: "pd.DataFrame", where: Any, rel: str, ctx: "BlockContext") -> "pd.DataFrame":
    """Keep rows where each column equals the value, or one of a list of values, or lies in a
    range ({from: 2025-01, to: 2025-12}), or differs ({not: value or list}). Never evaluates code."""
    if where in (None, {}):
        return df
    return df[where_mask(df, where, rel, ctx)]


def where_mask(df: "pd.DataFrame", where: Any, rel: str, ctx: Any) -> "pd.Series":
    """The rows apply_where keeps, as a boolean mask; no row at all is an error."""
    import pandas as pd

    if where in (None, {}):
        return pd.Series(True, index=df.index)
    if not isinstance(where, dict):
        raise SiteError("'where' must map column names to values, e.g. 'where: {kpi: nps}'",
                        file=ctx.file, line=ctx.line,
                        hint="write 'where: {column: value}' or 'where: {column: [value1, value2]}'.")
    require_columns(df, [str(c) for c in where], rel, ctx=ctx, option="where")
    mask = None
    for col, wanted in where.items():
        m = _where_mask(df, str(col), wanted, rel, ctx)
        mask = m if mask is None else mask & m
    mask = mask.fillna(False).astype(bool)
    if not mask.any():
        shown = ", ".join(f"{k}: {v}" for k, v in where.items())
        raise SiteError(f"no rows of {rel} match 'where: {{{shown}}}'", file=ctx.file, line=ctx.line,
                        hint="check the spelling of the values; they must match the cells exactly.")
    return mask


_WHERE_OPS = ("from", "to", "not")


def _where_mask(df: "pd.DataFrame", col: str, wanted: Any, rel: str, ctx: "BlockContext") -> "pd.Series":
    if isinstance(wanted, dict):
        for op in wanted:
            if op not in _WHERE_OPS:
                raise SiteError(f"unknown filter '{op}' for the column '{col}' in 'where'",
                                file=ctx.file, line=ctx.line,
                                hint=f"{did_you_mean(str(op), _WHERE_OPS)} For example "
                                     f"'where: {{{col}: {{from: 2025-01, to: 2025-12}}}}'.")
        mask = None
        for op, bound in wanted.items():
            if op == "not":
                m = ~_equals(df, col, bound)
            else:
                series, value = _comparable(df, col, bound, rel, ctx)
                m = series >= value if op == "from" else series <= value
            mask = m if mask is None else mask & m
        return mask
    return _equals(df, col, wanted, ctx)


def _equals(df: "pd.DataFrame", col: str, wanted: Any, ctx: Any = None) -> "pd.Series":
    """Cells equal to the value or one of the values; numbers compare as numbers (31 == 31.0).
    With ctx, a value of a list that no cell holds is an error (a misspelt name would otherwise
    leave its rows out without a word)."""
    import numpy as np
    import pandas as pd

    values = wanted if isinstance(wanted, list) else [wanted]
    column = df[col]
    found = None
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        try:
            found = [column.isin([float(v)]) for v in values]
        except (TypeError, ValueError):
            pass
    if found is None and pd.api.types.is_datetime64_any_dtype(column):
        try:
            found = [column.isin(pd.to_datetime([str(v)])) for v in values]
        except (TypeError, ValueError):
            pass
    if found is None:
        codes, distinct = factorized(df, col)  # each distinct cell is trimmed and compared once
        cells = [str(u).strip() for u in distinct]
        found = []
        for v in values:
            hit = np.array([c == _text(v) for c in cells] + [False])
            found.append(pd.Series(hit[codes], index=df.index))
    if ctx is not None and isinstance(wanted, list):
        for v, hit in zip(values, found):
            if not hit.any():
                names = sorted({str(c).strip() for c in column.dropna().unique()})
                raise SiteError(f"no row has '{v}' in the column '{col}' (in 'where')",
                                file=ctx.file, line=ctx.line_of("where") if hasattr(ctx, "line_of")
                                else ctx.line,
                                hint=did_you_mean(str(v), names) + " Values must match the cells "
                                     "exactly; remove the value if it is not wanted.")
    mask = found[0]
    for hit in found[1:]:
        mask = mask | hit
    return mask


T = TypeVar("T")
_PER_FRAME: dict[int, dict[Any, Any]] = {}  # id(frame) -> what was worked out from it


def per_frame(frame: "pd.DataFrame", key: Any, make: Callable[[], T]) -> T:
    """make(), worked out once per table and kept exactly as long as the table lives: a file of
    a million answers is grouped by the same columns again and again, and a long `serve`
    session must not keep the old versions of a file alive through what was made from them."""
    memo = _PER_FRAME.get(id(frame))
    if memo is None:
        memo = _PER_FRAME[id(frame)] = {}
        weakref.finalize(frame, _PER_FRAME.pop, id(frame), None)  # before the id can be reused
    if key not in memo:
        memo[key] = make()
    return memo[key]


def factorized(df: "pd.DataFrame", col: str) -> tuple["np.ndarray", "pd.Index"]:
    """pd.factorize of a column (empty cells: code -1), kept while the table is."""
    import pandas as pd

    return per_frame(df, ("factorized", col), lambda: pd.factorize(df[col]))


def _text(value: Any) -> str:
    if isinstance(value, bool):  # YAML reads yes/no/true/false as booleans
        return str(value).lower()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _comparable(df: "pd.DataFrame", col: str, bound: Any, rel: str,
                ctx: "BlockContext") -> tuple["pd.Series", Any]:
    """The column and a range bound as numbers, or else as dates."""
    import pandas as pd

    if isinstance(bound, (int, float)) and not isinstance(bound, bool):
        return to_numbers(df, col, rel), bound
    probe = pd.DataFrame({col: [_text(bound)]})
    try:
        value = to_dates(probe, col, "the filter")[0]
    except SiteError:
        raise SiteError(f"'{bound}' in 'where' for the column '{col}' is neither a number nor a "
                        "date", file=ctx.file, line=ctx.line,
                        hint="write ranges as numbers or as dates such as 2025-01 or "
                             "2025-01-31.") from None
    return to_dates(df, col, rel), value


def column_kind(df: "pd.DataFrame", column: str) -> str:
    """'number', 'date' or 'text': what a column holds, judged from its cells."""
    import pandas as pd

    col = df[column]
    if pd.api.types.is_bool_dtype(col):
        return "text"
    if pd.api.types.is_numeric_dtype(col):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(col):
        return "date"
    # judge each distinct cell once, weighted by how often it occurs
    counts = col.dropna().astype(str).value_counts()
    dates = numbers = total = 0
    for cell, n in counts.items():
        cell = cell.strip()
        if cell:
            total += n
            dates += n if _DATE_RE.fullmatch(cell) else 0
            numbers += n if _NUMBER_RE.fullmatch(cell) else 0
    # most cells look like dates: a date column (a bad cell is then reported by to_dates)
    if total and dates >= total / 2:
        return "date"
    if total and numbers >= total / 2:
        return "number"
    return "text"


_DATE_RE = re.compile(r"\d{4}-\d{1,2}(-\d{1,2})?([T ]\d{1,2}:\d{2}(:\d{2})?)?")
_NUMBER_RE = re.compile(r"[-+]?[\d,]*\.?\d+\s*%?")


def file_digest(name: Any, ctx: "BlockContext") -> tuple[str, str]:
    """(data/NAME, sha256 of its bytes), recorded as an input: a cache key without parsing."""
    rel = data_path(name, ctx)
    ctx.add_input(rel)
    return rel, hashlib.sha256((ctx.config.source / rel).read_bytes()).hexdigest()


@contextmanager
def at_block(ctx: "BlockContext") -> Iterator[None]:
    """Report a problem found inside a data file at the block that uses it, naming the file and
    its row in the message: 'data/x.csv, line 5: 'abc' in column 'value' is not a number'."""
    try:
        yield
    except SiteError as exc:
        p = exc.problem
        if p.file is None or p.file == ctx.file:
            raise
        where = p.file
        if p.line:
            # a bad cell in JSON or YAML is known by its record, a syntax error by its line
            cell = p.message.startswith("'") and not p.file.endswith((".csv", ".xlsx"))
            unit = "row" if p.file.endswith(".xlsx") else "record" if cell else "line"
            where += f", {unit} {p.line}"
        raise SiteError(f"{where}: {p.message}", file=ctx.file, line=ctx.line, hint=p.hint,
                        severity=p.severity) from None
