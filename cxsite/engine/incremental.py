"""Incremental rebuilds for `serve`: after a change, re-read the front matter, re-render only
the pages whose inputs changed (every page when the navigation changed) and produce exactly
the files a clean build would.

The dependency graph is the one the full build records (`PageOutput.inputs`): each page lists
its source, the templates it uses, the data files its blocks read, cxsite.yaml and
"@navigation". A change of the config or of the navigation (any page's title, weight, URL,
draft flag or front matter, a page or content file added or removed) re-renders every page;
templates re-render the pages that use them; anything else re-renders the pages that list it.
Pages that had problems are always re-rendered, since what they were missing (a data file,
a linked page) may have appeared without being one of their recorded inputs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..config import Config
from ..content import Page, PageSource, discover, read_page
from ..errors import BuildFailed, Problem, Problems, SiteError
from .site import CONFIG_INPUT, PageOutput, SiteModel, load, render_all, site_files

STATIC_PREFIX = "templates/static"  # hashed asset names: every page links to them
LOCALES = "locales"  # the site's own translation catalogues


@dataclass
class Update:
    """What one rebuild did, as plain values."""

    ok: bool  # False: the site has errors (or warnings under strict); nothing should be written
    problems: list[Problem]
    pages: dict[str, bytes] = field(default_factory=dict)  # page files that differ from the last good site
    rendered: int = 0  # pages rendered
    full: bool = False  # every page was rendered


def touches(inputs: set[str], changed: set[str], folders: tuple[str, ...] | None = None) -> bool:
    """Whether a changed path (a file, or a folder holding files) is one of the inputs.

    `folders` may narrow the changed paths that can be folders, each ending in '/'.
    """
    if not inputs.isdisjoint(changed):
        return True
    folders = tuple(c + "/" for c in changed) if folders is None else folders
    return bool(folders) and any(i.startswith(folders) for i in inputs)


def nav_signature(model: SiteModel) -> tuple:
    """Everything one page may show of the others: the navigation tree with each page's front
    matter (section lists show descriptions), and the link targets. Compared with ==."""
    nodes = tuple(
        (n.url, n.title, n.weight, n.is_section, n.parent.url if n.parent else None,
         (n.page.source.rel, n.page.draft, n.page.meta) if n.page else None)
        for n in model.nav.order)
    return nodes, model.sitemap.pages, model.sitemap.assets


class IncrementalBuild:
    """The last rendered state of a site, brought up to date by update(changed paths).

    Paths are site-relative with '/', as the watcher reports them: "content/a.md",
    "data/x.csv", "templates/base.html", "cxsite.yaml", or a folder such as "content/old".
    """

    def __init__(self, config: Config, *, reload_config: Callable[[], Config] | None = None,
                 jobs: int | None = None) -> None:
        self.config = config
        self.reload_config = reload_config
        self.jobs = jobs
        self.model: SiteModel | None = None  # None: the next update renders everything
        self.outputs: dict[str, PageOutput] = {}  # url -> the page as rendered for `model`
        self.files: dict[str, bytes] = {}  # the last good site: what is on disk
        self._signature: tuple = ()
        self._discovered: tuple[list[PageSource], list[str]] = ([], [])
        self._unapplied: set[str] = set()  # changed since `model` when a load failed
        self._config_stale = False  # cxsite.yaml changed but could not be read yet
        self._dirty: set[str] = set()  # urls rendered since the last good site
        self._pages: dict[str, tuple[tuple, Page | None, list[Problem]]] = {}  # rel -> stat, page

    # --- the two phases ---------------------------------------------------------------------
    def update(self, changed: Iterable[str] | None = None) -> Update:
        """Bring the pages up to date with the sources; None means rebuild everything."""
        if changed is None:
            self._pages.clear()
            changed = set()
            everything = True
        else:
            changed = set(changed) | self._unapplied
            # a translation catalogue may be new to the site (a language that had none): all pages
            everything = self.model is None or CONFIG_INPUT in changed or any(
                p == LOCALES or p.startswith(LOCALES + "/") for p in changed)
        try:
            if everything:
                return self._full(changed, reload=CONFIG_INPUT in changed)
            return self._incremental(changed)
        except SiteError as exc:  # e.g. the content folder was removed
            self.model = None
            return Update(False, [exc.problem])
        except BuildFailed as exc:  # the config file has mistakes
            self.model = None
            return Update(False, exc.problems)

    def reset(self) -> None:
        """Forget what was rendered: the next update renders every page again."""
        self.model = None

    def finish(self) -> dict[str, bytes]:
        """The whole site after a good update: pages plus whole-site files (404, sitemap...)."""
        assert self.model is not None
        ordered = [self.outputs[n.url] for n in self.model.nav.order]
        self.files = site_files(self.model, ordered)
        self._dirty.clear()
        return self.files

    # --- internals ----------------------------------------------------------------------------
    def _full(self, changed: set[str], reload: bool) -> Update:
        self.model, self.outputs, self._unapplied = None, {}, set()
        problems = Problems()
        if (reload or self._config_stale) and self.reload_config is not None:
            self._config_stale = True
            self.config = self.reload_config()
            self._config_stale = False
        self._discover()
        model = load(self.config, problems, discovered=self._discovered,
                     read=lambda s, d, p: self._read(s, d, p, changed))
        if model is None:
            return Update(False, problems.items)
        return self._render(model, [n.url for n in model.nav.order], problems, full=True)

    def _incremental(self, changed: set[str]) -> Update:
        assert self.model is not None
        if any(self._is_structural(p) for p in changed):
            self._discover()
        templates = any(p == "templates" or p.startswith("templates/") for p in changed)
        problems = Problems()
        model = load(self.config, problems, theme=None if templates else self.model.theme,
                     discovered=self._discovered, read=lambda s, d, p: self._read(s, d, p, changed))
        if model is None or problems.errors:
            # Rendering cannot make a failed site good; keep the last rendered state and
            # remember the change for when the mistake is fixed.
            self._unapplied = changed
            return Update(False, problems.items)
        signature = nav_signature(model)
        # a static file renames its hashed asset, which every page links to
        everything = signature != self._signature or any(
            p in ("templates", STATIC_PREFIX) or p.startswith(STATIC_PREFIX + "/") for p in changed)
        if everything:
            urls = [n.url for n in model.nav.order]
        else:
            source = self.config.source
            folders = tuple(p + "/" for p in changed if not (source / p).is_file())
            urls = [n.url for n in model.nav.order if self.outputs[n.url].problems or
                    touches(self.outputs[n.url].inputs, changed, folders)]
        return self._render(model, urls, problems, full=everything, signature=signature)

    def _render(self, model: SiteModel, urls: list[str], problems: Problems, *, full: bool,
                signature: tuple | None = None) -> Update:
        outputs = render_all(model, urls, self.jobs)
        if full:
            self.outputs = {}
        self.outputs.update((o.url, o) for o in outputs)
        self.model, self._unapplied = model, set()
        self._signature = signature if signature is not None else nav_signature(model)
        self._dirty.update(urls)
        for n in model.nav.order:
            problems.extend(self.outputs[n.url].problems)
        failed = bool(problems.errors or (self.config.strict and problems.warnings))
        if failed:
            return Update(False, problems.items, rendered=len(urls), full=full)
        pages: dict[str, bytes] = {}
        for url in sorted(self._dirty):
            o = self.outputs.get(url)
            if o is None:
                continue
            for path, data in [*o.files.items(), (o.path, o.html)]:
                if self.files.get(path) != data:
                    pages[path] = data
        return Update(True, problems.items, pages, len(urls), full)

    def _discover(self) -> None:
        self._discovered = discover(self.config.content_dir, self.config.languages)
        live = {s.rel for s in self._discovered[0]}
        self._pages = {rel: v for rel, v in self._pages.items() if rel in live}

    def _is_structural(self, path: str) -> bool:
        """Whether a change may add, remove or move a content file (so pages must be listed again)."""
        if path == "content" or path.startswith("content/"):
            rel = path[len("content/"):]
            sources, assets = self._discovered
            known = rel in assets or any(s.rel == rel for s in sources)
            return not (known and (self.config.content_dir / rel).is_file())
        return False

    def _read(self, source: PageSource, content_dir: Path, problems: Problems,
              changed: set[str] = frozenset()) -> Page | None:
        """read_page, skipped for files that did not change since they were last read."""
        try:
            st = os.stat(os.path.join(content_dir, source.rel))
            key: tuple = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None  # removed since it was listed: its deletion event is on its way
        cached = self._pages.get(source.rel)
        if cached and cached[0] == key and source.file not in changed:
            page, found = cached[1], cached[2]
        else:
            sub = Problems()
            page = read_page(source, content_dir, sub)
            found = sub.items
            self._pages[source.rel] = (key, page, found)
        problems.extend(found)
        return page
