"""Where a cold build of the shared corpus spends its time, by part, in one process.

Run: .venv/bin/python bench/profile_cold.py [--pages 1000] [--checkout DIR ...]

Each checkout (default: this one) builds the corpus with --jobs 1 (after an untimed build that
compiles its bytecode) under pyinstrument, which samples the stack every millisecond; a sample
counts for the innermost part below on its stack. The parts are those issue 14 names, so a
change shows where it saved. bench_cold.py gives the times of whole builds.
"""
from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = Path(os.environ.get("CXSITE_CORPUS", "/work/shared/bench/corpus.py"))
# part -> (file name ending, function name) of the functions whose callees belong to it
PARTS = [
    ("search record", ("search/record.py", "record")),
    ("Markdown", ("markdown/core.py", "convert")),
    ("page around Markdown", ("engine/site.py", "render_body")),
    ("templates", ("jinja2/environment.py", "render")),
    ("search index", ("search/index.py", "files")),
    ("writing files", ("engine/output.py", "put")),
    ("reading pages", ("engine/site.py", "load")),
    ("build record", ("engine/build.py", "record")),
    ("imports", ("<frozen importlib._bootstrap>", "_find_and_load")),
]
# run in the build's process: profile the build, print the seconds of each part
RUN = """import sys
from pyinstrument import Profiler
sys.path.insert(0, sys.argv[1]); parts = eval(sys.argv[2]); sys.argv = ["build.py", *sys.argv[3:]]
profiler = Profiler(interval=0.001)
profiler.start()
from cxsite.cli import main
try:
    main(sys.argv[1:])
finally:
    profiler.stop()
    seconds = {}
    todo = [(profiler.last_session.root_frame(), "other")]
    while todo:
        frame, part = todo.pop()
        found = [p for p, (file, fn) in parts
                 if frame.function == fn and (frame.file_path or "").endswith(file)]
        part = found[0] if found else part
        own = frame.time - sum(child.time for child in frame.children)
        seconds[part] = seconds.get(part, 0.0) + own
        todo.extend((child, part) for child in frame.children)
    print(seconds, file=sys.stderr)
"""


def profile(checkout: Path, site: Path, tmp: Path) -> dict[str, float]:
    """Seconds per part of one cold build by `checkout`."""
    counts: dict[str, float] = {}
    for run in ("warm", "sampled"):
        out, cache = tmp / f"out-{checkout.name}-{run}", tmp / f"cache-{checkout.name}-{run}"
        proc = subprocess.run([sys.executable, "-c", RUN, str(checkout.resolve()), repr(PARTS),
                               "--source", str(site), "--output", str(out), "--cache-dir",
                               str(cache), "--jobs", "1"],
                              check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        counts = ast.literal_eval(proc.stderr.strip().splitlines()[-1])
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--checkout", type=Path, action="append", default=[],
                    help="a cxsite checkout to profile (repeat to compare; default: this one)")
    args = ap.parse_args()
    checkouts = args.checkout or [HERE.parent]
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, str(CORPUS), str(site / "content"), str(args.pages)],
                       check=True, stdout=subprocess.DEVNULL)
        rows = [(checkout, profile(checkout, site, Path(tmp))) for checkout in checkouts]
    names = [name for name, _ in PARTS] + ["other"]
    print(f"{args.pages} pages, one process, under pyinstrument: share of the time (seconds)")
    print(f"  {'':22s}" + "".join(f"{str(c)[-20:]:>22s}" for c, _ in rows))
    for name in names:
        print(f"  {name:22s}" + "".join(
            f"{100 * counts.get(name, 0) / sum(counts.values()):14.1f}% ({counts.get(name, 0):4.2f})"
            for _, counts in rows))
    print(f"  {'total':22s}" + "".join(f"{'':15s}{sum(counts.values()):5.2f} s" for _, counts in rows))


if __name__ == "__main__":
    main()
