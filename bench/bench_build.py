"""Benchmark: cold build and unchanged rebuild of a generated 1,000-page site.

Run: .venv/bin/python bench/bench_build.py [--pages 1000] [--runs 3]
Each build is a fresh `python build.py` process, as a user or CI runs it; peak memory is the
largest resident set of the build and its worker processes.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_site import make_site  # noqa: E402


def timed_build(src: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one build process (and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run([sys.executable, str(HERE.parent / "build.py"), "--source", str(src)],
                   check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return wall, peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = make_site(Path(tmp) / "site", args.pages)
        cold, warm, peaks = [], [], []
        for _ in range(args.runs):
            shutil.rmtree(src / "output", ignore_errors=True)
            wall, peak = timed_build(src)
            cold.append(wall)
            peaks.append(peak)
            wall, peak = timed_build(src)
            warm.append(wall)
            peaks.append(peak)
        print(f"{args.pages} pages, {args.runs} runs each (median):")
        print(f"  cold build          {statistics.median(cold):6.2f} s wall  (min {min(cold):.2f})")
        print(f"  unchanged rebuild   {statistics.median(warm):6.2f} s wall  (min {min(warm):.2f})")
        print(f"  peak memory         {max(peaks):6.0f} MiB")


if __name__ == "__main__":
    main()
