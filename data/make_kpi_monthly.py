"""Generate data/kpi_monthly.csv: ILLUSTRATIVE SAMPLE DATA for the example site.

Northwind Utilities is a fictional company; every value here is invented.

Long format, one row per KPI, month and segment: kpi, period (YYYY-MM), value, segment.
- share_of_wallet, brand_clarity, retention and feedback_closed_48h follow a smooth
  invented trend with a little deterministic noise, for "All customers" only.
- nps is NOT in this file: the site computes it from the raw answers in
  data/nps_responses.csv ('from: nps_responses.csv' in data/kpi_definitions.yaml), so the
  KPI page and the raw responses can never disagree.
Names, units, targets and sources are in data/kpi_definitions.yaml.

    .venv/bin/python data/make_kpi_monthly.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE / "kpi_monthly.csv"
SEED = 2026

MONTHS = [f"2024-{m:02d}" for m in range(5, 13)] + [f"2025-{m:02d}" for m in range(1, 13)] + [f"2026-{m:02d}" for m in range(1, 3)]

# kpi: (first month, last month, noise amplitude), values in per cent
TRENDS = {
    "share_of_wallet": (38.0, 44.6, 0.6),
    "brand_clarity": (41.0, 58.5, 1.5),
    "retention": (86.2, 89.4, 0.3),
    "feedback_closed_48h": (34.0, 81.5, 2.5),
}


def trend_rows() -> list[tuple[str, str, float, str]]:
    rng = random.Random(SEED)
    rows = []
    for kpi, (start, end, noise) in TRENDS.items():
        for i, period in enumerate(MONTHS):
            value = start + (end - start) * i / (len(MONTHS) - 1)
            if 0 < i < len(MONTHS) - 1:
                value += rng.uniform(-noise, noise)
            rows.append((kpi, period, round(min(100.0, max(0.0, value)), 1), "All customers"))
    return rows


def main() -> None:
    rows = trend_rows()
    with OUT.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["kpi", "period", "value", "segment"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
