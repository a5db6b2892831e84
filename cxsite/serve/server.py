"""`python build.py serve`: build, serve the output folder on 127.0.0.1, rebuild on every save
and reload the browser. A failed build shows its errors over the last good page; the watcher
keeps running and the page recovers by itself when the mistake is fixed.

Threads: the main thread waits for Ctrl+C; one thread runs the HTTP server (a thread per
request); watchdog's thread feeds the ChangeQueue; one build thread takes quiet batches from
it and rebuilds. They share a condition variable: a request waits while a rebuild it may
depend on is under way, and the live-reload streams wake when a rebuild wrote something.
"""
from __future__ import annotations

import errno
import html
import json
import mimetypes
import os
import signal
import sys
import threading
import time
import traceback
import webbrowser
from collections import deque
from dataclasses import dataclass, field, replace
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator, Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from ..config import Config, load_config
from ..errors import Problem, SiteError, UsageError
from ..engine.build import Stock, fingerprints, record, resume, take_stock
from ..engine.incremental import IncrementalBuild, Update
from ..engine.output import DiskWriter
from ..engine.site import Renderer
from .watch import ChangeQueue, Watcher

HOST = "127.0.0.1"  # never reachable from other machines
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")  # the names a request may use for this server
SETTLE_NS = 2_000_000_000  # file times can be this coarse (FAT): sources saved this close to a
                           # rebuild count as changed in the record serve leaves
PORT_TRIES = 20  # when the port is taken, try the next ones
RESERVED = "/__cxsite/"  # the dev server's own URLs; never files of the site
RELOAD_JS = Path(__file__).with_name("reload.js")
WAIT_FOR_BUILD = 30.0  # seconds a request waits for a running rebuild
PING = 15.0  # seconds between keep-alive comments on a live-reload stream
SHOWN_IN_BROWSER, SHOWN_IN_TERMINAL = 20, 10  # one mistake can break links on many pages
_TEXT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript",
               ".json": "application/json", ".svg": "image/svg+xml", ".csv": "text/csv",
               ".xml": "application/xml", ".txt": "text/plain", ".map": "application/json"}


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def url_prefix(base_url: str) -> str:
    """The path the site is served under: base_url's path ('/cx/'), '/' by default."""
    path = urlsplit(base_url).path or "/"
    return path if path.endswith("/") else path + "/"


def locate(files: Mapping[str, object], path: str) -> tuple[int, str | None]:
    """Map a URL path (decoded or not) under the site root to (200, the site file), (301, the
    path with a slash) or (404, None). Only files of the site are found: '..', hidden names
    and anything else that is not one of `files` are not."""
    decoded = unquote(path)
    if "\x00" in decoded or "\\" in decoded:
        return 404, None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." or p.startswith(".") for p in parts):
        return 404, None
    rel = "/".join(parts)
    if rel and rel in files:
        return 200, rel
    index = rel + "/index.html" if rel else "index.html"
    if index in files:
        if parts and not path.endswith("/"):
            return 301, path + "/"
        return 200, index
    return 404, None


def allowed_host(host: str | None, port: int) -> bool:
    """Whether a request's Host header names this server (127.0.0.1, localhost or [::1] with
    its port). A web page on another site can make a browser send requests here through a
    name it controls (DNS rebinding); such requests carry that name and are refused."""
    if not host:
        return False
    host = host.strip().lower()
    if host.endswith("]") or ":" not in host:  # no port written: the default one
        name, given = host, "80"
    else:
        name, _, given = host.rpartition(":")
    return name in LOCAL_NAMES and given == str(port)


def inject(page: bytes, snippet: bytes) -> bytes:
    """Insert snippet before the last </body>, or append it."""
    at = page.lower().rfind(b"</body>")
    return page + snippet if at < 0 else page[:at] + snippet + page[at:]


