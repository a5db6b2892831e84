"""Benchmark: site search on generated sites, cxsite beside Pagefind, in headless Chromium.

Run: .venv/bin/python bench/bench_search.py [--pages 1000,5000,20000] [--no-pagefind]

For each size it builds a site (the shared corpus script when there is one, else make_site.py),
indexes the same output with Pagefind (the `pagefind` npm package, installed into a temporary
folder for the benchmark only; skipped with a note when npm or the package is unavailable),
serves the folder on 127.0.0.1 and, for each query, opens the search in a fresh browser
context (nothing cached) and measures:
  - bytes per query: the index files the browser loaded, as a server would send them gzipped
    (Pagefind's files are compressed already), and the search scripts themselves;
  - first result: from the start of navigation to the results on screen (cxsite's search page;
    for Pagefind a page that runs pagefind.search() and loads the data of the first 10 results);
  - JS heap after the query (page and any worker, after garbage collection);
  - for cxsite also: typing into the header box of a page, the time from the last keystroke to
    the live results, and the longest task that blocked the page meanwhile; and the same from
    file:// (no worker there).
Timings vary with the machine's load: compare the two columns of one run.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED_CORPUS = Path("/work/shared/bench/corpus.py")
CHROMIUM = "/usr/bin/chromium"
QUERIES = ["brand promise", '"brand promise"', "report 42", "推荐", "净推荐值", "promsie",
           "customer journey roadmap"]
TYPED = "brand promise"

PAGEFIND_PAGE = """<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>pagefind</title>
<body><ol id="r"></ol><script type="module">
const q = new URLSearchParams(location.search).get("q");
const pf = await import("./_pagefind/pagefind.js");
await pf.init();
const found = await pf.search(q);
const data = await Promise.all(found.results.slice(0, 10).map(r => r.data()));
for (const d of data) { const li = document.createElement("li"); li.textContent = d.meta.title; r.appendChild(li); }
window.RESULT = { count: found.results.length, first: performance.now(), titles: data.map(d => d.meta.title) };
</script></body></html>
"""


# --- sites --------------------------------------------------------------------------------------
def make_corpus(site: Path, pages: int) -> None:
    site.mkdir(parents=True)
    (site / "cxsite.yaml").write_text("title: Search benchmark\n", encoding="utf-8")
    if SHARED_CORPUS.is_file():
        subprocess.run([sys.executable, str(SHARED_CORPUS), str(site / "content"), str(pages)], check=True)
    else:
        sys.path.insert(0, str(HERE))
        from make_site import make_site
        make_site(site, pages)


def build(site: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--source", str(site)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def pagefind_binary(tmp: Path) -> Path | None:
    """npm install pagefind into a temporary folder (never the site's lock)."""
    npm = shutil.which("npm")
    if npm is None:
        return None
    folder = tmp / "pagefind-npm"
    folder.mkdir(exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), "pagefind"],
                          capture_output=True, text=True)
    binary = folder / "node_modules" / ".bin" / "pagefind"
    return binary if done.returncode == 0 and binary.exists() else None


def pagefind_index(binary: Path, output: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(binary), "--site", str(output), "--output-subdir", "_pagefind",
                    "--root-selector", "article"], check=True, capture_output=True)
    (output / "pagefind-bench.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    return time.perf_counter() - start


def folder_size(folder: Path) -> tuple[int, int]:
    """(bytes on disk, bytes gzipped file by file) of every file under a folder."""
    raw = packed = 0
    for f in folder.rglob("*"):
        if f.is_file():
            data = f.read_bytes()
            raw += len(data)
            packed += min(len(data), len(gzip.compress(data, 6)))
    return raw, packed


# --- serving ------------------------------------------------------------------------------------
class Server:
    """The output folder on 127.0.0.1 (threads), with no caching."""

    def __init__(self, folder: Path) -> None:
        class Handler(http.server.SimpleHTTPRequestHandler):
            def end_headers(self) -> None:
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def log_message(self, *args) -> None:
                pass
        handler = functools.partial(Handler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.httpd.server_port}/"

    def close(self) -> None:
        self.httpd.shutdown()


_GZ: dict[Path, int] = {}


def sent_bytes(output: Path, base: str, urls: list[str]) -> int:
    """What a gzip-enabled server would send for these URLs."""
    total = 0
    for url in urls:
        if not url.startswith(base):
            continue
        path = output / unquote(urlsplit(url).path.lstrip("/"))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            continue
        if path not in _GZ:
            data = path.read_bytes()
            _GZ[path] = min(len(data), len(gzip.compress(data, 6)))
        total += _GZ[path]
    return total


# --- the browser --------------------------------------------------------------------------------
def js_heap(context, page) -> float:
    """MiB of JS heap in use by the page and its workers, after garbage collection."""
    cdp = context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    used = cdp.send("Runtime.getHeapUsage")["usedSize"]
    replies: dict[str, dict] = {}
    cdp.on("Target.receivedMessageFromTarget",
           lambda e: replies.__setitem__(e["sessionId"], json.loads(e["message"])))
    for target in cdp.send("Target.getTargets")["targetInfos"]:
        if target["type"] != "worker":
            continue
        try:
            session = cdp.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": False})["sessionId"]
        except Exception:
            continue
        for n, method in enumerate(("HeapProfiler.collectGarbage", "Runtime.getHeapUsage")):
            cdp.send("Target.sendMessageToTarget",
                     {"sessionId": session, "message": json.dumps({"id": n + 1, "method": method})})
            deadline = time.time() + 5
            while time.time() < deadline and replies.get(session, {}).get("id") != n + 1:
                page.wait_for_timeout(20)
        used += replies.get(session, {}).get("result", {}).get("usedSize", 0)
    cdp.detach()
    return used / 2**20


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return kids


def renderer_mib() -> float:
    """Private memory (MiB) of the largest Chromium renderer started by this process: the page,
    its workers and WebAssembly included. Linux only (reads /proc); NaN elsewhere."""
    import os
    if not Path("/proc/self/smaps_rollup").exists():
        return float("nan")
    kids, todo, best = _children(), [os.getpid()], 0
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, []))
        try:
            if b"--type=renderer" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        private = sum(int(line.split()[1]) for line in rollup.splitlines()
                      if line.startswith(("Private_Clean:", "Private_Dirty:")))
        best = max(best, private)
    return best / 1024


