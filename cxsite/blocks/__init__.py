"""The registry of fenced blocks (```chart ...) and inline citations ({{kpi nps}}).

A block handler receives the block's options and a BlockContext, and returns HTML. It never
touches the disk: files it wants published go through ctx.add_file, data it reads is named
through ctx.add_input so the incremental build knows what the page depends on.
"""
from __future__ import annotations

from dataclasses import dataclass, field
import importlib
from typing import Any, Callable

from ..config import Config
from ..errors import SiteError
from ..privacy.ledger import PagePrivacy, Verdict


@dataclass
class BlockContext:
    """What a block or inline citation may know about where it stands and what it may emit."""

    config: Config
    file: str  # the page's file as users see it, e.g. content/kpis.md
    page_url: str  # site-relative URL of the page
    line: int | None = None
    inputs: set[str] = field(default_factory=set)  # site-relative paths read (data/x.csv)
    files: dict[str, bytes] = field(default_factory=dict)  # extra outputs: path -> bytes
    needs: set[str] = field(default_factory=set)  # page features, e.g. "vega"
    warnings: list = field(default_factory=list)  # Problems of severity warning
    counter: dict[str, int] = field(default_factory=dict)  # per-page numbering of blocks
    verdict: Verdict = field(default_factory=dict)  # the site-wide audit's withheld aggregates
    privacy: PagePrivacy = field(default_factory=PagePrivacy)  # what the page publishes of protected files
    private: bool = False  # the page read a protected file: its cache entries wait for the audit
    cache_writes: list = field(default_factory=list)  # (kind, key, bytes) held back while private
    option_lines: dict[str, int] = field(default_factory=dict)  # option ('where.kpi') -> file line

    def line_of(self, key: str | None) -> int | None:
        """The file line of one of the block's options, else the block's own line."""
        if key is not None and key in self.option_lines:
            return self.option_lines[key]
        return self.line

    def error(self, message: str, hint: str | None = None, *, key: str | None = None) -> SiteError:
        """A SiteError at this block, on the line of option `key` when one is named."""
        return SiteError(message, file=self.file, line=self.line_of(key), hint=hint)

    def add_input(self, path: str) -> None:
        self.inputs.add(path)

    def add_file(self, path: str, data: bytes) -> str:
        """Publish a file at a site-relative path; returns the path."""
        self.files[path] = data
        return path

    def next_id(self, kind: str) -> str:
        """A stable per-page id for the n-th block of a kind ('chart-1', 'chart-2', ...)."""
        self.counter[kind] = self.counter.get(kind, 0) + 1
        return f"{kind}-{self.counter[kind]}"


# name -> (module, function, whether the body is YAML). Modules import lazily, so pages
# without blocks never pay for pandas or altair.
BLOCK_TYPES: dict[str, tuple[str, str, bool]] = {
    "chart": ("cxsite.blocks.chart", "render_block", True),
    "vega-lite": ("cxsite.blocks.chart", "render_vegalite", False),
    "kpi": ("cxsite.cx.kpi.block", "render_block", True),
    "roadmap": ("cxsite.cx.roadmap.block", "render_block", True),
    "survey": ("cxsite.cx.survey.block", "render_block", True),
}
# {{name args}} -> (module, function); the function gets the argument text and returns text.
INLINE_TYPES: dict[str, tuple[str, str]] = {
    "value": ("cxsite.blocks.cite", "render_inline"),
    "kpi": ("cxsite.cx.kpi.block", "render_inline"),
}


def _load(module: str, function: str) -> Callable | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None  # not built yet: the block shows as plain code
        raise
    return getattr(mod, function, None)


def block_handler(name: str) -> tuple[Callable[[Any, BlockContext], str], bool] | None:
    """The handler for a fenced block type and whether it wants parsed YAML, or None."""
    entry = BLOCK_TYPES.get(name)
    fn = entry and _load(entry[0], entry[1])
    return (fn, entry[2]) if fn else None


def inline_handler(name: str) -> Callable[[str, BlockContext], str] | None:
    entry = INLINE_TYPES.get(name)
    return entry and _load(*entry)


# Site-wide asset bundles a block can ask for with ctx.needs.add(name): name -> (module, function).
# The function takes the Config and returns [(site-relative path, bytes)]; .js files become deferred scripts and
# .css files stylesheets on the pages that need them, and each file is written once per site.
ASSET_BUNDLES: dict[str, tuple[str, str]] = {
    "vega": ("cxsite.charts.figure", "vega_assets"),
}


def asset_bundle(name: str, config: Config) -> list[tuple[str, bytes]]:
    entry = ASSET_BUNDLES.get(name)
    fn = entry and _load(*entry)
    return list(fn(config)) if fn else []