# The panel's look: opaque, above everything, a clear button with a visible focus ring. Its own
# rules under its own id, so no site's stylesheet changes it and it changes no site.
OVERLAY_STYLE = (
    "#cxsite-errors{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem 1rem;"
    "background:#eef1f4;color:#1a1a1a;font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;text-align:left}"
    "#cxsite-errors:focus{outline:none}"
    "#cxsite-errors .cxsite-errors-box{max-width:48rem;margin:0 auto;padding:1.5rem 2rem;background:#fff;"
    "border:1px solid #d5dde5;border-top:6px solid #b00020;border-radius:8px;box-shadow:0 8px 32px rgba(0,0,0,.18)}"
    "#cxsite-errors h2{color:#b00020;margin:0 0 .5rem;font-size:1.5rem;line-height:1.25;border:0;padding:0}"
    "#cxsite-errors ol{padding-left:1.5rem;margin:1rem 0}"
    "#cxsite-errors li{margin:0 0 1rem}"
    "#cxsite-errors code{font:bold .95em ui-monospace,Menlo,Consolas,monospace;background:#f3f6f9;padding:.1em .3em;border-radius:3px}"
    "#cxsite-errors .cxsite-hint{margin:.25rem 0 0;color:#3d4852}"
    "#cxsite-errors button{font:inherit;font-weight:700;color:#fff;background:#0b4f8a;border:2px solid #0b4f8a;"
    "border-radius:6px;padding:.5rem 1.25rem;cursor:pointer}"
    "#cxsite-errors button:hover{background:#083b68;border-color:#083b68}"
    "#cxsite-errors button:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}"
)


def overlay_html(problems: list[Problem]) -> str:
    """The error panel shown over the last good page: opaque, named by its heading, and focused
    when the page loads (reload.js), so a keyboard or screen reader lands on it; every piece of
    text is escaped."""
    errors = sorted([p for p in problems if p.severity == "error"] or problems, key=Problem.sort_key)
    items = []
    for p in errors[:SHOWN_IN_BROWSER]:
        where = (p.file or "") + (f", line {p.line}" if p.file and p.line else "")
        hint = f'<p class="cxsite-hint">{html.escape(p.hint)}</p>' if p.hint else ""
        items.append(
            "<li>"
            + (f"<code>{html.escape(where)}</code><br>" if where else "")
            + f"{html.escape(p.message)}{hint}</li>")
    if len(errors) > SHOWN_IN_BROWSER:
        items.append(f"<li>... and {len(errors) - SHOWN_IN_BROWSER} more: see the terminal.</li>")
    count = f"{len(errors)} {'problem' if len(errors) == 1 else 'problems'}"
    return (
        f"<style>{OVERLAY_STYLE}</style>"
        '<div id="cxsite-errors" role="alertdialog" aria-modal="true" aria-labelledby="cxsite-errors-title" '
        'aria-describedby="cxsite-errors-what" tabindex="-1">'
        '<div class="cxsite-errors-box">'
        f'<h2 id="cxsite-errors-title">The site has {count}</h2>'
        '<p id="cxsite-errors-what">This is the last version that built. Fix the file and save it: '
        "this page updates by itself.</p>"
        f'<ol>{"".join(items)}</ol>'
        '<button type="button" onclick="this.closest(\'#cxsite-errors\').remove()">'
        "Hide this message</button></div></div>")


def content_type(path: Path) -> str:
    kind = _TEXT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] \
        or "application/octet-stream"
    return kind + "; charset=utf-8" if kind.startswith("text/") or kind in (
        "application/json", "application/xml", "image/svg+xml") else kind


def should_open_browser(requested: bool, environ: dict[str, str] | os._Environ = os.environ) -> bool:
    """Open a browser unless --no-open, and never on CI."""
    return requested and environ.get("CI", "").lower() not in ("true", "1")


