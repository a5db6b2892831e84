"""Benchmark: a site with 200 charts, built cold (no output, no cache) and again unchanged.

    python bench/bench_charts.py [--charts 200] [--per-page 2] [--keep DIR]

Targets: cold under 10 s, unchanged under 1 s, each measured as the whole `python build.py build`
command (interpreter start included), with the build's worker processes.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKS = [("line", "x: month\ny: value\ncolor: segment"),
         ("bar", "x: segment\ny: value\naggregate: mean"),
         ("area", "x: month\ny: value\ncolor: segment"),
         ("point", "x: month\ny: value\nsize: value"),
         ("bar", "y: segment\nx: value\ncolor: month\nstack: grouped")]


def make_site(root: Path, charts: int, per_page: int) -> Path:
    """ROOT/content with charts spread over pages, drawn from 10 data files."""
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    for f in range(10):
        rows = ["kpi,month,value,segment"]
        for k in range(5):
            for m in range(1, 13):
                for s, seg in enumerate(("Residential", "Business", "Public")):
                    rows.append(f"kpi{k},2025-{m:02d},{(f * 7 + k * 5 + m * 3 + s * 11) % 60 + 10},{seg}")
        (root / "data" / f"kpi{f}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (root / "content" / "index.md").write_text("---\ntitle: Chart benchmark\n---\nCharts.\n")
    n = 0
    page = 0
    while n < charts:
        blocks = []
        for _ in range(min(per_page, charts - n)):
            mark, enc = MARKS[n % len(MARKS)]
            blocks.append(f"```chart\ndata: kpi{n % 10}.csv\nwhere: {{kpi: kpi{(n // 10) % 5}}}\n"
                          f"mark: {mark}\n{enc}\ntitle: Chart {n}\n```\n\nSome words about chart {n}.\n")
            n += 1
        (root / "content" / f"page-{page:03d}.md").write_text(
            f"---\ntitle: Page {page}\n---\n## Charts\n\n" + "\n".join(blocks), encoding="utf-8")
        page += 1
    return root


def timed_build(src: Path, out: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--source", str(src),
                           "--output", str(out), "--jobs", "2"], capture_output=True, text=True)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout}\n{proc.stderr}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--charts", type=int, default=200)
    ap.add_argument("--per-page", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="build here and keep the site")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="cxsite-bench-charts-"))
    try:
        src = make_site(base / "site", args.charts, args.per_page)
        out = base / "out"
        shutil.rmtree(out, ignore_errors=True)  # cold: no output, no chart cache, no record
        shutil.rmtree(src / ".cxsite", ignore_errors=True)
        cold = timed_build(src, out)
        unchanged = min(timed_build(src, out) for _ in range(3))
        pages = len(list((src / "content").glob("*.md")))
        print(f"{args.charts} charts on {pages} pages")
        print(f"cold build:      {cold:5.2f} s  (target < 10 s)")
        print(f"unchanged build: {unchanged:5.2f} s  (target < 1 s, best of 3)")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
