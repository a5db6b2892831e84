"""The record a build keeps between runs (in CACHE_DIR/state), so that the next `build` redoes
only what changed: what each page was made from, how it was made (its body, for the template
stage), and what the writer left in the output folder.

Two files: index.pickle is small and holds what a build with nothing to do needs (the inputs'
fingerprints, the output files' stamps, the pages' problems); pages.pickle holds the rest and
is read only when something must be rendered. Both carry the same build id.

The record is thrown away, and the build starts cold, when anything it cannot see through a
file's fingerprint changed: cxsite's own code or version, the Python packages installed, what
cxsite.yaml or the command line say, SOURCE_DATE_EPOCH, the output folder. Input files are
compared by size and time first and by content when those moved (a fresh CI checkout touches
every file, yet nothing needs doing). Output files are compared by size and time with what the
writer left there: a file deleted or edited by hand is written again.

A damaged, unreadable or foreign record is treated as no record.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import os
import pickle
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

from .. import __version__
from ..config import Config, default_theme_dir
from ..errors import Problem
from .output import Stamp

STATE = "state"
INDEX, PAGES, BODIES = "index.pickle", "pages.pickle", "bodies.log"
FORMAT = 2  # 2: the search index is kept
_NOT_IN_KEY = {"source", "output", "strict", "serve_mode", "write_cache", "cache_dir"}
_CODE = Path(__file__).resolve().parents[1]  # the cxsite package
RACY_NS = 2_000_000_000  # the coarsest file clock in use (FAT: 2 s); see fingerprint()
COMPACT_BYTES = 1_000_000  # the bodies log is rewritten past this size when mostly garbage


@dataclass(frozen=True)
class Fingerprint:
    size: int
    mtime_ns: int
    digest: str


@dataclass
class Index:
    """What a build with nothing to do reads."""

    build: str
    key: str
    output: str
    inputs: dict[str, Fingerprint]  # site-relative path -> fingerprint (templates/NAME resolved)
    templates: dict[str, str]  # template file name -> the folder it comes from
    stamps: dict[str, Stamp]  # output path -> what the writer left there
    owners: dict[str, str]  # output path of a page's files -> the page's URL
    problems: list[Problem]  # the warnings of the last build, shown again
    pages: int
    redo: set[str] = field(default_factory=set)  # pages with problems: always rendered again
    saved_ns: int = 0  # when the record was written: output files written just before are
                       # compared by content (see DiskWriter.changed_on_disk)
    today: date | None = None  # the real date, when a page shows it (a roadmap's 'today')


@dataclass
class Saved:
    """What a build with something to do reads as well: the last build's IncrementalBuild."""

    build: str
    fields: dict[str, Any]