class DevServer:
    """The state shared by the build thread and the request threads.

    Two builds run side by side: `build`, the published site (no drafts), which the one writer
    puts into the output folder exactly as `python build.py` would; and, only while the site
    has draft pages, `preview`, the site with its drafts, kept in memory. The browser is served
    from memory (the preview when there is one), so a request never sees a half-written folder.
    """

    def __init__(self, config: Config, *, port: int = 8000,
                 reload_config: Callable[[], Config] | None = None, jobs: int | None = None,
                 out=None, quiet: float | None = None) -> None:
        self.config = config
        self.port = port
        self.out = out or sys.stderr
        # the workers of big rebuilds are started fresh (spawn): this process holds threads
        self.renderer = Renderer(jobs, method="spawn")
        published = replace(config, serve_mode=False)
        self._reload_preview = reload_config
        self.build = IncrementalBuild(
            published, renderer=self.renderer,
            reload_config=(lambda: replace(reload_config(), serve_mode=False)) if reload_config else None)
        self.preview: IncrementalBuild | None = None
        self.writer = DiskWriter(config.output, config.source)
        self.queue = ChangeQueue() if quiet is None else ChangeQueue(quiet=quiet)
        self.cond = threading.Condition()
        self.served: dict[str, bytes | None] = {}  # what the browser gets: the site in memory
        self.problems: list[Problem] = []  # the errors of the last build; [] when it built
        self.write_error: SiteError | None = None
        self.stopping = False
        self._boot = format(time.time_ns() // 1_000_000, "x")
        self._epoch = 0
        self._history: deque[tuple[str, list[str] | None]] = deque(maxlen=100)
        self._requested = self._built = 0  # batches seen / batches built (requests wait between)
        self._stock: Stock | None = None  # the record the first build started from
        self._started_ns = 0  # when the last good rebuild of the published site began
        self._clean = False  # the published site on disk matches the sources it was built from
        self._warnings: list[Problem] = []  # the published site's last warnings
        self.httpd: ThreadingHTTPServer | None = None
        self.watcher: Watcher | None = None
        self._threads: list[threading.Thread] = []

    # --- live reload tokens -------------------------------------------------------------------
    @property
    def token(self) -> str:
        return f"{self._boot}-{self._epoch}"

    def _bump(self, paths: list[str] | None) -> None:
        """Publish a new token (call with the condition held); paths None means every page."""
        self._epoch += 1
        self._history.append((self.token, paths))
        self.cond.notify_all()

    def changes_since(self, token: str) -> list[str] | None:
        """Paths rewritten after `token`, None when every page should reload."""
        tokens = [t for t, _ in self._history]
        if token not in tokens and token != f"{self._boot}-0":
            return None  # from another run of the server, or too old
        start = tokens.index(token) + 1 if token in tokens else 0
        paths: set[str] = set()
        for _, changed in list(self._history)[start:]:
            if changed is None:
                return None
            paths.update(changed)
        return sorted(paths)

    def events(self, token: str, ping: float = PING) -> Iterator[str]:
        """The live-reload stream for a page loaded at `token`: server-sent event texts."""
        yield "retry: 1000\n\n"
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.stopping or self.token != token, timeout=ping)
                if self.stopping:
                    return
                if self.token == token:
                    data = None
                else:
                    data = json.dumps({"token": self.token, "paths": self.changes_since(token)})
                    token = self.token
            yield ": ping\n\n" if data is None else f"event: reload\ndata: {data}\n\n"

    # --- rebuilding ---------------------------------------------------------------------------
    def changed(self, paths: set[str]) -> None:
        """The watcher's callback: queue the paths; requests now wait for the rebuild."""
        with self.cond:
            self._requested += 1
            self.queue.add(paths)

    def wait_until_built(self, timeout: float = WAIT_FOR_BUILD) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.stopping or self._built >= self._requested, timeout)

    def run_loop(self) -> None:
        """The build thread: rebuild each quiet batch of changes until stopped."""
        while self.queue.wait_ready():
            with self.cond:  # atomic with changed(): `target` counts exactly the batch's events
                target = self._requested
                batch = self.queue.take()
            self.rebuild(batch, target)

    def rebuild(self, changed: set[str] | None, target: int | None = None) -> Update:
        """Rebuild, write the published site, and only then wake the browsers and the requests."""
        started = time.monotonic()
        first = not self.served
        note: list[Problem] = []
        try:
            update, note = self._update(changed)
        except Exception as exc:  # a bug or a disk problem: say so and keep serving
            traceback.print_exc(file=self.out)
            self.build.reset()
            self.preview = None
            update = Update(False, [Problem(f"cxsite could not rebuild the site: {exc}",
                                            hint="save the file again; if this persists, stop "
                                                 "and restart 'python build.py serve'.")])
        site = self.preview if self.preview is not None else self.build
        with self.cond:
            strict = self.build.config.strict
            failing = [p for p in update.problems if p.severity == "error" or strict]
            if not update.ok:
                if failing != self.problems or first:
                    self._bump(None)
                self.problems = failing
            else:
                paths = self._serve(site)
                if self.problems or first:
                    self._bump(None)
                elif paths:
                    self._bump(paths)
                self.problems = []
            if target is not None:
                self._built = max(self._built, target)
            self.cond.notify_all()
        self._report(update, changed, time.monotonic() - started, note)
        if update.ok:
            self._catch_up_search()
        return update

    def _catch_up_search(self) -> None:
        """The search page and index, left behind by the rebuild so that the saved page was
        served sooner (no other page links to them): made, written, then announced."""
        try:
            if self.build.search_behind:
                self.writer.write_site(self.build.finish())
                self.build.wrote()
            if self.preview is not None and self.preview.search_behind:
                self.preview.finish()
        except Exception:  # noqa: BLE001 - the old index stays until the next rebuild
            traceback.print_exc(file=self.out)
            return
        with self.cond:
            paths = self._serve(self.preview if self.preview is not None else self.build)
            if paths:
                self._bump(paths)

    def _serve(self, site: IncrementalBuild) -> list[str]:
        """Serve the site's files from now on (call with the condition held); returns the
        paths that differ from those served before."""
        old, self.served = self.served, site.files
        return sorted([p for p, d in self.served.items() if old.get(p) is not d] +
                      [p for p in old if p not in self.served])

    def _update(self, changed: set[str] | None) -> tuple[Update, list[Problem]]:
        """Update the published site and write it; then the preview, while there are drafts.
        Returns the update the browser shows and what keeps the published site from being
        written (a link to a draft, say) when the browser shows the preview."""
        started = time.time_ns()
        published = self.build.update(changed)
        self._warnings = published.problems
        if published.ok:
            try:
                self._write()
                self._started_ns, self._clean = started, True
            except SiteError as exc:  # e.g. the output folder holds files cxsite did not write
                self.write_error = exc
                self.build.written = {}  # compare everything with the disk next time
                self._clean = False
                return Update(False, [exc.problem]), []
            self.write_error = None
        else:
            self._clean = False
        if not self.build.has_drafts():
            self.preview = None
            return published, []
        if self.preview is None:
            self.preview = IncrementalBuild(self.config, renderer=self.renderer,
                                            reload_config=self._reload_preview)
            shown = self.preview.update(None)
        else:
            shown = self.preview.update(changed)
        if shown.ok:
            self.preview.finish(search=False)
        kept = [p for p in published.problems if p not in shown.problems] if shown.ok else []
        return shown, [p for p in kept if p.severity == "error" or self.config.strict]

    def _write(self) -> None:
        """The published site through the one writer (it also removes files that are gone)."""
        files = self.build.finish(search=False)
        self.writer.write_site(files)
        self.build.wrote()
        missing = self.build.fill(self.writer.read)  # serve everything from memory
        if missing:  # edited on disk meanwhile: make them again
            self.build.redo(missing)
            self.build.update(set())
            self.writer.write_site(self.build.finish())
            self.build.wrote()

    def start_from_record(self) -> set[str] | None:
        """Before the first build: the changes since the last build's record, or None."""
        self._stock = take_stock(self.build.config, self.writer)
        return resume(self.build.config, self.writer, self._stock, self.build)

    def save_record(self, since_ns: int | None = None) -> None:
        """Keep the published site's record for the next `build` (after the first build, and
        when stopping), leaving out sources saved after the last rebuild began."""
        if self._stock is None or not self._clean or self.build.model is None:
            return
        sources = None
        if since_ns is not None:
            sources = fingerprints(self.build.config, self._stock.index, since_ns)
        live = set().union(*(o.cache_keys for o in self.preview.outputs.values())) \
            if self.preview is not None else set()
        record(self.build.config, self.writer, self._stock, self.build,
               Update(True, self._warnings, rendered=1), sources, live)

    def _report(self, update: Update, changed: set[str] | None, took: float,
                note: list[Problem]) -> None:
        stamp = time.strftime("%H:%M:%S")
        if changed is not None:
            names = sorted(changed)
            what = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            print(f"{stamp} changed: {what}", file=self.out)
        shown = sorted(update.problems, key=Problem.sort_key)
        for p in shown[:SHOWN_IN_TERMINAL]:
            print(p.format(), file=self.out)
        if len(shown) > SHOWN_IN_TERMINAL:
            print(f"... and {len(shown) - SHOWN_IN_TERMINAL} more; run 'python build.py check' "
                  "to list them all.", file=self.out)
        if update.ok:
            print(f"{stamp} rebuilt {update.rendered} page(s) in {took * 1000:.0f} ms", file=self.out)
        else:
            errors = sum(p.severity == "error" for p in update.problems)
            print(f"{stamp} the site has {errors or len(update.problems)} problem(s); the browser "
                  "shows them over the last good page. Waiting for a fix...", file=self.out)
        if note:
            print(f"{stamp} the output folder was not updated: 'python build.py' would fail "
                  "(the browser shows draft pages, the build leaves them out):", file=self.out)
            for p in sorted(note, key=Problem.sort_key)[:SHOWN_IN_TERMINAL]:
                print(p.format(), file=self.out)
        self.out.flush()

    # --- answering requests -------------------------------------------------------------------
    def respond(self, raw_path: str, host: str | None = None) -> Response:
        """The response to GET raw_path, with the live-reload script (and any errors) added.
        `host` is the request's Host header (None: a call from within, not over HTTP)."""
        if host is not None and not allowed_host(host, self.bound_port):
            return Response(421, f"This development server answers only requests for "
                                 f"http://127.0.0.1:{self.bound_port}/ (or localhost); '{host}' "
                                 "is another name.\n".encode("utf-8"))
        path = urlsplit(raw_path).path
        if path == RESERVED + "reload.js":
            return Response(200, RELOAD_JS.read_bytes(), "text/javascript; charset=utf-8")
        if path.startswith(RESERVED):
            return Response(404, b"Not found")
        self.wait_until_built()
        with self.cond:  # one consistent site: the token, the problems and the files of one build
            token, problems, files = self.token, list(self.problems), self.served
        prefix = url_prefix(self.build.config.base_url)
        if not path.startswith(prefix):
            if path in ("/", prefix.rstrip("/")):
                return Response(302, headers={"Location": prefix})
            return self._not_found(files, token, problems)
        status, found = locate(files, path[len(prefix) - 1:])
        if status == 301:
            return Response(301, headers={"Location": prefix[:-1] + str(found)})
        body = files.get(found) if status == 200 and found else None
        if body is None:
            return self._not_found(files, token, problems)
        ctype = content_type(PurePosixPath(found))
        if ctype.startswith("text/html"):
            body = inject(body, self._snippet(token, found, problems))
        return Response(200, body, ctype)

    @property
    def bound_port(self) -> int:
        return self.httpd.server_address[1] if self.httpd is not None else self.port

    def _not_found(self, files: Mapping[str, bytes | None], token: str,
                   problems: list[Problem]) -> Response:
        body = files.get("404.html") or (
            b'<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Not found</title>'
            b"<body><h1>Not found</h1><p>There is no page at this address (yet).</p>"
            b"</body></html>")
        return Response(404, inject(body, self._snippet(token, "*", problems)),
                        "text/html; charset=utf-8")

    def _snippet(self, token: str, rel: str, problems: list[Problem]) -> bytes:
        script = (f'<script src="{RESERVED}reload.js" data-token="{html.escape(token)}" '
                  f'data-path="{html.escape(rel)}" defer></script>')
        return ((overlay_html(problems) if problems else "") + script).encode("utf-8")

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> str:
        """Build, then serve and watch; returns the URL to open."""
        self.rebuild(self.start_from_record())
        if self.write_error is not None:  # the site cannot be written there: say so and stop
            raise self.write_error
        self.save_record()
        self.httpd = bind(self.port, self)
        self.watcher = Watcher(self.config.source, self.config.output, self.changed)
        self.watcher.start()
        for target in (partial(self.httpd.serve_forever, poll_interval=0.1), self.run_loop):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{url_prefix(self.build.config.base_url)}"

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        self.queue.close()
        if self.watcher is not None:
            self.watcher.stop()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if not self.queue.pending:
            self.save_record(since_ns=self._started_ns - SETTLE_NS)
        self.renderer.close()


