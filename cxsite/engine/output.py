"""The one writer that owns the disk: `build` and `serve` write the site only through it.

How a write goes (output/ is the output folder):

1. The folder is claimed before anything else is written: output/.cxsite-manifest.json says
   cxsite made the folder and lists the files it wrote (it never deletes any other file). A
   folder that holds other things and no such list is refused.
2. Every new or changed file is written in full into output/.cxsite-staging/, then a journal
   listing the moves is written there: from then on the write can be finished by anyone.
3. The files are moved into place (a rename: each file is either old or new, never half
   written), other files first and pages last, so a page never links to an asset that is not
   there yet (asset names carry their content hash, so new assets never replace old ones);
   then files of the old site that are gone are deleted, and the staging folder removed.
   Ctrl+C waits for this step, which takes milliseconds.

A new or empty output folder has no old site to keep, so its files are written in place
(after the claim, which lists them all; assets before pages): no staging, no moves.

What a crash can leave: killed before step 3, output/ holds the old site and a staging folder
that the next build or serve removes; killed during step 3 (or a power cut), output/ holds
some new and some old pages until the next build or serve, which first finishes the moves
from the journal; killed while a new folder is written, it holds part of the site until the
next build or serve writes the rest. A failed build (errors in the site) writes nothing at all.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Protocol

from ..errors import SiteError

MANIFEST = ".cxsite-manifest.json"
STAGING = ".cxsite-staging"
JOURNAL = "journal.json"
LEGACY = (".cxsite-cache",)  # what older versions kept in output/: removed, never published
_LEGACY_TMP = ".cxsite-tmp"  # older versions' temporary files, next to their targets
RETRIES = 20  # Windows: a file another program has open cannot be replaced; wait and retry
RETRY_WAIT = 0.05


@dataclass
class WriteReport:
    written: list[str]
    unchanged: int
    deleted: list[str]


@dataclass(frozen=True)
class Stamp:
    """What the writer left at a path: enough to notice a deleted or hand-edited file cheaply."""

    size: int
    mtime_ns: int
    digest: str


class Writer(Protocol):
    def write_site(self, files: Mapping[str, bytes | None]) -> WriteReport: ...


def file_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_output_folder(output: Path, source: Path) -> None:
    """Refuse an output folder that is, contains or sits inside the site's sources."""
    out, src = output.resolve(), source.resolve()
    if out == src:
        raise SiteError(f"the output folder {output} is the source folder",
                        hint="choose another --output, for example the default SOURCE/output.")
    if out in src.parents:
        raise SiteError(f"the output folder {output} contains the source folder {source}",
                        hint="choose an output folder beside or inside the site folder, such as "
                             "SOURCE/output.")
    for name in ("content", "data", "templates"):
        inner = src / name
        if out == inner or inner in out.parents:
            raise SiteError(f"the output folder {output} is inside the site's {name}/ folder",
                            hint="the build would read its own output; choose SOURCE/output.")


def check_cache_folder(cache: Path, source: Path, output: Path) -> None:
    """Refuse a cache folder that would mix with the sources or the published site."""
    cache, src, out = cache.resolve(), source.resolve(), output.resolve()
    if _inside(cache, out) or _inside(out, cache):
        raise SiteError(f"the cache folder {cache} and the output folder {out} overlap",
                        hint="the cache must never be published: keep it out of the output "
                             "folder, for example the default SOURCE/.cxsite.")
    if cache == src or cache in src.parents:
        raise SiteError(f"the cache folder {cache} is or contains the source folder",
                        hint="choose a folder of its own with --cache-dir, for example the "
                             "default SOURCE/.cxsite.")
    for name in ("content", "data", "templates"):
        if _inside(cache, src / name):
            raise SiteError(f"the cache folder {cache} is inside the site's {name}/ folder",
                            hint="choose a folder of its own with --cache-dir, for example the "
                                 "default SOURCE/.cxsite.")