def environment_key(config: Config) -> str:
    """Everything besides the site's files that the output depends on, as one hash."""
    h = hashlib.sha256()
    h.update(f"{FORMAT} {__version__} {sys.version}".encode())
    for folder, _, names in sorted(os.walk(_CODE)):
        for name in sorted(names):
            if name.endswith((".py", ".html", ".css", ".js", ".po", ".mo", ".json")):
                st = os.stat(os.path.join(folder, name))
                h.update(f"{folder}/{name} {st.st_size} {st.st_mtime_ns}\n".encode())
    for entry in sys.path:  # the installed packages and their versions
        if not entry or Path(entry).resolve() == _CODE.parent:
            continue  # the folder cxsite runs from (as a checkout) is not an installation
        try:
            names = sorted(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        if names:
            h.update(("\n".join(names) + "\n").encode())
    values = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)
              if f.name not in _NOT_IN_KEY}
    h.update(repr(sorted(values.items())).encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    return h.hexdigest()


def fingerprint(path: Path, old: Fingerprint | None = None, now_ns: int | None = None,
                newer_than: int | None = None,
                keep: Callable[[os.stat_result, bytes], None] | None = None) -> Fingerprint | None:
    """A file's fingerprint; the old one when its size and time did not move; None if gone (or
    modified at `newer_than` or later: such a file is left out of a record, so the next build
    takes it as changed). `keep` is given the bytes read, with their stat, when the file was
    read (a build then need not read it again).

    A file modified within RACY_NS of `now_ns` may be modified again within the same tick of
    the file system's clock, its size unchanged: its time is not recorded, so the next build
    compares its content (git calls such entries 'racily clean')."""
    try:
        if old is not None or newer_than is not None:
            st = os.stat(path)
            if newer_than is not None and st.st_mtime_ns >= newer_than:
                return None
            if old is not None and st.st_size == old.size and st.st_mtime_ns == old.mtime_ns:
                return old
        st, data = read_file(path)
    except OSError:
        return None
    if newer_than is not None and st.st_mtime_ns >= newer_than:
        return None
    if keep is not None:
        keep(st, data)
    racy = now_ns is not None and st.st_mtime_ns >= now_ns - RACY_NS
    return Fingerprint(st.st_size, -1 if racy else st.st_mtime_ns,
                       hashlib.blake2b(data, digest_size=16).hexdigest())


def read_file(path: Path | str) -> tuple[os.stat_result, bytes]:
    """A file's stat and bytes, read with as few system calls as can be (a build reads
    thousands)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        parts = [os.read(fd, st.st_size + 1)]
        while parts[-1]:  # until the end, should the file have grown since
            parts.append(os.read(fd, 1 << 16))
    finally:
        os.close(fd)
    return st, b"".join(parts)


def content_files(content_dir: Path) -> frozenset[str]:
    """Every file under a folder (content/: the pages and the files published beside them),
    hidden ones left out."""
    found = set()
    for folder, dirs, names in os.walk(content_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(folder, content_dir).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.update(prefix + n for n in names if not n.startswith("."))
    return frozenset(found)


def template_files(config: Config) -> dict[str, str]:
    """Each template and theme file name -> the folder it is read from (the site's overrides
    the built-in theme's)."""
    found: dict[str, str] = {}
    for root in (default_theme_dir(), config.templates_dir):
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(folder, root).replace(os.sep, "/")
            prefix = "" if rel == "." else rel + "/"
            for n in names:
                if not n.startswith("."):
                    found[prefix + n] = str(root)
    return found


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector: reading a record makes millions of objects, each of
    which would count towards a collection that finds nothing (at 5,000 pages the record then
    loads in a third of the time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def collector_relaxed(every: int = 20_000) -> Iterator[None]:
    """Run Python's cycle collector after `every` new objects instead of 700: rendering makes
    millions of short-lived ones (trees, strings) and almost no cycles, so most collections
    find nothing, and later ones walk every page kept so far (1,000 pages: 2% of the CPU)."""
    before = gc.get_threshold()
    gc.set_threshold(max(every, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class BodyLog:
    """The pages' bodies (Markdown made HTML: what a template change needs again), appended
    to one file as they are made and read back one by one, so that a build that renders one
    page writes one body, and one that renders none reads none. The file starts with an id
    the pages' record names; it is rewritten without the bodies no page uses any more once
    those are most of it."""

    HEAD = len("cxsite-bodies ") + 32 + 1

    def __init__(self, folder: Path, writable: bool = True) -> None:
        self.path = folder / BODIES
        self.writable = writable
        try:
            with open(self.path, "rb") as f:
                head = f.read(self.HEAD)
            self.ident = head[14:46].decode() if head.startswith(b"cxsite-bodies ") else None
        except OSError:
            self.ident = None

    def get(self, ref: tuple[int, int]) -> Any:
        """The body at ref, or None (the log was rewritten or damaged since)."""
        try:
            with open(self.path, "rb") as f:
                f.seek(ref[0])
                return pickle.loads(f.read(ref[1]))
        except Exception:  # noqa: BLE001 - a missing or damaged body is made again
            return None

    def append(self, bodies: dict[str, Any]) -> dict[str, tuple[int, int]]:
        """Add bodies; returns where each went. Starts a new log when there is none."""
        if not bodies or not self.writable:
            return {}
        if self.ident is None:
            self._start()
        refs = {}
        with open(self.path, "ab") as f:
            offset = f.tell()
            for url, body in bodies.items():
                data = pickle.dumps(body, protocol=pickle.HIGHEST_PROTOCOL)
                f.write(data)
                refs[url] = (offset, len(data))
                offset += len(data)
        return refs

    def compact(self, live: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        """Rewrite the log with only the live bodies when they are less than half of it."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return live
        if not self.writable or size < COMPACT_BYTES or sum(n for _, n in live.values()) * 2 > size:
            return live
        bodies = {url: self.get(ref) for url, ref in live.items()}
        self._start()
        return self.append({u: b for u, b in bodies.items() if b is not None})

    def _start(self) -> None:
        self.ident = os.urandom(16).hex()  # uuid4's randomness; uuid imports platform
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(BODIES + ".new")
        tmp.write_bytes(f"cxsite-bodies {self.ident}\n".encode())
        os.replace(tmp, self.path)


class StateStore:
    """Reads and writes the record in CACHE_DIR/state; `writable` False (check) writes nothing."""

    def __init__(self, config: Config, *, writable: bool = True) -> None:
        self.folder = Path(config.cache_dir) / STATE
        self.writable = writable

    def load_index(self) -> Index | None:
        return self._load(INDEX, Index)

    def bodies(self) -> BodyLog:
        return BodyLog(self.folder, self.writable)

    def load_saved(self, index: Index) -> Saved | None:
        saved = self._load(PAGES, Saved)
        return saved if saved is not None and saved.build == index.build else None

    def _load(self, name: str, kind: type) -> Any:
        try:
            with open(self.folder / name, "rb") as f, collector_paused():
                value = pickle.load(f)
        except Exception:  # noqa: BLE001 - missing, damaged or from another version: no record
            return None
        return value if isinstance(value, kind) else None

    def save(self, index: Index | Callable[[], Index], saved: Saved | None) -> None:
        """Write the record (pages first, so the index never names pages that are not there);
        a failure costs the next build its speed, never this build. `index` may be a function
        giving it once the pages are written (a build's last files are written meanwhile)."""
        build = os.urandom(16).hex()
        kept = self.writable
        try:
            if kept:
                self.folder.mkdir(parents=True, exist_ok=True)
                if saved is not None:
                    self._write(PAGES, Saved(build, saved.fields))
        except OSError:
            self.clear()
            kept = False
        made = index() if callable(index) else index  # (what it waits for is done either way)
        if not kept:
            return
        try:
            self._write(INDEX, dataclasses.replace(made, build=build, saved_ns=time.time_ns()))
        except OSError:
            self.clear()

    def _write(self, name: str, value: Any) -> None:
        tmp = self.folder / (name + ".new")
        with open(tmp, "wb") as f, collector_paused():
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, self.folder / name)

    def clear(self) -> None:
        if self.writable:
            for name in (INDEX, PAGES, BODIES):
                try:
                    (self.folder / name).unlink()
                except OSError:
                    pass
