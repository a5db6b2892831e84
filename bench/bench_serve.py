"""How long `python build.py serve` takes from saving a file to rewriting its page, on the
1,000-page benchmark site: a text edit of one page, and an edit of a data file that one page
charts. Runs the real command in a subprocess and polls the output file.

    python bench/bench_serve.py [--runs 15] [--pages 1000]

Targets (issue 5): median under 100 ms for a text edit, under 300 ms for a data edit.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from make_site import make_site  # noqa: E402

TEXT_PAGE = "content/section-3/part-2/page-4.md"
DATA_PAGE = "content/data-page.md"
DATA_FILE = "data/bench.csv"
CHART = "```chart\ndata: bench.csv\nmark: bar\nx: a\ny: b\ntitle: Scores by team\n```\n"


def _table(label: str) -> str:
    return "a,b\n" + "".join(f"{label if i == 0 else f'team {i}'},{10 + i * 3}\n" for i in range(6))


def _wait_for(path: Path, marker: bytes, timeout: float = 20.0) -> float:
    """Poll until the file holds marker; returns the time it was seen."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if marker in path.read_bytes():
                return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.001)
    raise TimeoutError(f"{path} never contained {marker!r}")


def _measure(root: Path, rel: str, text_for, output: Path, marker_for, runs: int) -> list[float]:
    times = []
    for i in range(runs + 1):  # the first run warms up (imports, caches) and is not counted
        marker = marker_for(i)
        started = time.perf_counter()
        (root / rel).write_text(text_for(marker), encoding="utf-8")  # an editor's in-place save
        seen = _wait_for(output, marker.encode())
        if i:
            times.append((seen - started) * 1000)
        time.sleep(0.4)  # let the whole-site step finish; each save is a separate burst
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--pages", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_site(Path(tmp) / "site", pages=args.pages)
        (root / "data").mkdir()
        (root / DATA_FILE).write_text(_table("start"), encoding="utf-8")
        (root / DATA_PAGE).write_text("---\ntitle: Data page\n---\nScores.\n\n" + CHART,
                                      encoding="utf-8")
        original = (root / TEXT_PAGE).read_text(encoding="utf-8")
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(HERE.parent / "build.py"), "serve", "--source", str(root),
             "--no-open", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = proc.stdout.readline()
            if not line.startswith("Serving"):
                print("the server did not start:", line, file=sys.stderr)
                return 1
            print(f"initial build and start: {time.perf_counter() - started:.2f} s "
                  f"({args.pages} pages)")
            out = root / "output"
            text = _measure(root, TEXT_PAGE, lambda m: original + f"\nA new sentence {m}.\n",
                            out / "section-3/part-2/page-4/index.html", lambda i: f"edit{i}x",
                            args.runs)
            data = _measure(root, DATA_FILE, _table, out / "data-page/index.html",
                            lambda i: f"group{i}x", args.runs)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    for name, times, target in (("text edit", text, 100), ("data edit", data, 300)):
        print(f"{name}: median {statistics.median(times):.0f} ms, min {min(times):.0f}, "
              f"max {max(times):.0f} over {len(times)} saves (target < {target} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
