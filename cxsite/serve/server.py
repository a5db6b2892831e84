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
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import parse_qs, unquote, urlsplit

from ..config import Config, load_config
from ..errors import Problem, SiteError, UsageError
from ..engine.incremental import IncrementalBuild, Update
from ..engine.output import DiskWriter, check_output_folder
from .watch import ChangeQueue, Watcher

HOST = "127.0.0.1"  # never reachable from other machines
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


def locate(root: Path, path: str) -> tuple[int, Path | str | None]:
    """Map a decoded-or-not URL path under the site root to (200, file), (301, new path) or
    (404, None). Nothing outside root is ever returned: '..' (also percent-encoded), hidden
    files and symlinks that lead out are refused."""
    decoded = unquote(path)
    if "\x00" in decoded or "\\" in decoded:
        return 404, None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." or p.startswith(".") for p in parts):
        return 404, None
    real_root = root.resolve()
    try:
        target = real_root.joinpath(*parts).resolve()
        if target != real_root and real_root not in target.parents:
            return 404, None  # a symlink that leads out of the output folder
        if target.is_dir():
            if parts and not path.endswith("/"):
                return 301, path + "/"
            target = (target / "index.html").resolve()
            if real_root not in target.parents:
                return 404, None
        return (200, target) if target.is_file() else (404, None)
    except (OSError, RuntimeError):  # unreadable, or a symlink loop
        return 404, None


def inject(page: bytes, snippet: bytes) -> bytes:
    """Insert snippet before the last </body>, or append it."""
    at = page.lower().rfind(b"</body>")
    return page + snippet if at < 0 else page[:at] + snippet + page[at:]


