"""Generate data/roadmap.xlsx: ILLUSTRATIVE SAMPLE DATA for the example site.

Northwind Utilities is a fictional company; this roadmap is invented.

The "Customer First" programme runs for 21 months, 2025-02-01 to 2026-10-31, in the three
stages Bain & Company describes for a CX transformation. Statuses are as of 2026-03-15
(STATUS_DATE): items that ended before it are done (or late, if unfinished), items around it
are on-track or at-risk, items after it are planned.

One row per item: id, workstream, item, type (phase / initiative / milestone), start, end
(empty for a milestone), status, owner, progress (0-100), depends_on (comma-separated ids;
each one ends before the dependent item starts). Dates are written as real Excel dates.

Communications teams may edit roadmap.xlsx directly in Excel; this script is only the
reproducible starting point. Run it with:

    .venv/bin/python data/make_roadmap_xlsx.py
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

OUT = Path(__file__).with_name("roadmap.xlsx")
STATUS_DATE = datetime(2026, 3, 15)

COLUMNS = ["id", "workstream", "item", "type", "start", "end", "status", "owner", "progress", "depends_on"]

P, L, F, E, C, X = (
    "Programme",
    "Leadership & buy-in",
    "Customer feedback",
    "Employee involvement",
    "Culture & recognition",
    "Collaboration",
)

# id, workstream, item, type, start, end, status, owner, progress, depends_on
ITEMS = [
    ("R1", P, "Stage 1: Foundations", "phase",
     "2025-02-01", "2025-08-31", "done", "Programme Director", 100, ""),
    ("R2", P, "Stage 2: Deliver results", "phase",
     "2025-09-01", "2026-04-30", "on-track", "Programme Director", 80, "R1"),
    ("R3", P, "Stage 3: Make it last", "phase",
     "2026-05-01", "2026-10-31", "planned", "Programme Director", 0, "R2"),

    ("R4", L, "Executive workshops on the economics of loyalty", "initiative",
     "2025-02-03", "2025-03-14", "done", "Chief Executive", 100, ""),
    ("R5", L, "Agree the customer vision and brand promise", "initiative",
     "2025-03-17", "2025-05-30", "done", "Head of CX", 100, "R4"),
    ("R6", L, "Rank the must-win battles (frequency and emotion)", "initiative",
     "2025-04-01", "2025-06-27", "done", "Head of CX", 100, "R4"),
    ("R7", L, "Leaders' customer days on the front line", "initiative",
     "2025-09-01", "2026-06-30", "on-track", "Chief Operating Officer", 65, "R5"),
    ("R8", L, "Quarterly CX review in the executive committee", "initiative",
     "2026-05-04", "2026-10-30", "planned", "Chief Executive", 0, "R6"),

    ("R9", F, "Net Promoter surveys at every touchpoint", "initiative",
     "2025-03-17", "2025-07-31", "done", "Customer Insight Manager", 100, "R4"),
    ("R10", F, "Inner loop: daily feedback and team huddles", "initiative",
     "2025-09-01", "2026-02-27", "done", "Head of Customer Operations", 100, "R9"),
    ("R11", F, "Outer loop: cross-department root-cause board", "initiative",
     "2025-10-01", "2026-05-29", "at-risk", "Head of CX", 55, "R9"),
    ("R12", F, "Call back unhappy customers within 48 hours", "initiative",
     "2025-11-03", "2026-04-30", "on-track", "Head of Customer Operations", 75, "R9"),
    ("R13", F, "Customer feedback dashboard on the intranet", "initiative",
     "2025-12-01", "2026-02-27", "late", "Customer Insight Manager", 80, "R9"),

    ("R14", E, "Touchpoint workshops in every department", "initiative",
     "2025-04-07", "2025-07-25", "done", "HR Business Partner Lead", 100, "R4"),
    ("R15", E, "CX champions network (one per team)", "initiative",
     "2025-09-01", "2026-03-31", "on-track", "Head of CX", 85, "R14"),
    ("R16", E, "Customer focus in the onboarding programme", "initiative",
     "2025-10-01", "2026-01-30", "done", "Head of Learning", 100, "R14"),
    ("R17", E, "Champions' playbook for new products and markets", "initiative",
     "2026-06-01", "2026-10-16", "planned", "Head of CX", 0, "R15"),

    ("R18", C, "Recognition scheme: 80% encouragement, 20% consequences", "initiative",
     "2025-06-02", "2025-09-26", "done", "Chief People Officer", 100, "R5"),
    ("R19", C, "Coaching for team leaders", "initiative",
     "2025-10-06", "2026-04-24", "on-track", "Head of Learning", 70, "R18"),
    ("R20", C, "Link objectives and rewards to customer outcomes", "initiative",
     "2026-01-05", "2026-03-31", "at-risk", "Chief People Officer", 50, "R18"),
    ("R21", C, "Culture pulse survey, second wave", "initiative",
     "2026-09-01", "2026-10-23", "planned", "HR Business Partner Lead", 0, "R20"),

    ("R22", X, "Clear bills: redesign the invoice with Finance", "initiative",
     "2025-09-15", "2026-02-27", "done", "Head of Billing", 100, "R6"),
    ("R23", X, "Plain-language contract terms with Legal", "initiative",
     "2025-10-01", "2026-04-30", "on-track", "General Counsel", 60, "R6"),
    ("R24", X, "Simpler website journeys with Marketing", "initiative",
     "2025-11-03", "2026-06-30", "at-risk", "Head of Digital", 40, "R6"),
    ("R25", X, "Reliable field contractors with Procurement", "initiative",
     "2026-02-02", "2026-07-31", "on-track", "Head of Procurement", 20, "R14"),
    ("R26", X, "Repeatable experience-design model", "initiative",
     "2026-05-04", "2026-10-16", "planned", "Head of CX", 0, "R22,R10"),

    ("R27", L, "Customer vision launched to all employees", "milestone",
     "2025-06-05", "", "done", "Chief Executive", 100, "R5"),
    ("R28", F, "First Net Promoter results published", "milestone",
     "2025-08-14", "", "done", "Customer Insight Manager", 100, "R9"),
    ("R29", F, "Inner loop live in all frontline teams", "milestone",
     "2026-03-02", "", "done", "Head of Customer Operations", 100, "R10"),
    ("R30", P, "Stage 2 review with the executive committee", "milestone",
     "2026-05-14", "", "planned", "Programme Director", 0, "R2"),
    ("R31", P, "Programme close and handover to business as usual", "milestone",
     "2026-10-30", "", "planned", "Programme Director", 0, "R17,R21,R26"),
]


def build_frame() -> pd.DataFrame:
    df = pd.DataFrame(ITEMS, columns=COLUMNS)
    for col in ("start", "end"):
        df[col] = pd.to_datetime(df[col].replace("", None), format="%Y-%m-%d")
    df["depends_on"] = df["depends_on"].replace("", None)
    return df


def check(df: pd.DataFrame) -> None:
    """The same rules the site checks, so a broken roadmap never leaves this script."""
    by_id = df.set_index("id")
    assert by_id.index.is_unique
    finish = by_id["end"].fillna(by_id["start"])
    for row in df.itertuples():
        assert pd.isna(row.end) == (row.type == "milestone"), row.id
        assert pd.isna(row.end) or row.end >= row.start, row.id
        deps = row.depends_on if isinstance(row.depends_on, str) else ""
        for dep in filter(None, deps.split(",")):
            assert dep in by_id.index, (row.id, dep)
            assert finish[dep] < row.start, (row.id, dep)
        if row.status == "done":
            assert finish[row.id] <= STATUS_DATE and row.progress == 100, row.id
        if row.status == "planned":
            assert row.start > STATUS_DATE and row.progress == 0, row.id
        if row.status == "late":
            assert finish[row.id] < STATUS_DATE and row.progress < 100, row.id
        if row.status in ("on-track", "at-risk"):
            assert row.start <= STATUS_DATE <= finish[row.id], row.id
    assert df["start"].min() == datetime(2025, 2, 1) and df["end"].max() == datetime(2026, 10, 31)


def main() -> None:
    df = build_frame()
    check(df)
    with pd.ExcelWriter(OUT, engine="openpyxl", date_format="YYYY-MM-DD", datetime_format="YYYY-MM-DD") as writer:
        df.to_excel(writer, sheet_name="roadmap", index=False)
        sheet = writer.sheets["roadmap"]
        widths = {"A": 6, "B": 22, "C": 55, "D": 11, "E": 12, "F": 12, "G": 10, "H": 28, "I": 9, "J": 14}
        for letter, width in widths.items():
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
        for column in ("E", "F"):
            for cell in sheet[column][1:]:
                cell.number_format = "yyyy-mm-dd"
        props = writer.book.properties
        props.creator = "cxsite example"
        props.title = "Customer First roadmap (illustrative sample data)"
        props.created = props.modified = datetime(2025, 1, 15)
    print(f"wrote {len(df)} roadmap items to {OUT}")


if __name__ == "__main__":
    main()