class _Handler(BaseHTTPRequestHandler):
    server_version = "cxsite"
    server: "_HTTPServer"

    def do_GET(self) -> None:  # noqa: N802 (http.server's API)
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        dev = self.server.dev
        split = urlsplit(self.path)
        host = self.headers.get("Host", "")
        if split.path == RESERVED + "events" and not head and allowed_host(host, dev.bound_port):
            return self._stream(parse_qs(split.query).get("token", [""])[0])
        r = dev.respond(self.path, host)
        self.send_response(r.status)
        self.send_header("Content-Type", r.content_type)
        self.send_header("Content-Length", str(len(r.body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in r.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(r.body)

    def _stream(self, token: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        try:
            for text in self.server.dev.events(token):
                self.wfile.write(text.encode("utf-8"))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or reloaded

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # one line per request would drown the rebuild messages


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], dev: DevServer) -> None:
        self.dev = dev
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def bind(port: int, dev: DevServer) -> _HTTPServer:
    """A server on 127.0.0.1 at `port`, or the next free port after it (0: any free port)."""
    if not 0 <= port <= 65535:
        raise UsageError(f"the port must be a number from 1 to 65535, not {port}")
    for candidate in ([0] if port == 0 else range(port, min(port + PORT_TRIES, 65536))):
        try:
            return _HTTPServer((HOST, candidate), dev)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
    raise UsageError(f"the ports {port} to {port + PORT_TRIES - 1} are all in use or not allowed; "
                     "choose another one with --port, for example --port 8800")


def serve(config: Config, *, port: int = 8000, open_browser: bool = True,
          base_url: str | None = None, jobs: int | None = None,
          cache_dir: Path | None = None) -> int:
    """Run the dev server until Ctrl+C; returns the exit code."""
    reload_config = partial(load_config, config.source, config.output, base_url=base_url,
                            strict=config.strict, serve_mode=True, cache_dir=cache_dir)
    stop = threading.Event()
    # Ctrl+C only sets a flag: no traceback, and the server stops between two rebuilds.
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    dev = DevServer(config, port=port, reload_config=reload_config, jobs=jobs)
    try:
        print(f"Building {config.source} ...", file=sys.stderr, flush=True)
        url = dev.start()
        if not stop.is_set():  # Ctrl+C during the first build: stop without offering the URL
            print(f"Serving the site at {url}\n(drafts shown; press Ctrl+C to stop)", flush=True)
            if should_open_browser(open_browser):
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        while not stop.wait(0.5):
            pass
    finally:
        dev.stop()
        signal.signal(signal.SIGINT, previous)
    print("Stopped.", flush=True)
    return 0