def overlay_html(problems: list[Problem]) -> str:
    """The error panel shown over the last good page; every piece of text is escaped."""
    errors = sorted([p for p in problems if p.severity == "error"] or problems, key=Problem.sort_key)
    items = []
    for p in errors[:SHOWN_IN_BROWSER]:
        where = (p.file or "") + (f", line {p.line}" if p.file and p.line else "")
        hint = f'<p style="margin:.25rem 0 0;color:#444">{html.escape(p.hint)}</p>' if p.hint else ""
        items.append(
            '<li style="margin:0 0 1rem">'
            + (f'<code style="font-weight:bold">{html.escape(where)}</code><br>' if where else "")
            + f"{html.escape(p.message)}{hint}</li>")
    if len(errors) > SHOWN_IN_BROWSER:
        items.append(f"<li>... and {len(errors) - SHOWN_IN_BROWSER} more: see the terminal.</li>")
    count = f"{len(errors)} {'problem' if len(errors) == 1 else 'problems'}"
    return (
        '<div id="cxsite-errors" role="alert" style="position:fixed;inset:0;z-index:2147483647;'
        "overflow:auto;background:rgba(255,255,255,.96);color:#1a1a1a;"
        'font:16px/1.5 system-ui,sans-serif;padding:2rem">'
        '<div style="max-width:48rem;margin:0 auto">'
        f'<h2 style="color:#b00020;margin:0 0 .5rem">The site has {count}</h2>'
        "<p>This is the last version that built. Fix the file and save it: this page "
        "updates by itself.</p>"
        f'<ol style="padding-left:1.5rem">{"".join(items)}</ol>'
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
    """The state shared by the build thread and the request threads."""

    def __init__(self, config: Config, *, port: int = 8000,
                 reload_config: Callable[[], Config] | None = None, jobs: int | None = None,
                 out=None, quiet: float | None = None) -> None:
        self.config = config
        self.port = port
        self.out = out or sys.stderr
        self.build = IncrementalBuild(config, reload_config=reload_config, jobs=jobs)
        self.writer = DiskWriter(config.output, config.source)
        self.queue = ChangeQueue() if quiet is None else ChangeQueue(quiet=quiet)
        self.cond = threading.Condition()
        self.problems: list[Problem] = []  # the errors of the last build; [] when it built
        self.write_error: SiteError | None = None
        self.stopping = False
        self._boot = format(time.time_ns() // 1_000_000, "x")
        self._epoch = 0
        self._history: deque[tuple[str, list[str] | None]] = deque(maxlen=100)
        self._requested = self._built = 0  # batches seen / batches built (requests wait between)
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
        """Rebuild; write the changed pages, wake the browsers, then refresh whole-site files."""
        started = time.monotonic()
        first = not self.build.files
        try:
            update = self.build.update(changed)
            if update.ok and not first:
                self._write_pages(update.pages)
        except Exception as exc:  # a bug or a disk problem: say so and keep serving
            traceback.print_exc(file=self.out)
            self.build.reset()
            update = Update(False, [Problem(f"cxsite could not rebuild the site: {exc}",
                                            hint="save the file again; if this persists, stop "
                                                 "and restart 'python build.py serve'.")])
        if update.ok and first:  # nothing is on disk yet: the one writer checks the folder first
            update = self._write_site(update, announce=False)
        with self.cond:
            strict = self.build.config.strict
            failing = [p for p in update.problems if p.severity == "error" or strict]
            if not update.ok:
                if failing != self.problems or first:
                    self._bump(None)
                self.problems = failing
            elif self.problems or first:
                self.problems = []
                self._bump(None)
            elif update.pages:
                self._bump(sorted(update.pages))
            if target is not None:
                self._built = max(self._built, target)
            self.cond.notify_all()
        self._report(update, changed, time.monotonic() - started)
        if update.ok and not first:
            self._write_site(update, announce=True)
        return update

    def _write_pages(self, files: dict[str, bytes]) -> None:
        """Write the changed pages at once (atomically), before the whole-site steps."""
        root = self.config.output.resolve()
        for rel in sorted(files):
            target = (root / rel).resolve()
            if root not in target.parents:
                continue  # the writer refuses these with a message in the next step
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.cxsite-tmp")
            tmp.write_bytes(files[rel])
            os.replace(tmp, target)

    def _write_site(self, update: Update, *, announce: bool) -> Update:
        """The whole site through the one writer (it also removes pages that are gone)."""
        try:
            report = self.writer.write_site(self.build.finish())
        except SiteError as exc:  # e.g. the output folder holds files cxsite did not write
            self.write_error = exc
            self.build.files = {}  # write everything through the writer's checks next time
            with self.cond:
                self.problems = [exc.problem]
                self._bump(None)
            print(exc.problem.format(), file=self.out)
            return Update(False, [exc.problem])
        self.write_error = None
        if announce and (report.written or report.deleted):
            with self.cond:
                self._bump(sorted(report.written + report.deleted))
        return update

    def _report(self, update: Update, changed: set[str] | None, took: float) -> None:
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
        self.out.flush()

    # --- answering requests -------------------------------------------------------------------
    def respond(self, raw_path: str) -> Response:
        """The response to GET raw_path, with the live-reload script (and any errors) added."""
        path = urlsplit(raw_path).path
        if path == RESERVED + "reload.js":
            return Response(200, RELOAD_JS.read_bytes(), "text/javascript; charset=utf-8")
        if path.startswith(RESERVED):
            return Response(404, b"Not found")
        self.wait_until_built()
        with self.cond:  # read the token before the file: at worst the page reloads once more
            token, problems = self.token, list(self.problems)
        prefix = url_prefix(self.build.config.base_url)
        if not path.startswith(prefix):
            if path in ("/", prefix.rstrip("/")):
                return Response(302, headers={"Location": prefix})
            return self._not_found(token, problems)
        status, found = locate(self.config.output, path[len(prefix) - 1:])
        if status == 301:
            return Response(301, headers={"Location": prefix[:-1] + str(found)})
        if status != 200 or not isinstance(found, Path):
            return self._not_found(token, problems)
        try:
            body = found.read_bytes()
        except OSError:
            return self._not_found(token, problems)
        ctype = content_type(found)
        if ctype.startswith("text/html"):
            rel = found.relative_to(self.config.output.resolve()).as_posix()
            body = inject(body, self._snippet(token, rel, problems))
        return Response(200, body, ctype)

    def _not_found(self, token: str, problems: list[Problem]) -> Response:
        page = self.config.output / "404.html"
        try:
            body = page.read_bytes()
        except OSError:
            body = (b'<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Not found</title>'
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
        check_output_folder(self.config.output, self.config.source)
        self.rebuild(None)
        if self.write_error is not None:  # the site cannot be written there: say so and stop
            raise self.write_error
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
        if split.path == RESERVED + "events" and not head:
            return self._stream(parse_qs(split.query).get("token", [""])[0])
        r = dev.respond(self.path)
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
          base_url: str | None = None, jobs: int | None = None) -> int:
    """Run the dev server until Ctrl+C; returns the exit code."""
    reload_config = partial(load_config, config.source, config.output, base_url=base_url,
                            strict=config.strict, serve_mode=True)
    stop = threading.Event()
    # Ctrl+C only sets a flag: no traceback, and render workers forked from here inherit it.
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
