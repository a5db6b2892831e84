"""The one writer that owns the disk: checks the output folder, then swaps files in atomically."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..errors import SiteError

MANIFEST = ".cxsite-manifest.json"


@dataclass
class WriteReport:
    written: list[str]
    unchanged: int
    deleted: list[str]


class Writer(Protocol):
    def write_site(self, files: dict[str, bytes]) -> WriteReport: ...


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


class DiskWriter:
    """Writes a whole site into one folder, touching only files it wrote before or writes now."""

    def __init__(self, output: Path, source: Path) -> None:
        self.output = output
        self.source = source

    def _previous(self) -> set[str] | None:
        manifest = self.output / MANIFEST
        if manifest.is_file():
            try:
                return set(json.loads(manifest.read_text(encoding="utf-8"))["files"])
            except (ValueError, KeyError, TypeError):
                return set()
        # the chart cache (cxsite/cache.py) may be written before the first manifest
        if self.output.is_dir() and any(p.name != ".cxsite-cache" for p in self.output.iterdir()):
            return None
        return set()

    def write_site(self, files: dict[str, bytes]) -> WriteReport:
        check_output_folder(self.output, self.source)
        previous = self._previous()
        if previous is None:
            raise SiteError(f"the output folder {self.output} is not empty and was not made by cxsite",
                            hint="choose an empty or new folder with --output, or empty this one "
                                 "(cxsite never deletes files it did not write).")
        staged: list[tuple[Path, Path, str]] = []
        unchanged = 0
        try:
            for rel in sorted(files):
                target = self._target(rel)
                data = files[rel]
                if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
                    unchanged += 1
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.cxsite-tmp")
                tmp.write_bytes(data)
                staged.append((tmp, target, rel))
        except OSError as exc:
            for tmp, _, _ in staged:
                tmp.unlink(missing_ok=True)
            raise SiteError(f"could not write the site into {self.output}: {exc.strerror}",
                            hint="check that the disk has space and the folder is writable; "
                                 "the previous site is untouched.") from None
        for tmp, target, _ in staged:  # every file is complete on disk; now swap them in
            os.replace(tmp, target)
        stale = sorted(previous - files.keys())
        for rel in stale:
            target = self._target(rel)
            target.unlink(missing_ok=True)
            self._prune(target.parent)
        (self.output / MANIFEST).write_text(json.dumps({"files": sorted(files)}, indent=0),
                                            encoding="utf-8")
        return WriteReport([rel for _, _, rel in staged], unchanged, stale)

    def _target(self, rel: str) -> Path:
        target = (self.output / rel).resolve()
        if self.output.resolve() not in target.parents:  # never outside the output folder
            raise SiteError(f"refusing to write '{rel}' outside the output folder",
                            hint="this is a bug in a block or template that names output files.")
        return target

    def _prune(self, folder: Path) -> None:
        root = self.output.resolve()
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

    def write_site(self, files: dict[str, bytes]) -> WriteReport:
        written = [k for k in files if self.files.get(k) != files[k]]
        deleted = sorted(self.files.keys() - files.keys())
        self.files = dict(files)
        return WriteReport(written, len(files) - len(written), deleted)
