"""Benchmark: NPS from 1,000,000 raw responses (read CSV, validate, compute, suppress).

    python bench/bench_nps.py [--rows 1000000] [--profile]

Writes a deterministic response file into a temporary folder, then measures, in a fresh
process, the whole path a kpi block takes: reading the CSV, validating scores and dates, the
privacy layer's groups (month x segment x touchpoint x country, small ones withheld), and the
NPS with margins of error.
Prints the time of each step and the peak resident memory of the measuring process.
Target: under 5 s for 1,000,000 responses.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_responses(path: Path, rows: int, seed: int = 7) -> None:
    """A response file like data/nps_responses.csv, `rows` long, always the same bytes."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", "2026-12-31", freq="D").strftime("%Y-%m-%d").to_numpy()
    frame = pd.DataFrame({
        "date": days[rng.integers(0, len(days), rows)],
        "score": rng.integers(0, 11, rows),
        "touchpoint": np.array(["Call centre", "Website", "Field visit", "Billing"])[rng.integers(0, 4, rows)],
        "segment": np.array(["Residential", "Business"])[rng.integers(0, 2, rows)],
        "country": np.array(["UK", "Germany", "Spain", "France", "Italy"])[rng.integers(0, 5, rows)],
    }).sort_values("date", kind="stable")
    frame.to_csv(path, index=False)


def measure(path: Path, profile: bool) -> None:
    from cxsite.blocks import BlockContext
    from cxsite.config import Config
    from cxsite.cx.kpi import nps
    from cxsite.data import read_file
    from cxsite.privacy.policy import protection
    from cxsite.privacy.query import Key
    from cxsite.privacy.table import ProtectedTable

    rel = "data/" + path.name
    by = ["segment", "touchpoint", "country"]
    profiler = None
    if profile:
        from pyinstrument import Profiler
        profiler = Profiler()
        profiler.start()
    t0 = time.perf_counter()
    df = read_file(path, rel)
    t1 = time.perf_counter()
    config = Config(source=path.parent.parent, output=path.parent / "out")
    ctx = BlockContext(config=config, file="content/index.md", page_url="")
    table = ProtectedTable(df, protection(rel, df.columns, config), ctx)
    found = table.groups(keys=[Key("date", "month"), *(Key(b) for b in by)], needs=["score"],
                         measure=nps.counts(rel), measure_id="nps",
                         check=lambda rows: nps.check_answers(rows, rel))
    t2 = time.perf_counter()
    t = found.table
    value, moe = nps.from_counts(t["n"], t["promoters"], t["detractors"])
    t3 = time.perf_counter()
    if profiler:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"responses:        {len(df):,}")
    print(f"groups:           {len(t) + len(found.withheld):,} ({len(found.withheld)} withheld)")
    print(f"read CSV:         {t1 - t0:.2f} s")
    print(f"validate+group:   {t2 - t1:.2f} s (the privacy layer: groups of at least 10)")
    print(f"scores:           {t3 - t2:.2f} s")
    print(f"total:            {t3 - t0:.2f} s")
    print(f"peak RSS:         {peak_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.profile)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nps_responses.csv"
        write_responses(path, args.rows)
        print(f"file:             {path.stat().st_size / 1e6:.1f} MB")
        # A fresh process, so the peak memory is the computation's, not the generator's.
        cmd = [sys.executable, __file__, "--measure", str(path)] + (["--profile"] if args.profile else [])
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
