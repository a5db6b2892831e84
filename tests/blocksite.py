"""Helpers for the component tests: build a small site with blocks, read pages and problems."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.errors import BuildFailed
from cxsite.engine.output import DiskWriter, MemoryWriter
from cxsite.engine.site import build_site


def page(body: str, title: str = "Test") -> str:
    """A page whose body starts on line 4 (after three lines of front matter)."""
    return f"---\ntitle: {title}\n---\n{body.strip()}\n"


def build(src: Path, **kw) -> dict[str, bytes]:
    return build_site(load_config(src, **kw), MemoryWriter()).files


def build_to_disk(src: Path, out: Path) -> dict[str, bytes]:
    """Build to a real output folder and return every file written there, by relative path."""
    config = load_config(src, out)
    build_site(config, DiskWriter(config.output, src))
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()
            and ".cxsite-cache" not in p.parts}


def html(files: dict[str, bytes], url: str = "") -> str:
    return files[url + "index.html"].decode("utf-8")


def problems(src: Path, **kw) -> list[str]:
    """The formatted problems of a build that must fail."""
    with pytest.raises(BuildFailed) as exc:
        build(src, **kw)
    return [p.format() for p in exc.value.problems]


def warnings(src: Path) -> list[str]:
    """Warnings of a build that succeeds (they fail it under --strict)."""
    config = load_config(src)
    result = build_site(config, MemoryWriter())
    return [p.format() for p in result.problems if p.severity == "warning"]


def text_of(fragment: str) -> str:
    """Visible text of some HTML, whitespace collapsed (what a screen reader would read)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()
    return re.sub(r" ([.,;:)])", r"\1", text)


_GEOMETRY = re.compile(rb' (d|transform|x|y|width|height|x1|x2|y1|y2|cx|cy|points|viewBox)="[^"]*"')


def leaks(files: dict[str, bytes], needles: list[str]) -> list[str]:
    """'path: needle' for each needle found in any file but the Vega library (the same for every
    site). SVG geometry (path data, positions) is left out: pixel coordinates such as 61.44 would
    match a needle by chance."""
    return [f"{path}: {n}" for path, data in files.items() for n in needles
            if "vega-bundle." not in path and n.encode() in _GEOMETRY.sub(b"", data)]
