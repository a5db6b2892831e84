"""A content-addressed cache on disk, shared by the build's worker processes and kept between
builds, so that an unchanged chart is never compiled or rendered twice.

It lives in OUTPUT/.cxsite-cache: the build writes only inside its output folder, and the
writer's manifest does not list the cache, so the writer never deletes it. A `check` run reads
it but never writes it. Entries are immutable (the key is a hash of everything that made the
value), so concurrent writers can only ever write the same bytes; each write goes to a temporary
file first and is renamed into place, so a reader never sees half a file.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from ..config import Config

CACHE_DIR = ".cxsite-cache"


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


class Cache:
    """Values by key under one folder: get() and put() bytes, get_json() and put_json()."""

    def __init__(self, root: Path | None, *, writable: bool = True) -> None:
        self.root = root
        self.writable = writable and root is not None

    @classmethod
    def for_config(cls, config: "Config") -> "Cache":
        return cls(Path(config.output) / CACHE_DIR,
                   writable=bool(getattr(config, "write_cache", True)))

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / key[:2] / key

    def get(self, kind: str, key: str) -> bytes | None:
        if self.root is None:
            return None
        try:
            return self._path(kind, key).read_bytes()
        except OSError:
            return None

    def put(self, kind: str, key: str, data: bytes) -> None:
        """Store a value; failures (read-only disk, full disk) only cost speed, never the build."""
        if not self.writable:
            return
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
        """Hold an exclusive lock across processes, so that one worker computes an expensive
        value while the other waits for it rather than computing it too."""
        if not self.writable:
            yield
            return
        import fcntl

        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.root / f"{name}.lock", os.O_CREAT | os.O_RDWR, 0o644)
        except OSError:  # no lock, no harm: both compute
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

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


class _HeldCache(Cache):
    """Reads from the cache; writes wait in a list (a page whose privacy is not settled yet)."""

    def __init__(self, cache: Cache, sink: list) -> None:
        super().__init__(cache.root, writable=cache.writable)
        self.sink = sink

    def put(self, kind: str, key: str, data: bytes) -> None:
        if self.writable:
            self.sink.append((kind, key, data))
