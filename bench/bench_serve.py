"""How long `python build.py serve` takes from saving a file to the browser being able to get
the new version over HTTP, on the shared 1,000-page corpus: a text edit of one page, an edit of
a data file that one page charts, and a stylesheet edit (which renames the stylesheet on every
page). Runs the real command in a subprocess and polls it over HTTP, as the browser does after
its reload event.

    python bench/bench_serve.py [--runs 15] [--pages 1000] [--corpus /work/shared/bench/corpus.py]

Targets (issue 9): text edit, save -> served, median <= 100 ms; a stylesheet edit on 1,000
pages <= 1 s; a data edit <= 300 ms.
"""
from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TEXT_PAGE = "content/page-00500.md"
DATA_PAGE = "content/data-page.md"
DATA_FILE = "data/bench.csv"
CSS = "templates/static/style.css"
CHART = "```chart\ndata: bench.csv\nmark: bar\nx: a\ny: b\ntitle: Scores by team\n```\n"
_CSS_LINK = re.compile(rb'href="[./]*(assets/style\.[0-9a-f]+\.css)"')


def _table(label: str) -> str:
    return "a,b\n" + "".join(f"{label if i == 0 else f'team {i}'},{10 + i * 3}\n" for i in range(6))


def get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        return conn.getresponse().read()
    finally:
        conn.close()


def _served(port: int, path: str, done, timeout: float = 30.0) -> float:
    """Poll over HTTP until done(body); returns when that was."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if done(get(port, path)):
            return time.perf_counter()
        time.sleep(0.001)
    raise TimeoutError(f"{path} never showed the change")


def _measure(root: Path, rel: str, text_for, port: int, path: str, done_for,
             runs: int) -> list[float]:
    times = []
    for i in range(runs + 1):  # the first run warms up (imports, caches) and is not counted
        started = time.perf_counter()
        (root / rel).write_text(text_for(i), encoding="utf-8")  # an editor's in-place save
        seen = _served(port, path, done_for(i))
        if i:
            times.append((seen - started) * 1000)
        time.sleep(0.3)  # each save is a burst of its own
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--corpus", default="/work/shared/bench/corpus.py")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        subprocess.run([sys.executable, args.corpus, str(root / "content"), str(args.pages)],
                       check=True)
        (root / "data").mkdir()
        (root / DATA_FILE).write_text(_table("start"), encoding="utf-8")
        (root / DATA_PAGE).write_text("---\ntitle: Data page\n---\nScores.\n\n" + CHART,
                                      encoding="utf-8")
        (root / CSS).parent.mkdir(parents=True)
        theme_css = (ROOT / "templates/static/style.css").read_text(encoding="utf-8")
        original = (root / TEXT_PAGE).read_text(encoding="utf-8")
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "serve", "--source", str(root),
             "--no-open", "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            line = proc.stdout.readline()
            if not line.startswith("Serving"):
                print("the server did not start:", line, file=sys.stderr)
                return 1
            port = int(line.rsplit(":", 1)[1].split("/")[0])
            print(f"first build and start: {time.perf_counter() - started:.2f} s ({args.pages} pages)")
            text = _measure(root, TEXT_PAGE, lambda i: original + f"\nA new sentence edit{i}x.\n",
                            port, "/page-00500/", lambda i: lambda b: f"edit{i}x".encode() in b,
                            args.runs)
            data = _measure(root, DATA_FILE, lambda i: _table(f"group{i}x"), port, "/data-page/",
                            lambda i: lambda b: f"group{i}x".encode() in b, args.runs)

            def restyled(i):
                def done(body: bytes) -> bool:
                    m = _CSS_LINK.search(body)
                    return bool(m) and f"edit {i} ".encode() in get(port, "/" + m.group(1).decode())
                return done

            css = _measure(root, CSS, lambda i: theme_css + f"\n/* edit {i} */\n", port,
                           "/page-00999/", restyled, max(3, args.runs // 3))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    for name, times, target in (("text edit, save -> served", text, 100),
                                ("data edit, save -> served", data, 300),
                                ("stylesheet edit, 1,000 pages", css, 1000)):
        print(f"{name}: median {statistics.median(times):.0f} ms, min {min(times):.0f}, "
              f"max {max(times):.0f} over {len(times)} saves (target <= {target} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
