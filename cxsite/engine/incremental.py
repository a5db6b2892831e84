"""Incremental rebuilds, for `serve` (after each save) and for `build` (after the record of the
last build, see engine/state.py): re-read what changed, redo only the pages whose inputs
changed, and produce exactly the files a clean build would.

A page is made in two stages (engine/site.py): its body (Markdown and blocks: depends on the
page's file, the data files its blocks read, the list of pages and files it may link to, and
the config) and its page (the body in a template: depends on the templates, the theme's assets
and the navigation). The dependency graph is the one each page records (`PageOutput.inputs`,
and its body's inputs):

- cxsite.yaml, when what it says changed: everything again;
- the navigation (any page's title, weight, URL, draft flag or front matter; a page added or
  removed): every page's template stage, and every body when the set of pages or files changed;
- a template: the template stage of the pages that use it;
- a theme asset's content (style.css): only its content-hashed name changes, so the pages get
  the new name in place of the old one, without rendering;
- a page's file or a data file: the pages that list it.

Pages that had problems are always rendered again, since what they were missing (a data file,
a linked page) may have appeared without being one of their recorded inputs.
"""
from __future__ import annotations

import copy
import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..config import Config
from ..content import Page, PageSource, discover, read_page
from ..errors import BuildFailed, Problem, Problems, SiteError
from ..markup import Rendered
from ..search.index import SearchIndex
from .state import BodyLog
from .site import (CONFIG_INPUT, TODAY_INPUT, PageOutput, Renderer, SearchBundles, SiteModel,
                   Work, asset_files, flush_cache, languages_model, load, made_parts, search_index,
                   settle_privacy)

STATIC_PREFIX = "templates/static"  # hashed asset names: every page links to them
CHART_THEME = "templates/charts/"  # the theme's chart script and styles (charts.figure)
LOCALES = "locales"  # the site's own translation catalogues
EARLY_POOL_PAGES = 60  # a full build of this many pages starts its workers before loading