def _write_file(path: Path, data: bytes) -> Stamp:
    """Write a new file (with as few system calls as possible: a site has thousands) and
    return its stamp."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return Stamp(st.st_size, st.st_mtime_ns, file_digest(data))


def _retry(action, path: Path) -> None:
    """Run a rename or delete, retrying while another program holds the file (Windows)."""
    for attempt in range(RETRIES):
        try:
            action()
            return
        except PermissionError:
            if attempt == RETRIES - 1:
                raise
            time.sleep(RETRY_WAIT * (attempt + 1))


@contextmanager
def _ctrl_c_waits() -> Iterator[None]:
    """Hold Ctrl+C until the block is done (the moves of a write), then act on it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # serve's build thread: Ctrl+C goes to the main thread anyway
        return
    pressed: list[object] = []
    previous = signal.signal(signal.SIGINT, lambda *a: pressed.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


class DiskWriter:
    """Writes a whole site into one folder, touching only files it wrote before or writes now.

    `stamps` (path -> Stamp) is the record of what it wrote, kept between builds by the build's
    state: files whose bytes are given as None are known to be unchanged and are not looked at.
    """

    def __init__(self, output: Path, source: Path,
                 stamps: dict[str, Stamp] | None = None) -> None:
        self.output = output
        self.source = source
        self.stamps: dict[str, Stamp] = dict(stamps or {})
        self._claimed = False
        self._safe: set[Path] = set()  # folders known to lie inside the output folder
        self._listed: list[str] | None = None  # the manifest's list as last written
        self._new: dict[str, bytes] | None = None  # a new folder's files put so far (start_new)
        self._made: set[str] = set()  # ... and its folders made so far ("" is the folder)
        self._created = False  # ... and whether the folder itself was made by this writer

    # --- the folder ---------------------------------------------------------------------------
    def _manifest(self) -> list[str] | None:
        """The files cxsite wrote here, or None when the folder is not cxsite's."""
        path = self.output / MANIFEST
        if path.is_file():
            try:
                files = json.loads(path.read_text(encoding="utf-8"))["files"]
                return [str(f) for f in files]
            except (ValueError, KeyError, TypeError, OSError):
                return []
        if not self.output.is_dir():
            return []
        for entry in self.output.iterdir():
            if entry.name not in LEGACY and not entry.name.endswith(_LEGACY_TMP):
                return None
        return []  # empty, or only what an older cxsite left behind

    def _save_manifest(self, files: Iterable[str]) -> None:
        files = sorted(files)
        self._listed = files
        path = self.output / MANIFEST
        tmp = path.with_name(MANIFEST + ".new")
        tmp.write_text(json.dumps({"generator": "cxsite", "files": files}, indent=0),
                       encoding="utf-8")
        _retry(lambda: os.replace(tmp, path), path)

    def prepare(self) -> list[str]:
        """Check the output folder and finish or clear an interrupted write (writing nothing
        else); returns the files cxsite wrote here. Safe to call again."""
        check_output_folder(self.output, self.source)
        if self._claimed and self._listed is not None and (self.output / MANIFEST).is_file():
            return list(self._listed)  # serve: the list as this writer last wrote it
        previous = self._manifest()
        if previous is None:
            raise SiteError(f"the output folder {self.output} is not empty and was not made by cxsite",
                            hint="choose an empty or new folder with --output, or empty this one "
                                 "(cxsite never deletes files it did not write).")
        if not self._claimed and (self.output / STAGING).exists():
            try:
                previous = self._recover(previous)
            except OSError as exc:
                raise self._failed(exc) from None
        return previous

    def _claim(self, previous: list[str]) -> None:
        """Mark the folder as cxsite's before anything else is written into it."""
        if self._claimed:
            return
        self.output.mkdir(parents=True, exist_ok=True)
        if not (self.output / MANIFEST).is_file():
            self._save_manifest(previous)
        for name in LEGACY:
            shutil.rmtree(self.output / name, ignore_errors=True)
        for entry in self.output.glob("*" + _LEGACY_TMP):
            entry.unlink(missing_ok=True)
        self._claimed = True

    def _recover(self, previous: list[str]) -> list[str]:
        """Finish the moves of a write that was interrupted after its journal was complete;
        throw away a write that was interrupted before."""
        staging = self.output / STAGING
        if not staging.exists():
            return previous
        try:
            journal = json.loads((staging / JOURNAL).read_text(encoding="utf-8"))
            moves, deletes, files = journal["moves"], journal["deletes"], journal["files"]
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(staging, ignore_errors=True)  # the new files were never complete
            return previous
        for name, rel in moves:
            src = staging / name
            if src.exists():
                target = self._target(rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                _retry(lambda: os.replace(src, target), target)
            self.stamps.pop(rel, None)  # not recorded: the next build looks at it
        for rel in deletes:
            self._target(rel).unlink(missing_ok=True)
            self._prune(self._target(rel).parent)
        self._save_manifest(files)
        shutil.rmtree(staging, ignore_errors=True)
        return list(files)

    # --- checking what is on disk -----------------------------------------------------------------
    def unchanged(self, rel: str) -> bool:
        """Whether the file at rel is still what this writer left there (size and time)."""
        stamp = self.stamps.get(rel)
        if stamp is None:
            return False
        try:
            st = os.stat(os.path.join(self.output, rel))
        except OSError:
            return False
        return st.st_size == stamp.size and st.st_mtime_ns == stamp.mtime_ns

    def changed_on_disk(self, paths: Iterable[str], racy_after_ns: int | None = None) -> set[str]:
        """The paths whose file was deleted or edited by hand since this writer wrote it. Files
        stamped at `racy_after_ns` or later could have been edited within the same tick of the
        file system's clock, keeping their size: their content is compared too."""
        changed = set()
        for rel in paths:
            if not self.unchanged(rel):
                changed.add(rel)
            elif racy_after_ns is not None and self.stamps[rel].mtime_ns >= racy_after_ns:
                try:
                    data = (self.output / rel).read_bytes()
                except OSError:
                    data = None
                if data is None or file_digest(data) != self.stamps[rel].digest:
                    changed.add(rel)
        return changed

    def read(self, rel: str) -> bytes | None:
        """The bytes of a file as this writer left it, or None when it changed since."""
        if not self.unchanged(rel):
            return None
        try:
            return (self.output / rel).read_bytes()
        except OSError:
            return None

    # --- writing ------------------------------------------------------------------------------
    def write_site(self, files: Mapping[str, bytes | None]) -> WriteReport:
        """Make the folder hold exactly `files` (None: the file is there, unchanged) and the
        files of others; see the module's docstring for how."""
        if self._new is not None:
            return self._finish_new(files)
        previous = set(self.prepare())
        if not previous and self._empty() and self.start_new():  # no old site to keep
            return self._finish_new(files)
        changes: dict[str, bytes] = {}
        unchanged = 0
        for rel in sorted(files):
            data = files[rel]
            if data is None:
                if rel not in self.stamps:
                    raise RuntimeError(f"the writer was told {rel} is unchanged, but never wrote it")
                unchanged += 1
            elif self._same(rel, data):
                unchanged += 1
            else:
                changes[rel] = data
        stale = sorted(previous - files.keys())
        if not changes and not stale:
            if previous != files.keys():
                self._claim(sorted(previous))
                self._save_manifest(files)
            return WriteReport([], unchanged, [])
        staging = self.output / STAGING
        moves: list[tuple[str, str]] = []
        try:
            self._claim(sorted(previous))
            targets = {rel: self._target(rel) for rel in changes}
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            # pages last: by then every file they link to is in place
            order = sorted(changes, key=lambda rel: (rel.endswith(".html"), rel))
            stamps: dict[str, Stamp] = {}
            for n, rel in enumerate(order):
                stamps[rel] = _write_file(staging / str(n), changes[rel])
                moves.append((str(n), rel))
            if not files.keys() <= previous:
                self._save_manifest(previous | files.keys())  # new files are cxsite's from now on
            journal = staging / (JOURNAL + ".new")
            journal.write_text(json.dumps({"moves": moves, "deletes": stale,
                                           "files": sorted(files)}), encoding="utf-8")
            os.replace(journal, staging / JOURNAL)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise self._failed(exc) from None
        try:
            with _ctrl_c_waits():
                folders: set[Path] = set()
                for name, rel in moves:
                    target = targets[rel]
                    if target.parent not in folders:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        folders.add(target.parent)
                    if rel not in previous and target.is_dir():  # an old folder where a file goes
                        shutil.rmtree(target)
                    _retry(lambda: os.replace(staging / name, target), target)
                    self.stamps[rel] = stamps[rel]  # a rename keeps the file's time
                for rel in stale:
                    target = self._target(rel)
                    _retry(lambda: target.unlink(missing_ok=True), target)
                    self.stamps.pop(rel, None)
                    self._prune(target.parent)
                if previous != files.keys():
                    self._save_manifest(files)
                shutil.rmtree(staging, ignore_errors=True)
        except OSError as exc:
            raise SiteError(f"could not finish writing the site into {self.output}: "
                            f"{exc.strerror or exc} ({exc.filename or ''})",
                            hint="another program may have a file of the site open (close it); "
                                 "the next build finishes the job.") from None
        return WriteReport(order, unchanged, stale)

    def _empty(self) -> bool:
        """Whether the output folder is missing or holds nothing but what cxsite left there
        (its list of files, an older version's leftovers)."""
        try:
            with os.scandir(self.output) as entries:
                return all(e.name == MANIFEST or e.name in LEGACY or e.name.endswith(_LEGACY_TMP)
                           for e in entries)
        except FileNotFoundError:
            return True
        except OSError:
            return False

    # --- a new folder: written in place, while the pages are being made -----------------------
    def start_new(self) -> bool:
        """Begin a site in a new or empty output folder (False: the folder holds a site): its
        files may then be handed over with put() as they are made, before write_site() gives
        the whole site; abandon() takes them away again if the build fails."""
        if self._new is not None:
            return True
        if self.prepare() or not self._empty():
            return False
        self._created = not self.output.exists()
        try:
            self._claim([])
        except OSError as exc:
            raise self._failed(exc) from None
        self._new, self._made = {}, {""}
        return True

    def expect(self, paths: Iterable[str]) -> None:
        """List files of a new site as cxsite's before they are put() (one list for all the
        pages, rather than one more for each group of pages put)."""
        assert self._new is not None, "expect() without start_new()"
        listed = set(self._listed or ())
        if not listed.issuperset(paths):
            try:
                self._save_manifest(listed.union(paths))
            except OSError as exc:
                raise self._failed(exc) from None

    def put(self, files: Mapping[str, bytes]) -> None:
        """Write these files of a new site now (after start_new); listed as cxsite's first."""
        assert self._new is not None, "put() without start_new()"
        names = [rel for rel in files if self._new.get(rel) is not files[rel]]
        for rel in names:
            self._checked(rel)
        try:
            listed = set(self._listed or ())
            if not listed.issuperset(names):
                self._save_manifest(listed.union(names))
            for rel in names:
                self._put(rel, files[rel])
        except OSError as exc:
            raise SiteError(f"could not write the site into {self.output}: {exc.strerror or exc} "
                            f"({exc.filename or ''})",
                            hint="check that the disk has space and the folder is writable; the "
                                 "folder was empty before, and the next build writes the rest.") from None

    def _put(self, rel: str, data: bytes) -> None:
        old = self._new.get(rel)  # type: ignore[union-attr]
        if old is not None and (old is data or old == data):
            return
        folder = rel.rpartition("/")[0]
        path = os.path.join(self.output, *rel.split("/"))
        # the folders and the file are noted before they are made: a build stopped (Ctrl+C)
        # while they are made takes them back too (abandon() ignores what is not there)
        if folder not in self._made:
            parent = folder
            while parent and parent not in self._made:  # and its parents, made by makedirs
                self._made.add(parent)
                parent = parent.rpartition("/")[0]
            os.makedirs(os.path.dirname(path), exist_ok=True)
        if old is not None:  # a file put before with other bytes (a later page's file won)
            os.unlink(path)
        self._new[rel] = data  # type: ignore[index]
        self.stamps[rel] = _write_file(Path(path), data)

    def _finish_new(self, files: Mapping[str, bytes | None]) -> WriteReport:
        """Write the rest of a new site (what put() did not write, assets before pages) and
        remove what put() wrote that is not part of it."""
        names = sorted(files)
        for rel in names:
            if files[rel] is None and rel not in self._new:  # type: ignore[operator]
                raise RuntimeError(f"the writer was told {rel} is unchanged, but never wrote it")
        order = sorted(names, key=lambda rel: (rel.endswith(".html"), rel))  # pages last
        self.put({rel: self._new[rel] if files[rel] is None else files[rel]  # type: ignore[index]
                  for rel in order})
        new, self._new = self._new or {}, None
        stale = sorted(new.keys() - files.keys())
        for rel in stale:
            self._target(rel).unlink(missing_ok=True)
            self.stamps.pop(rel, None)
        if self._listed != names:
            self._save_manifest(names)
        self.stamps = {rel: stamp for rel, stamp in self.stamps.items() if rel in files}
        return WriteReport(sorted(new.keys() & files.keys()), 0, [])

    def abandon(self) -> None:
        """Take back what put() wrote (the build failed): the folder is left as it was found."""
        new, self._new = self._new, None
        if new is None:
            return
        for rel in new:
            try:
                os.unlink(os.path.join(self.output, *rel.split("/")))
            except OSError:
                pass
            self.stamps.pop(rel, None)
        for folder in sorted(self._made - {""}, key=lambda f: -f.count("/")):
            try:
                os.rmdir(os.path.join(self.output, *folder.split("/")))
            except OSError:
                pass
        try:
            (self.output / MANIFEST).unlink()
            if self._created:
                self.output.rmdir()
        except OSError:
            pass
        self._claimed, self._listed = False, None

    def _same(self, rel: str, data: bytes) -> bool:
        """Whether the file at rel already holds `data` (recorded, or else read and compared)."""
        stamp = self.stamps.get(rel)
        if stamp is not None and self.unchanged(rel):
            return stamp.size == len(data) and stamp.digest == file_digest(data)
        target = self.output / rel
        try:
            st = os.stat(target)
            if st.st_size != len(data) or target.read_bytes() != data:
                return False
        except OSError:
            return False
        self.stamps[rel] = Stamp(st.st_size, st.st_mtime_ns, file_digest(data))
        return True

    def _failed(self, exc: OSError) -> SiteError:
        return SiteError(f"could not write the site into {self.output}: {exc.strerror or exc}",
                         hint="check that the disk has space and the folder is writable; "
                              "the previous site is untouched.")

    def _checked(self, rel: str) -> list[str]:
        """The parts of a site path, refused when it would lead out of the output folder."""
        parts = rel.split("/")
        if not rel or rel.startswith("/") or "\\" in rel or ":" in parts[0] or \
                any(p in ("", ".", "..") for p in parts) or parts[0] in (MANIFEST, STAGING):
            raise SiteError(f"refusing to write '{rel}' outside the output folder",
                            hint="this is a bug in a block or template that names output files.")
        return parts

    def _target(self, rel: str) -> Path:
        """The path of a site file in the output folder; never anything outside it."""
        target = self.output.joinpath(*self._checked(rel))
        self._check_folder(target.parent, rel)
        return target

    def _check_folder(self, folder: Path, rel: str) -> None:
        """Refuse a folder that is a link leading outside the output folder, or lies in one.
        Each folder is looked at once (lstat; a link is resolved): a folder that is not there
        yet will be made by the writer, a real folder."""
        if folder in self._safe or folder == self.output:
            return
        self._check_folder(folder.parent, rel)
        try:
            st = os.lstat(folder)
        except OSError:
            st = None
        if st is not None and (stat.S_ISLNK(st.st_mode) or getattr(st, "st_file_attributes", 0)
                               & stat.FILE_ATTRIBUTE_REPARSE_POINT):  # a link (or a Windows junction)
            root = self.output.resolve()
            real = folder.resolve()
            if real != root and root not in real.parents:
                raise SiteError(f"refusing to write '{rel}' outside the output folder",
                                hint=f"{folder} leads outside the output folder (a link); "
                                     "remove it.")
        self._safe.add(folder)

    def _prune(self, folder: Path) -> None:
        root = self.output
        while folder != root and root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent


class MemoryWriter:
    """A writer for tests: keeps the site in a dict."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write_site(self, files: Mapping[str, bytes | None]) -> WriteReport:
        files = {k: self.files[k] if v is None else v for k, v in files.items()}
        written = [k for k in files if self.files.get(k) != files[k]]
        deleted = sorted(self.files.keys() - files.keys())
        self.files = dict(files)
        return WriteReport(written, len(files) - len(written), deleted)