def _query(browser, server: Server, output: Path, path: str, read, is_index, is_script) -> dict:
    """Open `path` in a fresh context, let read(page) -> (ms, count, top) wait for the results,
    and measure the index and script bytes the query loaded and the memory it took."""
    context = browser.new_context()
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    page.goto(server.base + path)
    ms, count, top = read(page)
    index = [u for u in urls if is_index(u)]
    scripts = [u for u in urls if is_script(u)]
    heap, process = js_heap(context, page), renderer_mib()
    context.close()
    return {"ms": ms, "bytes": sent_bytes(output, server.base, index), "process": process,
            "with_scripts": sent_bytes(output, server.base, scripts), "files": len(index),
            "count": count, "top": top, "heap": heap}


def query_cxsite(browser, server: Server, output: Path, q: str) -> dict:
    def read(page):
        page.wait_for_function("document.querySelector('#search-status').textContent !== ''",
                               timeout=60_000)
        first = page.evaluate("performance.now()")
        count = page.evaluate("""() => { const s = document.querySelector('#search-status').textContent;
            const m = s.replace(/[,\\s]/g, '').match(/(\\d+)result/); return m ? +m[1] : 0; }""")
        top = page.locator(".search-list > li > a").first.inner_text() if count else ""
        return first, count, top

    return _query(browser, server, output, "search/?q=" + quote(q), read,
                  lambda u: "/assets/search/" in u, lambda u: "/assets/search" in u)


def query_pagefind(browser, server: Server, output: Path, q: str) -> dict:
    def read(page):
        page.wait_for_function("window.RESULT !== undefined", timeout=120_000)
        result = page.evaluate("window.RESULT")
        return result["first"], result["count"], (result["titles"] or [""])[0]

    return _query(browser, server, output, "pagefind-bench.html?q=" + quote(q), read,
                  lambda u: "/_pagefind/" in u and not u.endswith((".js", ".css")),
                  lambda u: "/_pagefind/" in u)