@dataclass
class Update:
    """What one rebuild did, as plain values."""

    ok: bool  # False: the site has errors (or warnings under strict); nothing should be written
    problems: list[Problem]
    pages: dict[str, bytes] = field(default_factory=dict)  # page files that differ from the last good site
    rendered: int = 0  # pages rendered (or given new asset names)
    full: bool = False  # every page was rendered (the navigation, config or theme changed)


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
                 jobs: int | None = None, renderer: Renderer | None = None) -> None:
        self.config = config
        self.reload_config = reload_config
        self.renderer = renderer or Renderer(jobs)
        self.model: SiteModel | None = None  # None: the next update renders everything
        self.outputs: dict[str, PageOutput] = {}  # url -> the page as rendered for `model`
        self.files: dict[str, bytes | None] = {}  # the last good site (None: on disk, not in memory)
        self.written: dict[str, bytes | None] = {}  # what the writer last wrote (see finish)
        self.today = config.effective_today()
        self._signature: tuple = ()
        self._assets: dict[str, str] = {}  # the theme's asset names -> hashed paths, for `model`
        self._discovered: tuple[list[PageSource], list[str]] = ([], [])
        self._unapplied: set[str] = set()  # changed since `model` when a load failed
        self._config_stale = False  # cxsite.yaml changed but could not be read yet
        self._dirty: set[str] = set()  # urls rendered since the last good site
        self._pages: dict[str, tuple[tuple, Page | None, list[Problem]]] = {}  # rel -> stat, page
        self._content: dict[str, bytes] = {}  # content files (not pages) as last read
        self._index: dict[str, bytes] | None = None  # the search index of `outputs`; None: to be made
        self._search = SearchIndex()  # kept, so that only the pages that changed are indexed again
        self._redo: set[str] = set()  # pages whose files on disk were deleted or edited
        self._made: dict[str, tuple] = {}  # part of made_files() -> (what it shows, its files)
        self.search_behind = False  # the last finish() kept an old search page and index
        # bodies kept in the build's record rather than in memory: url -> (where, their inputs)
        self._stored: dict[str, tuple[tuple[int, int], frozenset[str]]] = {}
        self.body_log: BodyLog | None = None
        self.read_output: Callable[[str], bytes | None] = lambda path: None  # see _new_names
        self.progress: Callable[[int, int], None] | None = None
        self.verdict: dict = {}  # the privacy audit's last verdict: pages are rendered with it
        # given pages as made, and other files made with them (see SearchBundles)
        self.rendered: Callable[[list[PageOutput], dict[str, bytes]], None] | None = None
        # the build record's log, to add pages' bodies to as they are made (see snapshot())
        self.early_log: BodyLog | None = None
        self._logged: dict[str, tuple[tuple[int, int], Rendered]] = {}  # url -> where, what
        self.expect: Callable[[list[str]], None] | None = None  # ... and their paths before
        self.preread: dict[str, tuple[tuple, bytes]] = {}  # pages' bytes read already, by stat

    # --- the two phases ---------------------------------------------------------------------
    def update(self, changed: Iterable[str] | None = None) -> Update:
        """Bring the pages up to date with the sources; None means rebuild everything."""
        try:
            if changed is None:
                self._pages.clear()
                self._content.clear()
                return self._full(set())
            changed = set(changed) | self._unapplied
            if CONFIG_INPUT in changed or self._config_stale:
                if self._config_changed():
                    return self._full(changed)
                changed.discard(CONFIG_INPUT)
            if self.model is None:
                return self._full(changed)
            if any(p == LOCALES or p.startswith(LOCALES + "/") for p in changed):
                return self._full(changed)  # a catalogue may be new (a language that had none)
            today = self.config.effective_today()
            if today != self.today:
                changed.add(TODAY_INPUT)
            return self._incremental(changed)
        except SiteError as exc:  # e.g. the content folder was removed
            self.model = None
            return Update(False, [exc.problem])
        except BuildFailed as exc:  # the config file has mistakes
            self.model = None
            return Update(False, exc.problems)

    def redo(self, urls: Iterable[str]) -> None:
        """Render these pages again at the next update (their files on disk were damaged)."""
        self._redo.update(urls)

    def reindex(self) -> None:
        """Make every search index file anew at the next finish (some were damaged on disk)."""
        self._search, self._index = SearchIndex(), None

    def reset(self) -> None:
        """Forget what was rendered: the next update renders every page again."""
        self.model = None

    def finish(self, search: bool = True) -> dict[str, bytes | None]:
        """The whole site after a good update (pages plus whole-site files: 404, sitemap...),
        for the writer: the bytes of each file that may differ from what was last written,
        None for each file known to be unchanged. Call wrote() once it is on disk.

        `search` False keeps the last search page and index when only the index is out of
        date (`serve` shows the saved page first, then makes the index: nothing but the
        search page links to it); `search_behind` then says so."""
        assert self.model is not None
        ordered = [self.outputs[n.url] for n in self.model.nav.order]
        site = (self._signature, id(self.model.theme), self.config)
        kept = self._made.get("search")
        self.search_behind = not search and kept is not None and kept[0][0] == site and \
            (self._index is None or kept[0][1] is not self._index)
        if self._index is None and not self.search_behind:
            self._index = search_index(ordered, self._search, model=self.model)
        files = asset_files(self.model, self._read_content)
        for o in ordered:
            files.update(o.files)
            files[o.path] = o.html
        files.update(self._made_files(ordered, site))
        for path, data in files.items():  # the same bytes again: keep the object, so `is` tells
            old = self.files.get(path)
            if data is None:  # a search file unchanged since the build's record: as it was
                files[path] = old
            elif old is not None and old is not data and old == data:
                files[path] = old
        self.files = files
        self._dirty.clear()
        return {p: None if d is None or self.written.get(p) is d else d for p, d in files.items()}

    def _made_files(self, ordered: list[PageOutput], site: tuple) -> dict[str, bytes]:
        """made_files(), each part again only when what it shows changed: on 1,000 pages the
        404 and search pages (they hold the menu) and the index cost more than a page."""
        shows = {"bundles": frozenset().union(*(o.needs for o in ordered)), "404": site,
                 "search": (site, self._index), "sitemap": site}
        files: dict[str, bytes] = {}
        for name, make in made_parts(self.model, ordered, self._index).items():
            behind = name == "search" and self.search_behind
            if self._made.get(name, (None,))[0] != shows[name] and not behind:
                self._made[name] = (shows[name], make())
            files.update(self._made[name][1])
        return files

    def wrote(self) -> None:
        """The site from the last finish() is on disk now."""
        self.written = dict(self.files)

    def close(self, now: bool = False) -> None:
        """Stop the render workers (`now`: without waiting for them, after Ctrl+C)."""
        self.renderer.close(now)

    # --- kept between builds (engine/state.py) --------------------------------------------------
    def snapshot(self, log: BodyLog) -> dict:
        """What the next build needs to go on from here: plain values, without the pages'
        HTML (that is on disk); their bodies (for template changes) go into `log`, each once."""
        assert self.model is not None
        same = self.body_log is not None and log.ident == self.body_log.ident
        stored = {u: v for u, v in self._stored.items() if u in self.outputs} if same else {}
        refs = log.compact({u: ref for u, (ref, _) in stored.items()}) if stored else {}
        stored = {u: (refs[u], stored[u][1]) for u in refs}
        fresh = {u: o.body for u, o in self.outputs.items() if o.body is not None and u not in stored}
        logged = self._logged if self.early_log is not None and log.ident == self.early_log.ident else {}
        for u, (ref, body) in logged.items():
            if fresh.get(u) is body:  # added as it was made, and not made again since
                stored[u] = (ref, frozenset(body.inputs))
                del fresh[u]
        self.early_log, self._logged = None, {}
        for u, ref in log.append(fresh).items():
            stored[u] = (ref, frozenset(fresh[u].inputs))
        self._stored, self.body_log = stored, log
        for u in stored:  # from now on read back from the log when needed
            self.outputs[u].body = None
        outputs = {u: _on_disk(o) for u, o in self.outputs.items()}
        return {"pages": self.model.pages, "sitemap": self.model.sitemap,
                "content_assets": self.model.content_assets, "outputs": outputs,
                "signature": self._signature, "assets": self._assets,
                "discovered": self._discovered, "read": self._pages,
                "today": self.today, "files": list(self.files),
                "bodies": (log.ident, stored), "verdict": self.verdict,
                "search": self._search}

    def restore(self, saved: dict, log: BodyLog) -> None:
        """Go on from a snapshot() of the last build (made with an equal config)."""
        pages = saved["pages"]
        self.model = languages_model(self.config, pages, saved["sitemap"], None,  # type: ignore[arg-type]
                                     saved["content_assets"])
        self.outputs = saved["outputs"]
        self._signature, self._assets = saved["signature"], saved["assets"]
        self._discovered, self._pages = saved["discovered"], saved["read"]
        self._index, self.today = None, saved["today"]
        self.verdict = saved["verdict"]
        self.model.verdict = self.verdict
        self._search = saved["search"]  # what the index files on disk were made from
        self.files = dict.fromkeys(saved["files"])
        ident, self._stored = saved["bodies"]
        self.body_log = log if log.ident == ident else None

    def fill(self, read: Callable[[str], bytes | None]) -> list[str]:
        """Read into memory the files of the last good site that are only on disk (after a
        restore); returns the URLs of pages whose files could not be read (changed since)."""
        missing = set()
        for url, o in self.outputs.items():
            if o.html is None or None in o.files.values():
                html = o.html if o.html is not None else read(o.path)
                files = {p: d if d is not None else read(p) for p, d in o.files.items()}
                if html is None or None in files.values():
                    missing.add(url)
                    continue
                self.outputs[url] = dataclasses.replace(o, html=html, files=files)
                self.files[o.path] = html
                self.files.update(files)
        for path, data in self.files.items():
            if data is None:
                self.files[path] = read(path)
        self.written = dict(self.files)
        return sorted(missing)

    def has_drafts(self) -> bool:
        """Whether any page read is a draft (the published site then differs from `serve`'s)."""
        return any(page is not None and page.draft for _, page, _ in self._pages.values())

    def confirm(self, rels: Iterable[str], times: dict[str, tuple[int, int]] | None = None) -> None:
        """These content files did not change their content, though maybe their time (a fresh
        checkout): remember their new stat so they are not read again. `times` (rel -> size and
        time now) spares looking at files whose size and time are the ones remembered."""
        content_dir = str(self.config.content_dir)
        for rel in rels:
            cached = self._pages.get(rel)
            if cached is None:
                continue
            if times is not None and times.get(rel) == (cached[0][1], cached[0][0]):
                continue
            try:
                st = os.stat(os.path.join(content_dir, rel))
            except OSError:
                continue
            self._pages[rel] = ((st.st_mtime_ns, st.st_size, st.st_ino), cached[1], cached[2])

    # --- internals ----------------------------------------------------------------------------
    def _config_changed(self) -> bool:
        """Read cxsite.yaml again; whether what it says differs (comments and spacing do not)."""
        if self.reload_config is None:
            return True
        self._config_stale = True
        config = self.reload_config()  # raises BuildFailed while the file has mistakes
        self._config_stale = False
        if config == self.config:
            return False
        self.config = config
        return True

    def _full(self, changed: set[str]) -> Update:
        self.model, self.outputs, self._unapplied, self._index = None, {}, set(), None
        self._content.clear()
        problems = Problems()
        self._discover()
        if len(self._discovered[0]) >= EARLY_POOL_PAGES:
            self.renderer.start(self.config)  # the workers get ready while the pages are read
        self.today = self.config.effective_today()
        model = load(self.config, problems, discovered=self._discovered,
                     read=lambda s, d, p: self._read(s, d, p, changed))
        if model is None:
            return Update(False, problems.items)
        urls = [n.url for n in model.nav.order]
        return self._render(model, urls, [], problems, full=True)

    def _incremental(self, changed: set[str]) -> Update:
        old = self.model
        assert old is not None
        if any(self._is_structural(p) for p in changed):
            self._discover()
        for p in changed:
            if p.startswith("content/"):
                self._content.pop(p[len("content/"):], None)
        templates = any(p == "templates" or p.startswith("templates/") for p in changed)
        problems = Problems()
        model = load(self.config, problems,
                     theme=None if templates or old.theme is None else old.theme,
                     discovered=self._discovered, read=lambda s, d, p: self._read(s, d, p, changed))
        if model is None or problems.errors:
            # Rendering cannot make a failed site good; keep the last rendered state and
            # remember the change for when the mistake is fixed.
            self._unapplied = changed
            return Update(False, problems.items)
        signature = nav_signature(model)
        nav_changed = signature != self._signature
        links_changed = nav_changed and signature[1:] != self._signature[1:]
        renamed = self._renamed_assets(model)
        if any(p.startswith(CHART_THEME) for p in changed):
            renamed = None  # the chart script's hashed name is in every chart page's <head>
            self._made.pop("bundles", None)  # ... and is the name the bundle is written under
        source = self.config.source
        folders = tuple(p + "/" for p in changed if not (source / p).is_file())
        bodies: list[str] = []
        pages: list[str] = []
        new_names: list[str] = []
        for n in model.nav.order:
            o = self.outputs.get(n.url)
            if o is None or o.problems or links_changed or not self._has_body(o) or \
                    touches(self._body_inputs(o, n.page), changed, folders):
                bodies.append(n.url)
            elif nav_changed or renamed is None or n.url in self._redo or \
                    touches(o.inputs, changed, folders):
                pages.append(n.url)
            elif renamed:
                new_names.append(n.url)
        missing = self._new_names(new_names, renamed or {})
        pages.extend(missing)
        full = nav_changed or renamed is None
        return self._render(model, bodies, pages, problems, full=full, signature=signature,
                            renamed=len(new_names) - len(missing))

    def _as_made(self, model: SiteModel, full: bool) -> Callable[[list[PageOutput]], None] | None:
        """What to do with each group of pages as it is made: hand them to `rendered` with
        the files of a new search index they complete, and log their bodies. Pages that
        publish figures of protected files wait for the site-wide privacy audit (the end of
        _render): what the audit withholds must never reach a file, not even for a while."""
        made = self.rendered
        if made is None:
            return None
        # a new search index: the files of its pages' texts are made as their pages are
        bundles = SearchBundles(model, self._search) if full and self._search.empty else None

        def done(outputs: list[PageOutput]) -> None:
            settled = [o for o in outputs if not o.privacy]
            made(settled, bundles.add(settled) if bundles else {})
            self._log_early(settled)
        return done

    def _log_early(self, outputs: list[PageOutput]) -> None:
        """Add the pages' bodies to the build record's log now, while other pages render,
        rather than all in snapshot() once the site is made."""
        if self.early_log is None:
            return
        bodies = {o.url: o.body for o in outputs if o.body is not None}
        try:
            refs = self.early_log.append(bodies)
        except OSError:  # snapshot() tries again, and a full disk costs only the next build's speed
            self.early_log = None
            return
        self._logged.update({url: (ref, bodies[url]) for url, ref in refs.items()})

    def _has_body(self, o: PageOutput) -> bool:
        return o.body is not None or (o.url in self._stored and self.body_log is not None)

    def _body_inputs(self, o: PageOutput, page: Page | None) -> set[str]:
        """What a page's body was made from: its file and what its blocks read."""
        own = {page.source.file} if page is not None else set()
        if o.body is not None:
            return own | o.body.inputs
        return own | set(self._stored[o.url][1]) if o.url in self._stored else own

    def _body(self, url: str) -> Rendered | None:
        """A page's body, from memory or the build's record (None: it must be made again)."""
        o = self.outputs[url]
        if o.body is None and url in self._stored and self.body_log is not None:
            o.body = self.body_log.get(self._stored[url][0])  # still in the log, unchanged
        return o.body

    def _renamed_assets(self, model: SiteModel) -> dict[str, str] | None:
        """Old -> new hashed path of each theme asset whose content changed; None when assets
        were added or removed (a template may refer to them: every page is rendered again)."""
        new = model.theme.assets
        if new.keys() != self._assets.keys():
            return None
        return {self._assets[k]: new[k] for k in new if self._assets[k] != new[k]}

    def _new_names(self, urls: list[str], renamed: dict[str, str]) -> list[str]:
        """Give pages the new names of changed theme assets, in place of the old ones: the
        content hash is the only thing of an asset a page holds. Returns the pages that must
        be rendered after all (their HTML is neither in memory nor readable)."""
        missing = []
        swaps = [(a.encode(), b.encode()) for a, b in renamed.items()]
        for url in urls:
            o = self.outputs[url]
            html = o.html if o.html is not None else self.read_output(o.path)
            if html is None:
                missing.append(url)
                continue
            for a, b in swaps:
                html = html.replace(a, b)
            self.outputs[url] = dataclasses.replace(o, html=html)
            self._dirty.add(url)
        return missing

    def _render(self, model: SiteModel, bodies: list[str], pages: list[str], problems: Problems,
                *, full: bool, signature: tuple | None = None, renamed: int = 0) -> Update:
        """Render `bodies` fully and `pages` with their bodies kept; settle privacy across the
        site (pages whose part of the audit's verdict changed are rendered again, as a clean
        build's would be); collect the problems and the page files that changed."""
        model = dataclasses.replace(model, verdict=self.verdict)  # the likeliest: fewest redone
        stale = set(bodies) | set(pages)
        urls = [n.url for n in model.nav.order if n.url in stale]
        kept = {u: self._body(u) for u in pages}
        work = Work(urls, {u: b for u, b in kept.items() if b is not None})  # else made again
        if self.expect is not None:
            self.expect([u + "index.html" for u in urls])  # each page's path (render_page)
        outputs = self.renderer.render(model, work, self.progress, self._as_made(model, full))
        for o in outputs:
            before = self.outputs.get(o.url)
            if before is None or before.search != o.search:
                self._index = None
            if before is not None and o.url in work.bodies:
                o.cache_keys |= before.cache_keys  # the body's entries are still in use
            else:
                self._stored.pop(o.url, None)  # a new body, kept in memory
            self.outputs[o.url] = o
        if set(self.outputs) != set(model.nav.by_url):
            self.outputs = {n.url: self.outputs[n.url] for n in model.nav.order}
            self._index = None
        ordered = [self.outputs[n.url] for n in model.nav.order]
        model, settled = settle_privacy(model, ordered, self.renderer, self.progress)
        for old, new in zip(ordered, settled):
            if new is not old:
                if old.search != new.search:
                    self._index = None
                self._stored.pop(new.url, None)  # a new body, kept in memory
                self.outputs[new.url] = new
                urls.append(new.url)
        urls = list(dict.fromkeys(urls))
        self.verdict = model.verdict
        self.model, self._unapplied, self._redo = model, set(), set()
        self._signature = signature if signature is not None else nav_signature(model)
        self._assets = dict(model.theme.assets)
        self.today = self.config.effective_today()
        self._dirty.update(urls)
        for n in model.nav.order:
            problems.extend(self.outputs[n.url].problems)
        done = len(urls) + renamed
        failed = bool(problems.errors or (self.config.strict and problems.warnings))
        if failed:
            return Update(False, problems.items, rendered=done, full=full)
        flush_cache(model.config, [self.outputs[u] for u in urls])
        changed_files: dict[str, bytes] = {}
        for url in sorted(self._dirty):
            o = self.outputs.get(url)
            if o is None:
                continue
            for path, data in [*o.files.items(), (o.path, o.html)]:
                old = self.files.get(path)
                if data is not None and old is not data and old != data:
                    changed_files[path] = data
        return Update(True, problems.items, changed_files, done, full)

    def _read_content(self, rel: str) -> bytes:
        data = self._content.get(rel)
        if data is None:
            data = self._content[rel] = (self.config.content_dir / rel).read_bytes()
        return data

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
            pre = self.preread.pop(source.rel, None)
            page = read_page(source, content_dir, sub, pre[1] if pre and pre[0] == key else None)
            found = sub.items
            self._pages[source.rel] = (key, page, found)
        problems.extend(found)
        return page


def _on_disk(o: PageOutput) -> PageOutput:
    """A page as a build's record keeps it: its files are on disk, its body in the log."""
    kept = copy.copy(o)  # dataclasses.replace() costs ten times as much on 5,000 pages
    kept.html, kept.files, kept.body = None, dict.fromkeys(o.files), None
    return kept
