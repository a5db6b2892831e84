"""The plain values the build passes around and returns: the loaded site, a rendered page,
the result of a build. Defined apart from engine/site.py so that a build with nothing to do can
answer without importing Markdown or Jinja; engine/site.py re-exports them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..privacy.ledger import PagePrivacy

TODAY_INPUT = "@today"  # pseudo-input of pages that show the real date (a roadmap's 'today')

if TYPE_CHECKING:
    from ..config import Config
    from ..content import Page
    from ..errors import Problem
    from ..i18n import Reader
    from ..markup import Rendered, SiteMap
    from ..nav import Navigation
    from ..render import Theme
    from ..search.record import SearchRecord
    from .output import WriteReport


@dataclass
class SiteModel:
    """Everything load() found: validated, in memory, nothing written."""

    config: Config
    pages: list[Page]
    nav: Navigation
    sitemap: SiteMap
    theme: Theme  # None in a build's record until the theme is needed again
    content_assets: list[str]
    verdict: dict = field(default_factory=dict)  # aggregates the privacy audit withholds
    readers: dict[str, Reader] = field(default_factory=dict)  # language code ('' default) -> reader


@dataclass
class PageOutput:
    """One rendered page and what it used, as plain values."""

    url: str
    path: str
    html: bytes | None  # None: not in memory, on disk as the last build wrote it
    problems: list[Problem]
    inputs: set[str]
    files: dict[str, bytes | None]
    links: set[str]
    search: SearchRecord | None = None  # this page's entry in the search index
    needs: set[str] = field(default_factory=set)  # site-wide asset bundles, e.g. "vega"
    cache_keys: set[str] = field(default_factory=set)  # cache entries used ('kind/key')
    body: Rendered | None = None  # the Markdown part, reused when only the template must be redone
    privacy: PagePrivacy = field(default_factory=PagePrivacy)  # aggregates of protected files
    cache_writes: list = field(default_factory=list)  # chart cache entries held for the audit


@dataclass
class BuildResult:
    files: dict[str, bytes | None]  # None: on disk, unchanged since the last build
    problems: list[Problem]
    dependencies: dict[str, set[str]]  # output path -> inputs
    pages: int
    report: WriteReport | None = None
    outputs: dict[str, PageOutput] = field(default_factory=dict)
    rendered: int = 0  # pages rendered by this build (0: nothing had changed)
