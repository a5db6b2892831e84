"""Watch a site's sources with watchdog and hand over quiet batches of changed paths.

Only content/, data/, templates/, charts/, locales/ and cxsite.yaml are watched (the site folder itself
without recursion, so an output folder, .git or a virtualenv inside it cost nothing). Paths are
reported site-relative ("content/a.md"); editor temp files and the output folder are ignored.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ..config import CONFIG_NAME

WATCHED_FOLDERS = ("content", "data", "templates", "charts", "locales")  # charts/: Python and spec
# charts; locales/: the site's own translation catalogues
QUIET = 0.03  # seconds without events that end a burst (an editor's save is a few ms)
MAX_WAIT = 0.5  # never hold a batch longer than this while events keep coming
_TEMP_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".temp", ".crdownload", ".part",
                  ".kate-swp", "___jb_tmp___", "___jb_old___", ".cxsite-tmp")
_IGNORED_FOLDERS = {"__pycache__", "node_modules"}


def is_ignored(rel: str) -> bool:
    """Editor and office temp files, hidden files and folders: never a reason to rebuild."""
    for part in rel.split("/"):
        if part.startswith((".", "~$")) or part in _IGNORED_FOLDERS:  # .#lock, .x.swp, ~$book.xlsx
            return True
    name = rel.rsplit("/", 1)[-1]
    return (name.endswith(_TEMP_SUFFIXES) or name == "4913"  # vim probes with '4913'
            or (name.startswith("#") and name.endswith("#")))  # emacs auto-save


def site_path(path: str | Path, source: Path, output: Path) -> str | None:
    """The site-relative path of a watched file, or None when it does not matter to a build."""
    p = Path(path)
    if p == output or output in p.parents:
        return None
    try:
        rel = p.relative_to(source).as_posix()
    except ValueError:
        return None
    top = rel.split("/", 1)[0]
    if rel != CONFIG_NAME and top not in WATCHED_FOLDERS:
        return None
    return None if is_ignored(rel) else rel


class ChangeQueue:
    """Collects changed paths; wait_batch() returns them once a burst of events is over.

    The clock is injectable so the debounce can be tested without sleeping: ready(now) and
    take() are what wait_batch() loops on.
    """

    def __init__(self, quiet: float = QUIET, max_wait: float = MAX_WAIT,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet, self.max_wait, self.clock = quiet, max_wait, clock
        self._cond = threading.Condition()
        self._paths: set[str] = set()
        self._first = self._last = 0.0
        self._closed = False

    def add(self, paths: Iterable[str]) -> None:
        paths = set(paths)
        if not paths:
            return
        with self._cond:
            now = self.clock()
            if not self._paths:
                self._first = now
            self._paths |= paths
            self._last = now
            self._cond.notify_all()

    @property
    def pending(self) -> bool:
        return bool(self._paths)

    def delay(self, now: float) -> float | None:
        """Seconds until the pending batch is ready (0: now), None when nothing is pending."""
        if not self._paths:
            return None
        return max(0.0, min(self._last + self.quiet, self._first + self.max_wait) - now)

    def take(self) -> set[str]:
        with self._cond:
            paths, self._paths = self._paths, set()
            return paths

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until a batch is ready to take; False when closed or on timeout."""
        deadline = None if timeout is None else self.clock() + timeout
        with self._cond:
            while not self._closed:
                now = self.clock()
                wait = self.delay(now)
                if wait == 0:
                    return True
                if deadline is not None:
                    if now >= deadline:
                        return False
                    wait = deadline - now if wait is None else min(wait, deadline - now)
                self._cond.wait(wait)
            return False

    def wait_batch(self, timeout: float | None = None) -> set[str] | None:
        """Block until a batch is ready and return it; None when closed or on timeout."""
        return self.take() if self.wait_ready(timeout) else None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "Watcher") -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        if event.is_directory and event.event_type in ("modified", "attrib", "closed"):
            return  # a folder's entries changed: each entry has its own event
        paths = [event.src_path, getattr(event, "dest_path", "")]
        self.watcher._seen([p.decode() if isinstance(p, bytes) else p for p in paths if p],
                           event.is_directory)


class Watcher:
    """Watches a site folder and calls on_change(set of site-relative paths) from its thread."""

    def __init__(self, source: Path, output: Path, on_change: Callable[[set[str]], None]) -> None:
        self.source = source.resolve()
        self.output = output.resolve()
        self.on_change = on_change
        self._observer = Observer()
        self._handler = _Handler(self)
        self._watched: dict[str, object] = {}
        self._lock = threading.Lock()

    def start(self) -> None:
        self._observer.schedule(self._handler, str(self.source), recursive=False)
        for name in WATCHED_FOLDERS:
            self._watch(name)
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join(timeout=5)

    def _watch(self, name: str) -> None:
        """Watch a top folder recursively, once it exists (it may be created while serving)."""
        folder = self.source / name
        with self._lock:
            if name in self._watched or not folder.is_dir() or \
                    folder.resolve() == self.output or self.output in folder.resolve().parents:
                return
            self._watched[name] = self._observer.schedule(self._handler, str(folder), recursive=True)

    def _seen(self, paths: list[str], is_directory: bool) -> None:
        found: set[str] = set()
        for path in paths:
            rel = site_path(path, self.source, self.output)
            if rel is None:
                continue
            found.add(rel)
            if is_directory and rel in WATCHED_FOLDERS:
                if (self.source / rel).is_dir():
                    self._watch(rel)
                else:
                    with self._lock:
                        watch = self._watched.pop(rel, None)
                    if watch is not None:
                        try:
                            self._observer.unschedule(watch)
                        except (KeyError, OSError):
                            pass  # watchdog already dropped the watch of a deleted folder
        if found:
            self.on_change(found)
