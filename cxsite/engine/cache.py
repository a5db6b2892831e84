"""A content-addressed cache on disk, shared by the build's worker processes and kept between
builds, so that an unchanged chart is never compiled or drawn twice.

It lives in CACHE_DIR/charts (CACHE_DIR is SOURCE/.cxsite unless --cache-dir says otherwise),
never in the output folder, so CI can keep it between runs and nothing of it is published.
A `check` run reads it but never writes it. Entries are immutable (the key is a hash of
everything that made the value), so concurrent writers can only ever write the same bytes; each
write goes to a temporary file first and is renamed into place, so a reader never sees half a
file. Every entry a page reads or writes is recorded with the page (see recording()), and after
a build the entries no page of the site uses any more are removed (prune()): a value the site
stopped publishing (a survey group now below the minimum size) does not stay behind.
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import os
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

if TYPE_CHECKING:
    from ..config import Config

CHARTS = "charts"  # the cache's sub-folder of the cache folder
LOCK_TIMEOUT = 60  # seconds; a lock left by a killed process (where no OS lock exists) then stops mattering
_USED: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("cxsite_cache_used",
                                                                         default=None)


def digest(*parts: Any) -> str:
    """A stable hex key for any mix of text, bytes and JSON-able values."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            data = part
        elif isinstance(part, str):
            data = part.encode("utf-8")
        else:
            data = json.dumps(part, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))  # length-prefixed: ("ab","c") != ("a","bc")
        h.update(data)
    return h.hexdigest()


@contextmanager
def recording() -> Iterator[set[str]]:
    """Collect the entries ('kind/key') read or written inside the block, in this thread."""
    used: set[str] = set()
    token = _USED.set(used)
    try:
        yield used
    finally:
        _USED.reset(token)


def _note(kind: str, key: str) -> None:
    used = _USED.get()
    if used is not None:
        used.add(f"{kind}/{key}")


class Cache:
    """Values by key under one folder: get() and put() bytes, get_json() and put_json()."""

    def __init__(self, root: Path | None, *, writable: bool = True) -> None:
        self.root = root
        self.writable = writable and root is not None

    @classmethod
    def for_config(cls, config: "Config") -> "Cache":
        return cls(Path(config.cache_dir) / CHARTS,
                   writable=bool(getattr(config, "write_cache", True)))

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        if self.root is None:
            return None
        try:
            data = self._path(kind, key).read_bytes()
        except OSError:
            return None
        _note(kind, key)
        return data

    def note(self, kind: str, key: str) -> None:
        """Record that the build uses an entry it holds in memory (so prune() keeps it)."""
        _note(kind, key)

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Store a value; failures (read-only disk, full disk) only cost speed, never the build."""
        if not self.writable:
            return
        _note(kind, key)
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            pass

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold an exclusive lock across processes (on every system), so that one worker
        computes an expensive value while the other waits for it rather than computing it too."""
        if not self.writable:
            yield
            return
        with warnings.catch_warnings():  # without fcntl (rare) filelock warns; it still works
            warnings.simplefilter("ignore")
            from filelock import FileLock, Timeout

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.root / f"{name}.lock"), timeout=LOCK_TIMEOUT)
            lock.acquire()
        except (OSError, Timeout):  # no lock, no harm: both compute
            yield
            return
        try:
            yield
        finally:
            lock.release()

    def held(self, sink: list) -> "Cache":
        """This cache, with new entries appended to `sink` instead of written (see flush)."""
        return _HeldCache(self, sink)

    def flush(self, entries: list) -> None:
        """Write entries held back by held()."""
        for kind, key, data in entries:
            self.put(kind, key, data)

    def get_json(self, kind: str, key: str) -> Any:
        raw = self.get(kind, key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:  # a damaged entry is a miss
            return None

    def put_json(self, kind: str, key: str, value: Any) -> None:
        self.put(kind, key, json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8"))

    def prune(self, live: Iterable[str]) -> int:
        """Remove every entry not in `live` ('kind/key'), and leftovers of interrupted writes;
        returns how many files went."""
        if not self.writable or self.root is None or not self.root.is_dir():
            return 0
        keep = set(live)
        removed = 0
        for kind in os.scandir(self.root):
            if not kind.is_dir(follow_symlinks=False):
                continue
            for shard in os.scandir(kind.path):
                if not shard.is_dir(follow_symlinks=False):
                    continue
                for entry in os.scandir(shard.path):
                    if f"{kind.name}/{entry.name}" not in keep:
                        try:
                            os.unlink(entry.path)
                            removed += 1
                        except OSError:
                            pass
                try:
                    os.rmdir(shard.path)  # only when it is empty now
                except OSError:
                    pass
        return removed


class _HeldCache(Cache):
    """Reads from the cache; writes wait in a list (a page whose privacy is not settled yet)."""

    def __init__(self, cache: Cache, sink: list) -> None:
        super().__init__(cache.root, writable=cache.writable)
        self.sink = sink

    def put(self, kind: str, key: str, data: bytes) -> None:
        if self.writable:
            _note(kind, key)  # the page uses it: prune() keeps it once it is written
            self.sink.append((kind, key, data))
