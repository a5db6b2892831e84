"""Benchmark: a cold build of the shared 1,000-page corpus, cxsite against Hugo, in one run.

Run: .venv/bin/python bench/bench_cold.py [--pages 1000] [--runs 5] [--jobs N]

The corpus comes from the shared generator (corpus.py: headings, paragraphs, lists, a table,
links, some Chinese; no chart blocks), written once as a cxsite site and once, with Hugo's
link style, as a Hugo site whose layout has a menu of 40 links on every page (as cxsite's
collapsed menu), breadcrumbs, a table of contents and previous/next links.

Each build is a fresh process into an empty output folder, with no cache folder (cxsite's
build record would otherwise let it reuse the pages' Markdown from the run before), cxsite and
Hugo alternately, so a machine shared with other work slows both alike; the files of the build
before are flushed to disk first (os.sync), so that no build pays for another's. Python keeps
compiled bytecode as it does when installed (one untimed build first, PYTHONDONTWRITEBYTECODE
unset). The medians are reported, with CPU time (user + system, workers included) and the peak
memory of the largest process, and the median of each cxsite build's time over the Hugo build's
right after it. Without `hugo` on the PATH the Hugo half is skipped with a note. The target
(issue 14): cxsite's cold build within twice Hugo's wall time.

The disk matters: some file systems (ext4 without a journal, for one) are slower to create
files for a while after thousands were deleted, which slows both tools and narrows the ratio;
--fresh builds into new folders each time, and TMPDIR=/dev/shm takes the disk out (Linux).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("CXSITE_CORPUS", "/work/shared/bench/corpus.py"))

HUGO_CONFIG = """baseURL = "/"
title = "Benchmark"
disableKinds = ["taxonomy", "term"]
[markup.tableOfContents]
startLevel = 2
endLevel = 3
"""
HUGO_BASEOF = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Site.Title }}</title><link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body>
<header class="site-header"><a class="site-title" href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<div class="layout">
<nav id="site-nav" class="site-nav" aria-label="Site">
<ul class="nav-root"><li><a href="{{ "/" | relURL }}">Home</a></li></ul>
<ul>{{ $current := . }}{{ range first 40 .Site.RegularPages.ByWeight }}
<li><a href="{{ .RelPermalink }}"{{ if eq . $current }} aria-current="page"{{ end }}>{{ .Title }}</a></li>{{ end }}
<li class="nav-more"><a href="{{ "/" | relURL }}">{{ sub (len .Site.RegularPages) 40 }} more…</a></li></ul>
</nav>
<main id="main">
<nav class="breadcrumbs"><ol><li><a href="{{ "/" | relURL }}">Home</a></li><li><span aria-current="page">{{ .Title }}</span></li></ol></nav>
<article>{{ block "main" . }}{{ end }}</article>
<nav class="pager">{{ with .NextInSection }}<a href="{{ .RelPermalink }}" rel="prev">{{ .Title }}</a>{{ end }}{{ with .PrevInSection }}<a href="{{ .RelPermalink }}" rel="next">{{ .Title }}</a>{{ end }}</nav>
</main>
<aside class="toc">{{ .TableOfContents }}</aside>
</div>
<footer class="site-footer"><p>{{ .Site.Title }}</p></footer>
</body>
</html>
"""
HUGO_SINGLE = '{{ define "main" }}<div class="prose">{{ .Content }}</div>{{ end }}\n'
HUGO_LIST = ('{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="'
             '{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n')


