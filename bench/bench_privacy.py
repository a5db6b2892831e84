"""Benchmark: what privacy costs, and what aggregating at build time saves.

    python bench/bench_privacy.py aggregate [--mb 50]     # a chart with aggregate: mean over a big CSV
    python bench/bench_privacy.py audit [--rows 1000000] [--pages 24]

aggregate: writes a CSV of about --mb megabytes (5 regions, one number) and a page with a 5-bar
`aggregate: mean` chart, builds it in a fresh process, and prints the page's size, the CSV
download's size, the build's wall time and its peak memory.

audit: builds the example site, then a site of --pages pages with many blocks (KPI cards and
charts by month, quarter, segment, touchpoint and country, segment filters, aggregated chart
blocks, citations) over one response file of --rows answers, and prints for each the build time,
the time the site-wide audit took (its share of the build), the aggregates it examined and those
it withheld, and the peak memory. Each build runs in a fresh process.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


# --- aggregate: the 50 MB case -------------------------------------------------------------
def write_big_csv(path: Path, megabytes: float) -> int:
    import numpy as np
    import pandas as pd

    rows = int(megabytes * 1e6 / 26)  # ~26 bytes a row
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "region": np.array(["North", "South", "East", "West", "Centre"])[rng.integers(0, 5, rows)],
        "sales": rng.normal(1000, 250, rows).round(2),
        "when": np.array(["2026-01-15", "2026-02-15", "2026-03-15"])[rng.integers(0, 3, rows)],
    })
    frame.to_csv(path, index=False)
    return rows


def bench_aggregate(megabytes: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "site"
        (src / "content").mkdir(parents=True)
        (src / "data").mkdir()
        rows = write_big_csv(src / "data" / "sales.csv", megabytes)
        (src / "content" / "index.md").write_text(
            "# Sales\n\n```chart\ndata: sales.csv\nmark: bar\nx: region\ny: sales\naggregate: mean\n"
            "title: Mean sale by region\n```\n", encoding="utf-8")
        wall, peak = _build(src)
        page = (src / "output" / "index.html").stat().st_size
        csv = (src / "output" / "mean-sale-by-region.csv").stat().st_size
        print(f"data file:   {(src / 'data' / 'sales.csv').stat().st_size / 1e6:.1f} MB, {rows:,} rows")
        print(f"page:        {page / 1e3:.1f} kB")
        print(f"CSV:         {csv} bytes")
        print(f"build:       {wall:.1f} s, peak memory {peak:.0f} MB")


# --- audit: the example site and a big synthetic one --------------------------------------
def synthetic_site(root: Path, rows: int, pages: int) -> Path:
    """A site whose pages all draw on one response file, in many overlapping ways."""
    from bench_nps import write_responses

    (root / "content").mkdir(parents=True)
    (root / "data").mkdir()
    write_responses(root / "data" / "nps_responses.csv", rows)
    with open(root / "data" / "nps_responses.csv", "a", encoding="utf-8") as f:
        # a rare touchpoint: a few answers a month, so small groups exist and the audit has work
        for i in range(150):
            f.write(f"{2024 + i % 3}-{1 + (i // 3) % 12:02d}-{1 + i % 28:02d},{i % 11},Shop,Business,"
                    f"{('UK', 'Germany', 'Spain', 'France', 'Italy')[i % 5]}\n")
    (root / "data" / "kpi_definitions.yaml").write_text(
        "- kpi: nps\n  name: NPS\n  unit: points\n  target: 30\n  from: nps_responses.csv\n"
        "- kpi: nps_q\n  name: NPS by quarter\n  unit: points\n  from: nps_responses.csv\n"
        "  period: quarter\n"
        "- kpi: nps_y\n  name: NPS by year\n  unit: points\n  from: nps_responses.csv\n  period: year\n",
        encoding="utf-8")
    blocks = [
        "```kpi\nshow: [nps, nps_q, nps_y]\n```",
        "```kpi\nshow: nps\nchart: true\nby: segment\n```",
        "```kpi\nshow: nps\nchart: true\nby: touchpoint\n```",
        "```kpi\nshow: nps\nchart: true\nby: country\n```",
        "```kpi\nshow: nps_q\nchart: true\nby: country\n```",
        "```kpi\nshow: nps\nsegment: {segment}\nchart: true\nby: touchpoint\n```",
        "```kpi\nshow: nps_q\nsegment: {segment}\nchart: true\nby: country\n```",
        "```chart\ndata: nps_responses.csv\nwhere: {{segment: {segment}}}\nmark: bar\nx: country\n"
        "y: score\ncolor: touchpoint\naggregate: mean\nstack: grouped\ntitle: Mean score {n}\n```",
        "In {segment}: {{{{kpi nps segment={segment}}}}}; the mean answer: {{{{value "
        "data=nps_responses.csv column=score segment={segment} pick=mean format=.2f}}}}.",
    ]
    for i in range(pages):
        segment = ("Residential", "Business")[i % 2]
        body = "\n\n".join(b.format(segment=segment, n=i) for b in blocks[i % 3::3] + blocks[-1:])
        (root / "content" / f"p{i:03d}.md").write_text(f"# Page {i}\n\n{body}\n", encoding="utf-8")
    (root / "content" / "index.md").write_text("# Home\n\n" + blocks[0] + "\n", encoding="utf-8")
    return root


def bench_audit(rows: int, pages: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        example = Path(tmp) / "example"
        example.mkdir()
        for name in ("content", "data", "cxsite.yaml"):
            (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, example / name)
        _report("example site", example)
        _report(f"{pages} pages over {rows:,} answers", synthetic_site(Path(tmp) / "big", rows, pages))


def _report(name: str, src: Path) -> None:
    wall, peak = _build(src, measure=True)
    stats = json.loads((src / "audit.json").read_text())
    print(f"{name}:")
    print(f"  build:    {wall:.1f} s, peak memory {peak:.0f} MB")
    print(f"  audit:    {stats['seconds']:.2f} s ({100 * stats['seconds'] / wall:.1f}% of the build), "
          f"{stats['aggregates']:,} aggregates, {stats['withheld']:,} withheld, "
          f"{stats['pages']} pages rendered again")


def _build(src: Path, measure: bool = False) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one build in a fresh process (and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    cmd = [sys.executable, __file__, "--build", str(src)] if measure else \
        [sys.executable, str(ROOT / "build.py"), "--source", str(src)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return wall, peak / 1024


def _measured_build(src: Path) -> None:
    """Build with the audit timed; its figures go to SRC/audit.json."""
    from cxsite.config import load_config
    from cxsite.engine import incremental, site
    from cxsite.engine.output import DiskWriter
    from cxsite.privacy import audit as audit_module

    stats = {"seconds": 0.0, "aggregates": 0, "withheld": 0, "pages": 0}
    real_audit, real_settle = audit_module.audit, incremental.settle_privacy

    def audit(config, pages, titles):
        pages = list(pages)
        start = time.perf_counter()
        verdict = real_audit(config, pages, titles)
        stats["seconds"] += time.perf_counter() - start
        stats["aggregates"] += sum(len(p.published) for p in pages)
        stats["withheld"] += len(verdict)
        return verdict

    def settle(model, outputs, renderer, progress=None):
        model, settled = real_settle(model, outputs, renderer, progress)
        stats["pages"] += sum(new is not old for old, new in zip(outputs, settled))
        return model, settled

    audit_module.audit, incremental.settle_privacy = audit, settle
    config = load_config(src)
    site.build_site(config, DiskWriter(config.output, config.source))
    (src / "audit.json").write_text(json.dumps(stats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["aggregate", "audit"], default="audit")
    parser.add_argument("--mb", type=float, default=50)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=24)
    parser.add_argument("--build", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        _measured_build(args.build)
    elif args.what == "aggregate":
        bench_aggregate(args.mb)
    else:
        bench_audit(args.rows, args.pages)


if __name__ == "__main__":
    main()
