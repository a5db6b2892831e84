"""Generate data/nps_responses.csv: ILLUSTRATIVE SAMPLE DATA for the example site.

Northwind Utilities is a fictional company. Every row written here is invented: one
answer to the question "How likely are you to recommend Northwind Utilities to a friend
or colleague?" (0-10), with the date, the touchpoint and the customer segment.

The script is deterministic (fixed seed, Python's own `random` module), so running it
again writes exactly the same file:

    .venv/bin/python data/make_nps_responses.py

Design of the sample:
- 22 months, 2024-05 to 2026-02, about 8,000 responses in total.
- The Net Promoter Score rises from about 12 to about 31 over the period, with noise.
- Business customers score a little lower than residential customers; billing scores
  lowest and field visits highest.
- Every touchpoint x month group has at least 10 responses, and so does every
  segment x touchpoint x month group EXCEPT "Business" x "Field visit" in a few months
  (SMALL_MONTHS), which are deliberately under 10 so that the site's privacy rule
  (groups below the minimum size are not published) has something to suppress.
"""

from __future__ import annotations

import calendar
import csv
import random
from pathlib import Path

SEED = 932
OUT = Path(__file__).with_name("nps_responses.csv")

MONTHS = [(2024, m) for m in range(5, 13)] + [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 3)]

# Responses per month for each (segment, touchpoint) before a small random variation.
BASE_COUNTS = {
    ("Residential", "Call centre"): 92,
    ("Residential", "Website"): 72,
    ("Residential", "Field visit"): 40,
    ("Residential", "Billing"): 52,
    ("Business", "Call centre"): 36,
    ("Business", "Website"): 30,
    ("Business", "Field visit"): 15,
    ("Business", "Billing"): 26,
}

# Months in which "Business" x "Field visit" has fewer than 10 responses (on purpose).
SMALL_MONTHS = {(2024, 9): 6, (2025, 4): 4, (2025, 11): 7}

# NPS offsets in points, relative to the company-wide trend.
SEGMENT_OFFSET = {"Residential": 2.0, "Business": -5.0}
TOUCHPOINT_OFFSET = {"Call centre": -1.0, "Website": 3.0, "Field visit": 8.0, "Billing": -7.0}

NPS_START, NPS_END = 12.0, 31.0
PASSIVE_SHARE = 0.34


def target_nps(month_index: int, segment: str, touchpoint: str) -> float:
    """Expected NPS (points, -100..100) for one group in one month."""
    trend = NPS_START + (NPS_END - NPS_START) * month_index / (len(MONTHS) - 1)
    return trend + SEGMENT_OFFSET[segment] + TOUCHPOINT_OFFSET[touchpoint]


def draw_score(rng: random.Random, nps: float) -> int:
    """One 0-10 score such that promoters - detractors averages `nps` per cent."""
    promoter = (1 - PASSIVE_SHARE + nps / 100) / 2
    detractor = (1 - PASSIVE_SHARE - nps / 100) / 2
    u = rng.random()
    if u < promoter:
        return rng.choices([9, 10], weights=[55, 45])[0]
    if u < promoter + detractor:
        return rng.choices([0, 1, 2, 3, 4, 5, 6], weights=[4, 2, 3, 5, 8, 16, 22])[0]
    return rng.choices([7, 8], weights=[45, 55])[0]


def generate() -> list[tuple[str, int, str, str]]:
    rng = random.Random(SEED)
    rows: list[tuple[str, int, str, str]] = []
    for i, (year, month) in enumerate(MONTHS):
        days = calendar.monthrange(year, month)[1]
        for (segment, touchpoint), base in BASE_COUNTS.items():
            if segment == "Business" and touchpoint == "Field visit" and (year, month) in SMALL_MONTHS:
                n = SMALL_MONTHS[(year, month)]
            else:
                n = max(10, base + rng.randint(-4, 4))
            nps = target_nps(i, segment, touchpoint)
            for _ in range(n):
                day = rng.randint(1, days)
                rows.append((f"{year:04d}-{month:02d}-{day:02d}", draw_score(rng, nps), touchpoint, segment))
    rows.sort(key=lambda r: (r[0], r[3], r[2], r[1]))
    return rows


def main() -> None:
    rows = generate()
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["date", "score", "touchpoint", "segment"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} responses to {OUT}")


if __name__ == "__main__":
    main()
