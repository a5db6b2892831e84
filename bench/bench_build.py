"""Benchmark `python build.py` as users and CI run it: each build is a fresh process.

    python bench/bench_build.py [--runs 5] [--pages 1000] [--corpus /work/shared/bench/corpus.py]

For the example site and the shared 1,000-page corpus: a cold build (no output, no cache), a
build with nothing changed, a build with one page changed, and peak memory (the largest
resident set of the build and its workers). For the corpus also the cost of starting the
worker processes with 'spawn' (Windows, macOS) rather than 'fork': cold builds with one
process, two with fork, two with spawn.

Targets (issue 9, on a 2-core machine): nothing changed <= 0.4 s for the example and
<= 0.45 s for 1,000 pages; one page of 1,000 changed <= 0.6 s.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD_WITH = ("import multiprocessing, sys; multiprocessing.set_start_method(sys.argv[1]); "
              "from cxsite.cli import main; sys.exit(main(sys.argv[2:]))")


def timed(args: list[str]) -> tuple[float, float, float]:
    """Wall and CPU seconds (the process and its workers) and peak RSS in MiB of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, after.ru_maxrss / 1024


def build(src: Path, *extra: str, method: str | None = None) -> tuple[float, float, float]:
    if method:
        return timed([sys.executable, "-c", BUILD_WITH, method, "--source", str(src), *extra])
    return timed([sys.executable, str(ROOT / "build.py"), "--source", str(src), *extra])


def cold(src: Path, *extra: str, **kw) -> tuple[float, float, float]:
    shutil.rmtree(src / "output", ignore_errors=True)
    shutil.rmtree(src / ".cxsite", ignore_errors=True)
    return build(src, *extra, **kw)


def median(rows: list[tuple[float, float, float]]) -> str:
    wall = statistics.median(r[0] for r in rows)
    cpu = statistics.median(r[1] for r in rows)
    return f"{wall:6.2f} s wall {cpu:6.2f} s cpu  (min wall {min(r[0] for r in rows):.2f})"


def measure(name: str, src: Path, page: Path, runs: int) -> float:
    peaks = []
    first = cold(src)
    peaks.append(first[2])
    unchanged = [build(src) for _ in range(runs)]
    one = []
    for i in range(runs):
        with page.open("a", encoding="utf-8") as f:
            f.write(f"\nA sentence added for run {i}.\n")
        one.append(build(src))
    peaks += [r[2] for r in unchanged + one]
    print(f"{name}:")
    print(f"  cold build          {first[0]:6.2f} s wall {first[1]:6.2f} s cpu")
    print(f"  nothing changed     {median(unchanged)}")
    print(f"  one page changed    {median(one)}")
    print(f"  peak memory         {max(peaks):6.0f} MiB")
    return max(peaks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--corpus", default="/work/shared/bench/corpus.py")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        example = Path(tmp) / "example"
        for name in ("content", "data"):
            shutil.copytree(ROOT / name, example / name)
        shutil.copy(ROOT / "cxsite.yaml", example)
        measure("example site", example, example / "content/kpis.md", args.runs)

        corpus = Path(tmp) / "corpus"
        subprocess.run([sys.executable, args.corpus, str(corpus / "content"), str(args.pages)],
                       check=True)
        measure(f"corpus of {args.pages} pages", corpus, corpus / "content/page-00500.md",
                args.runs)

        print(f"corpus of {args.pages} pages, cold builds by start method (median of 3):")
        for label, kw, extra in (("one process   ", {}, ("--jobs", "1")),
                                 ("2 jobs, fork  ", {"method": "fork"}, ("--jobs", "2")),
                                 ("2 jobs, spawn ", {"method": "spawn"}, ("--jobs", "2"))):
            print(f"  {label}      {median([cold(corpus, *extra, **kw) for _ in range(3)])}")


if __name__ == "__main__":
    main()