def write_sites(root: Path, pages: int) -> tuple[Path, Path]:
    """The corpus as a cxsite site and as a Hugo site."""
    if not CORPUS.is_file():
        sys.exit(f"the corpus generator {CORPUS} is missing; set CXSITE_CORPUS to its path")
    cx, hugo = root / "cxsite", root / "hugo"
    subprocess.run([sys.executable, str(CORPUS), str(cx / "content"), str(pages)], check=True)
    subprocess.run([sys.executable, str(CORPUS), str(hugo / "content"), str(pages),
                    "--flavour", "hugo"], check=True)
    (hugo / "layouts" / "_default").mkdir(parents=True)
    (hugo / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in (("baseof", HUGO_BASEOF), ("single", HUGO_SINGLE), ("list", HUGO_LIST)):
        (hugo / "layouts" / "_default" / f"{name}.html").write_text(text, encoding="utf-8")
    return cx, hugo


# Python as installed keeps each module's compiled bytecode (__pycache__); a machine that turns
# this off (PYTHONDONTWRITEBYTECODE) would time compiling cxsite's source at every start.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], *folders: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, its workers included), peak RSS in MiB of the
    largest of its processes; `folders` (its output and cache) are removed first."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    if hasattr(os, "sync"):  # the last build's files go to disk now, not during this one
        os.sync()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None, help="cxsite worker processes (default: all cores)")
    ap.add_argument("--also", type=Path, default=None, metavar="CHECKOUT",
                    help="another cxsite checkout (e.g. before a change) to time in the same run")
    ap.add_argument("--fresh", action="store_true",
                    help="each build into folders of its own, removed only at the end: no build "
                         "follows the deletion of thousands of files (which makes some file "
                         "systems slower to create new ones for a minute or so)")
    args = ap.parse_args()
    hugo_bin = shutil.which("hugo")
    with tempfile.TemporaryDirectory() as tmp:
        cx_site, hugo_site = write_sites(Path(tmp), args.pages)
        builds = iter(range(10**6))

        def folder(name: str) -> Path:
            return Path(tmp) / (f"{name}-{next(builds)}" if args.fresh else name)

        def cx_cmd(checkout: Path) -> list[str]:
            cmd = [sys.executable, str(checkout / "build.py"), "--source", str(cx_site),
                   "--output", str(folder("cx-out")), "--cache-dir", str(folder("cx-cache"))]
            return cmd + (["--jobs", str(args.jobs)] if args.jobs else [])

        results: dict[str, list[tuple[float, float, float]]] = {"cxsite": [], "hugo": []}
        cx_folders = () if args.fresh else (Path(tmp) / "cx-out", Path(tmp) / "cx-cache")
        timed(cx_cmd(HERE.parent), *cx_folders)  # untimed: Python compiles and caches cxsite
        if args.also:
            results["also"] = []
            timed(cx_cmd(args.also), *cx_folders)
        for _ in range(args.runs):
            results["cxsite"].append(timed(cx_cmd(HERE.parent), *cx_folders))
            if args.also:
                results["also"].append(timed(cx_cmd(args.also), *cx_folders))
            if hugo_bin:
                out = folder("hugo-out")
                results["hugo"].append(timed([hugo_bin, "--quiet", "-s", str(hugo_site), "-d",
                                              str(out)], *(() if args.fresh else (out,))))
    print(f"{args.pages} pages, {args.runs} cold builds each, alternating"
          f"{', each into new folders' if args.fresh else ''} (medians):")
    for name, rows in results.items():
        if not rows:
            print(f"  {name:7s} skipped: 'hugo' is not installed")
            continue
        walls, cpus, peaks = zip(*rows)
        print(f"  {name:7s} {statistics.median(walls):6.2f} s wall  {statistics.median(cpus):6.2f} s CPU"
              f"  peak {max(peaks):5.0f} MiB  (wall min {min(walls):.2f}, max {max(walls):.2f})")
    if results["hugo"]:
        ratio = statistics.median(r[0] for r in results["cxsite"]) / \
            statistics.median(r[0] for r in results["hugo"])
        cpu_ratio = statistics.median(r[1] for r in results["cxsite"]) / \
            statistics.median(r[1] for r in results["hugo"])
        # each cxsite build over the Hugo build right after it: the machine's pace drifts
        # (a disk that has just freed thousands of files makes new ones slower), pairs drift less
        pairs = [cx[0] / hugo[0] for cx, hugo in zip(results["cxsite"], results["hugo"])]
        print(f"  ratio   {ratio:6.2f}x Hugo's wall time ({cpu_ratio:.2f}x its CPU time); "
              f"target <= 2.0x: {'met' if ratio <= 2.0 else 'NOT met'}")
        print(f"  pairs   {statistics.median(pairs):6.2f}x median of each build over the Hugo build "
              f"after it (min {min(pairs):.2f}, max {max(pairs):.2f})")
        if args.also:
            also = statistics.median(r[0] for r in results["also"]) / \
                statistics.median(r[0] for r in results["hugo"])
            print(f"  ({args.also}: {also:.2f}x Hugo's wall time)")


if __name__ == "__main__":
    main()