def typing(browser, start_url: str) -> dict:
    """Type into the header box; keystroke-to-results time and the longest blocking task."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(start_url)
    page.evaluate("""() => {
        window.LONG = 0;
        new PerformanceObserver(l => l.getEntries().forEach(e => { LONG = Math.max(LONG, e.duration); }))
          .observe({ type: 'longtask', buffered: false });
        const input = document.querySelector('#site-search-q');
        input.addEventListener('input', () => { window.LAST_KEY = performance.now(); window.SHOWN = 0; });
        const status = document.querySelector('form.site-search');
        new MutationObserver(() => {
          const box = document.querySelector('#site-search-q-results');
          if (box && !box.hidden && box.children.length) window.SHOWN = performance.now();
        }).observe(status, { subtree: true, childList: true, characterData: true });
    }""")
    page.click("#site-search-q")
    page.keyboard.type(TYPED, delay=60)
    page.wait_for_function("window.SHOWN > window.LAST_KEY && "
                           "document.querySelector('form.site-search [role=status]').textContent !== ''",
                           timeout=60_000)
    page.wait_for_timeout(300)
    result = page.evaluate("({ms: SHOWN - LAST_KEY, long: LONG})")
    context.close()
    return result


# --- report -------------------------------------------------------------------------------------
def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def run_size(pages: int, browser, binary: Path | None, tmp: Path) -> dict:
    site = tmp / f"site-{pages}"
    make_corpus(site, pages)
    out = {"pages": pages, "build": build(site)}
    output = site / "output"
    out["index"] = folder_size(output / "assets" / "search")
    if binary is not None:
        out["pf_build"] = pagefind_index(binary, output)
        out["pf_index"] = folder_size(output / "_pagefind")
    server = Server(output)
    try:
        blank = browser.new_context()
        blank.new_page().goto("about:blank")
        out["blank_process"] = renderer_mib()
        blank.close()
        out["cx"] = {q: query_cxsite(browser, server, output, q) for q in QUERIES}
        if binary is not None:
            out["pf"] = {q: query_pagefind(browser, server, output, q) for q in QUERIES}
        page = next(p for p in sorted((output).iterdir()) if p.is_dir() and p.name.startswith("page-"))
        out["typing_http"] = typing(browser, server.base + page.name + "/")
        out["typing_file"] = typing(browser, (output / page.name / "index.html").as_uri())
    finally:
        server.close()
    shutil.rmtree(site)
    return out


def report(r: dict) -> None:
    kb = lambda b: f"{b / 1024:,.0f} KB"  # noqa: E731
    mb = lambda b: f"{b / 2**20:,.1f} MB"  # noqa: E731
    pf = "pf" in r
    print(f"\n{r['pages']:,} pages")
    print(f"  {'':34}{'cxsite':>18}{'Pagefind' if pf else '':>18}")
    print(f"  {'build whole site / index only (s)':34}{r['build']:>18.1f}{r.get('pf_build', 0):>18.1f}")
    raw, packed = r["index"]
    line = f"{mb(raw)} / {mb(packed)}"
    pf_line = f"{mb(r['pf_index'][0])} / {mb(r['pf_index'][1])}" if pf else ""
    print(f"  {'index on disk (raw / gzipped)':34}{line:>18}{pf_line:>18}")
    for label, key, fmt in (("bytes per query, gz (median)", "bytes", kb),
                            ("  with search scripts (median)", "with_scripts", kb),
                            ("first result (ms, median)", "ms", lambda v: f"{v:,.0f}"),
                            ("JS heap after query (MiB, max)", "heap", lambda v: f"{v:.1f}"),
                            ("renderer memory (MiB, max)", "process", lambda v: f"{v:.0f}")):
        pick = max if key in ("heap", "process") else med
        a = fmt(pick([v[key] for v in r["cx"].values()]))
        b = fmt(pick([v[key] for v in r["pf"].values()])) if pf else ""
        print(f"  {label:34}{a:>18}{b:>18}")
    worst = max(r["cx"].values(), key=lambda v: v["bytes"])
    print(f"  {'bytes per query, gz (max)':34}{kb(worst['bytes']):>18}"
          f"{kb(max(v['bytes'] for v in r['pf'].values())) if pf else '':>18}")
    pf_max = f"{max(v['ms'] for v in r['pf'].values()):,.0f}" if pf else ""
    print(f"  {'first result (ms, max)':34}{max(v['ms'] for v in r['cx'].values()):>18,.0f}{pf_max:>18}")
    print(f"  {'(renderer memory of a blank page)':34}{r['blank_process']:>18.0f}")
    for mode in ("http", "file"):
        t = r[f"typing_{mode}"]
        print(f"  typing '{TYPED}' ({mode}): last key -> live results {t['ms']:.0f} ms, "
              f"longest blocking task {t['long']:.0f} ms")
    print("  per query: results (first result)      cxsite | Pagefind")
    for q, v in r["cx"].items():
        p = r["pf"][q] if pf else None
        other = f"{p['count']:>6} ({p['top'][:28]}) {p['bytes'] / 1024:,.0f} KB {p['ms']:,.0f} ms" if p else ""
        print(f"    {q:26}{v['count']:>6} ({v['top'][:28]}) {v['bytes'] / 1024:,.0f} KB {v['ms']:,.0f} ms | {other}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default="1000,5000", help="comma-separated site sizes (default 1000,5000)")
    ap.add_argument("--no-pagefind", action="store_true", help="measure cxsite only")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as pw:
        tmp = Path(tmp_name)
        binary = None if args.no_pagefind else pagefind_binary(tmp)
        if binary is None and not args.no_pagefind:
            print("note: Pagefind skipped (npm or the pagefind package is not available)")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            for pages in (int(p) for p in args.pages.split(",")):
                report(run_size(pages, browser, binary, tmp))
        finally:
            browser.close()


if __name__ == "__main__":
    main()
