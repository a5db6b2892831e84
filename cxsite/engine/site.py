"""The build in two phases: load() reads and validates the whole site, then pages are
rendered (in parallel) and handed to the writer in one go. Each output records its inputs
so an incremental build can redo just what a change touches."""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import jinja2

from ..config import CLOCK_READ, Config
from ..content import Page, PageSource, check_unique_urls, discover, read_page, relative_url
from ..errors import Problem, Problems, SiteError
from ..i18n import ENGLISH_READER, N_, Language, Reader, _, activate, make_language, reader_for
from ..markup import Rendered, SiteMap, convert, fence_lines, heading_title
from ..nav import NavNode
from ..search.index import PAGES_PER_FILE, SearchIndex
from ..search.record import SearchRecord
from ..search.record import record as search_record
from .. import translations
from .cache import recording as cache_recording
from .state import collector_relaxed
from .values import TODAY_INPUT, BuildResult, PageOutput, SiteModel  # noqa: F401 (shared values)
from .output import Writer
from .pool import RenderPool, WorkerFailed
from ..render import (ASSET_DIR, PageView, Theme, Warmed, _template_error, bundle_files,
                     bundle_tags, load_theme, messages_asset, page_context, use_warmed, warmed)

CONFIG_INPUT = "cxsite.yaml"
NAV_INPUT = "@navigation"  # pseudo-input: the titles, weights and URLs of all pages
SEARCH_URL = "search/"


def load(config: Config, problems: Problems, *, theme: Theme | None = None,
         discovered: tuple[list[PageSource], list[str]] | None = None,
         read: Callable[[PageSource, Path, Problems], Page | None] = read_page) -> SiteModel | None:
    """Read the config, every page and the theme; every problem found goes to `problems`.

    `serve` passes the theme, the file list and a caching page reader it already has.
    """
    sources, assets = discovered or discover(config.content_dir, config.languages)
    if not sources:
        problems.warning("the content folder has no pages, so the site is empty", file="content/",
                         hint="add a Markdown page such as content/index.md.")
    check_unique_urls(sources, problems)
    translations.check_files(sources, config, problems)
    search_urls = {lang.prefix + SEARCH_URL for lang in config.languages}
    for s in sources:
        if s.url in search_urls:
            problems.error(f"the address /{s.url} is kept for the site's search page",
                           file=s.file, hint="rename the page or its folder.")
    readers: dict[str, Reader] = {}
    for lang in config.languages:
        try:
            reader = readers[lang.code if lang.prefix else ""] = reader_for(lang, config.source)
        except SiteError as exc:  # a site's own catalogue with a mistake
            problems.add(exc.problem)
            continue
        if reader.catalogue.empty and lang.babel.language != "en":
            problems.warning(f"there is no translation of the site's menus and buttons into "
                             f"'{lang.code}', so they are in English", file=CONFIG_INPUT,
                             hint=f"add a translation file locales/{lang.code}.po (README, "
                                  "'Languages'), or choose a language cxsite translates: en, "
                                  "zh-Hans, zh-Hant.")
    pages: list[Page] = []
    content_dir = config.content_dir
    for s in sources:
        page = read(s, content_dir, problems)
        if page is None:
            continue
        if not page.meta.get("title"):  # the leading '# Heading' as the page shows it, made
            reader = readers.get(page.source.lang) or readers.get("") or ENGLISH_READER
            with activate(reader):  # anew: its {{values}} may change, in the page's language
                page.title = heading_title(page, config) or ""
        pages.append(page)
    published = [p for p in pages if not p.draft or config.serve_mode]
    try:
        theme = theme or load_theme(config)
    except jinja2.TemplateSyntaxError as exc:
        problems.add(_template_error(exc, [config.templates_dir]).problem)
        return None
    for p in published:
        name = p.meta.get("template")
        if isinstance(name, str):
            try:
                theme.get(name, p.source.file, p.key_lines.get("template"))
            except SiteError as exc:
                problems.add(exc.problem)
    if len(readers) < len(config.languages):
        return None
    by_language = translations.language_pages(published, config)
    sitemap = SiteMap({p.source.rel: (p.url, p.draft) for p in pages}, frozenset(assets),
                      translations.link_targets(by_language))
    nav = translations.navigation(by_language, config, readers)
    return SiteModel(config, published, nav, sitemap, theme, assets, readers=readers)


def languages_model(config: Config, pages: list[Page], sitemap: SiteMap, theme: Theme | None,
                    assets: list[str], verdict: dict | None = None) -> SiteModel:
    """A model made again from plain values (a worker's, a build's record): the readers and the
    menus of every language."""
    readers = {lang.code if lang.prefix else "": reader_for(lang, config.source)
               for lang in config.languages}
    nav = translations.navigation(translations.language_pages(pages, config), config, readers)
    return SiteModel(config, pages, nav, sitemap, theme, assets, verdict or {}, readers)


def reader_of(model: SiteModel, lang: Language) -> Reader:
    """The reader of one of the site's languages, or of a language a page names."""
    found = model.readers.get(lang.code if lang.prefix else "")
    if found is not None and found.language == lang:
        return found
    return reader_for(lang, model.config.source)


def page_languages(config: Config, node: NavNode) -> tuple[Language, Language]:
    """(the reader's language, the article's language) of a node: a stand-in page is read in
    its language's site but written in the default language; 'lang:' in a page's front matter
    names the language it is written in."""
    reader = config.language_by_code(node.lang)
    page = node.page
    if page is None:
        return reader, reader
    if page.fallback:
        return reader, config.default_language
    lang = page.meta.get("lang")
    if isinstance(lang, str) and lang.strip():
        own = _front_matter_language(config, lang.strip())
        return own, own
    return reader, reader


def _front_matter_language(config: Config, code: str) -> Language:
    for lang in config.languages:
        if code.lower() in (lang.code.lower(), lang.tag.lower()):
            return lang
    try:
        return make_language(code)
    except ValueError:
        return config.language_by_code("")


def template_for(page: Page | None, node: NavNode) -> str:
    name = page.meta.get("template") if page else None
    if isinstance(name, str):
        return name
    return "section" if node.is_section else "page"


def render_body(model: SiteModel, node: NavNode) -> Rendered:
    """A page's Markdown and blocks as HTML, in the language it is written in: what depends on
    its source, data and links only."""
    if node.page is None:
        return Rendered("", [], None)
    with activate(reader_of(model, page_languages(model.config, node)[1])):
        return convert(node.page, model.config, model.sitemap, model.verdict)


def render_page(model: SiteModel, node: NavNode, rendered: Rendered) -> PageOutput:
    """A page's body placed in its template: what depends on the navigation and the theme."""
    config, page = model.config, node.page
    inputs = {page.source.file} if page is not None else set()
    name = template_for(page, node)
    language, written_in = page_languages(config, node)
    # a stand-in repeats its default-language page, which reports the problems once
    problems = [] if page is not None and page.fallback else list(rendered.problems)
    description = str(page.meta.get("description") or "") if page else ""
    html = b""
    with activate(reader_of(model, language)) as reader:
        view = PageView(
            title=node.title, heading=rendered.heading or node.title,
            description=description, url=node.url, body=rendered.html, toc=rendered.toc,
            lang=language.tag,
            draft=bool(page and page.draft), kind="section" if node.is_section else "page",
            extra=page.extra if page else {},
            content_lang=written_in.tag if written_in.tag != language.tag else "",
            fallback=bool(page and page.fallback),
        )
        try:
            template = model.theme.get(name, page.source.file if page else "content/",
                                       page.key_lines.get("template") if page else None)
            to_url = lambda target: relative_url(node.url, target)  # noqa: E731
            scripts, styles = bundle_tags(rendered.needs, to_url, config)
            ctx = page_context(view, node, model.nav, model.theme, config, scripts, styles)
            html = template.render(ctx).encode("utf-8")
        except SiteError as exc:
            problems.append(exc.problem)
        except jinja2.TemplateError as exc:
            problems.append(_render_error(exc, name, page, model.theme.template_dirs))
        inputs |= set(reader.catalogue.files)
    inputs |= {"templates/" + t for t in model.theme.dependencies(name)}
    inputs |= {CONFIG_INPUT, NAV_INPUT} | rendered.inputs
    # the section a result names: none for top-level pages (their parent is the home page)
    section = node.parent.title if node.parent is not None and \
        node.parent is not model.nav.root_of(node) else ""
    entry = search_record(node.url, node.title, section, written_in.tag, rendered.html,
                          description) if searchable(node) else None
    return PageOutput(node.url, node.url + "index.html", html, problems, inputs, rendered.files,
                      rendered.links, entry, rendered.needs, privacy=rendered.privacy,
                      cache_writes=rendered.cache_writes)


def _render_error(exc: jinja2.TemplateError, name: str, page: Page | None,
                  template_dirs: list[Path]) -> Problem:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return _template_error(exc, template_dirs).problem
    return Problem(f"the template '{name}' failed: {exc}", file=f"templates/{name}",
                   hint="check the names used in the template; the page was "
                        f"{page.source.file if page else 'a section list'}.")


# --- rendering many pages -----------------------------------------------------------------
BLOCK_COST = 25  # a data block (chart, SVG rendering) costs about as much as 25 plain pages
POOL_COST = 150  # below this much work, starting worker processes costs more than it saves
WARM_POOL_COST = 40  # ... and below this, handing work to running workers does
MAX_CHUNK, MIN_CHUNK = 50, 4  # the cost of a chunk of pages handed to a process


@dataclass
class Work:
    """Pages to render: their URLs, and the bodies of those whose body is still good."""

    urls: list[str]
    bodies: dict[str, Rendered] = field(default_factory=dict)


def render_work(model: SiteModel, work: Work) -> list[PageOutput]:
    """Render pages in order, each recording the cache entries it used (for pruning)."""
    with collector_relaxed():
        return [_render_url(model, work, url) for url in work.urls]


def _render_url(model: SiteModel, work: Work, url: str) -> PageOutput:
    node = model.nav.by_url[url]
    clock = CLOCK_READ.set([])
    try:
        with cache_recording() as used:
            body = work.bodies.get(url)
            if body is None:
                body = render_body(model, node)
                if CLOCK_READ.get():  # it shows today's date: see IncrementalBuild.update
                    body.inputs.add(TODAY_INPUT)
            output = render_page(model, node, body)
    finally:
        CLOCK_READ.reset(clock)
    output.cache_keys = used
    output.body = body
    return output


def shipped(model: SiteModel) -> tuple:
    """What a worker needs to rebuild the model: plain values (the theme and navigation are
    made again from them, as the main process made them)."""
    return model.config, model.pages, model.sitemap, model.content_assets, model.verdict


def install(spec: tuple) -> SiteModel:
    """A worker's copy of the model, from shipped()."""
    config, pages, sitemap, assets, verdict = spec
    return languages_model(config, pages, sitemap, load_theme(config), assets, verdict)


def warm_theme(config: Config) -> Warmed:
    """A worker's start: compile the theme's templates and find its scripts' messages. Both
    are kept per process, so the theme install() makes has them at once; the main process
    takes them too (use_warmed), rather than working them out again."""
    theme = load_theme(config)
    for name in theme.env.list_templates(extensions=["html"]):
        try:
            theme.env.get_template(name)
        except jinja2.TemplateError:  # reported when a page uses it
            pass
    theme.script_messages()
    return warmed()


def page_cost(node: NavNode) -> int:
    page = node.page
    if page is None or "```" not in page.body and "~~~" not in page.body:
        return 1
    return 1 + BLOCK_COST * sum(len(lines) for lines in fence_lines(page.body, 1).values())


def chunked(model: SiteModel, work: Work, processes: int) -> list[Work]:
    """Consecutive pages grouped into chunks, in the order processes take them: about
    1/(4 * processes) of the work left each, at most MAX_CHUNK, so that writing starts early,
    and smaller towards the end, so that no process finishes long before the others."""
    costs = [page_cost(model.nav.by_url[u]) if u not in work.bodies else 1 for u in work.urls]
    left = sum(costs)
    chunks: list[Work] = []
    urls: list[str] = []
    weight = target = 0
    for url, cost in zip(work.urls, costs):
        if not urls:
            target = min(MAX_CHUNK, max(MIN_CHUNK, left // (4 * processes)))
        urls.append(url)
        weight += cost
        left -= cost
        if weight >= target:
            chunks.append(Work(urls, {u: work.bodies[u] for u in urls if u in work.bodies}))
            urls, weight = [], 0
    if urls:
        chunks.append(Work(urls, {u: work.bodies[u] for u in urls if u in work.bodies}))
    return chunks


class Renderer:
    """Renders pages for one build or `serve` session: in this process, or with a pool of
    worker processes when there is enough work (started once, early, and kept for the session).

    `method` is the multiprocessing start method (None: the platform's default); `serve` asks
    for 'spawn', since it holds threads by the time it renders.
    """

    def __init__(self, jobs: int | None = None, method: str | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.method = method
        self.pool: RenderPool | None = None
        self._installed: SiteModel | None = None

    def start(self, config: Config | None = None) -> None:
        """Start the workers now; given the config, each compiles the theme as it starts, while
        this process reads the pages."""
        if self.pool is None and self.jobs > 1:
            self.pool = RenderPool(self.jobs - 1, setup="cxsite.engine.site.install",
                                   work="cxsite.engine.site.render_work", method=self.method,
                                   boot=("cxsite.engine.site.warm_theme", config) if config else None)

    def render(self, model: SiteModel, work: Work,
               progress: Callable[[int, int], None] | None = None,
               done: Callable[[list[PageOutput]], None] | None = None) -> list[PageOutput]:
        """Render the pages of `work`, in order; `done` is given each group of pages as it is
        finished (a build writes them meanwhile)."""
        total = len(work.urls)
        cost = sum(1 if u in work.bodies else page_cost(model.nav.by_url[u]) for u in work.urls)
        if self.jobs > 1 and cost >= (WARM_POOL_COST if self.pool else POOL_COST):
            self.start()
        if self.pool is None or cost < WARM_POOL_COST:
            out = []
            for i, url in enumerate(work.urls):
                out.extend(render_work(model, Work([url], work.bodies)))
                if progress and i % 25 == 0:
                    progress(i + 1, total)
                if done and (i % 25 == 24 or i == total - 1):
                    done(out[i - i % 25:])  # the pages since the last call
            return out
        if self._installed is not model:
            self.pool.install(shipped(model))
            self._installed = model
        chunks = chunked(model, work, self.jobs)
        finished_chunks: dict[int, list[PageOutput]] = {}
        finished = 0
        try:
            for index, outputs in self.pool.run(chunks, lambda c: render_work(model, c),
                                                describe=lambda c: _describe(model, c),
                                                booted=use_warmed):
                finished_chunks[index] = outputs
                finished += len(outputs)
                if progress:
                    progress(finished, total)
                if done:
                    done(outputs)
        except WorkerFailed:
            self.close(now=True)  # the next render starts new workers
            raise
        return [o for i in range(len(chunks)) for o in finished_chunks[i]]

    def close(self, now: bool = False) -> None:
        if self.pool is not None:
            self.pool.close(now)
            self.pool, self._installed = None, None


def _describe(model: SiteModel, work: Work) -> str:
    node = model.nav.by_url[work.urls[0]]
    first = node.page.source.file if node.page else f"the section list /{node.url}"
    return first + (f" (or one of the {len(work.urls) - 1} pages after it)" if len(work.urls) > 1 else "")


def render_all(model: SiteModel, urls: list[str], jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[PageOutput]:
    """Render the given nodes in order, across worker processes when that pays."""
    renderer = Renderer(jobs)
    try:
        return renderer.render(model, Work(list(urls)), progress)
    finally:
        renderer.close()


# --- privacy across the site ---------------------------------------------------------------
def settle_privacy(model: SiteModel, outputs: list[PageOutput], renderer: Renderer,
                   progress: Callable[[int, int], None] | None = None
                   ) -> tuple[SiteModel, list[PageOutput]]:
    """Audit what all pages publish from protected files together, and render again (body
    and all) the pages whose part of the verdict changed. What a page records does not depend
    on the verdict, so one audit and one round of rendering settle it, whatever order the pages
    came in."""
    import dataclasses

    if not any(o.privacy for o in outputs) and not model.verdict:
        return model, outputs  # without loading the audit: a site without protected files
    from ..privacy.audit import audit

    titles = {n.url: n.title for n in model.nav.order}
    verdict = audit(model.config, [o.privacy for o in outputs], titles)
    if len(model.config.languages) > 1:
        verdict = _in_every_language(verdict, model, titles)
    if verdict != model.verdict:
        model = dataclasses.replace(model, verdict=verdict)
    stale = [o.url for o in outputs if not o.privacy.agrees(verdict)]
    if stale:
        redone = {o.url: o for o in renderer.render(model, Work(stale), progress)}
        outputs = [redone.get(o.url, o) for o in outputs]
    return model, outputs


def _in_every_language(verdict: dict, model: SiteModel, titles: dict[str, str]) -> dict:
    """The pages a withheld figure's note points to, each in every language of the site: a page
    and its translations publish the same figures, and a note names the one in its reader's
    language (notices.note), never the same page in another language."""
    from ..privacy.ledger import SiteWithheld

    nav, languages = model.nav, model.config.languages
    out = {}
    for key, found in verdict.items():
        see: list[tuple[str, str]] = []
        for url, title in found.see:
            node = nav.by_url.get(url)
            versions = [nav.version(node, lang.prefix) for lang in languages] if node else []
            for v in [(v.url, titles.get(v.url, v.title)) for v in versions if v is not None] or \
                    [(url, title)]:
                if v not in see:
                    see.append(v)
        out[key] = SiteWithheld(tuple(see))
    return out


def flush_cache(config: Config, outputs: Iterable[PageOutput]) -> None:
    """Write the chart cache entries pages held back until their privacy was settled."""
    from .cache import Cache

    held = [entry for o in outputs for entry in o.cache_writes]
    if held and config.write_cache:
        Cache.for_config(config).flush(held)
    for o in outputs:  # written: kept neither in memory nor in the build's record
        o.cache_writes = []
        if o.body is not None:
            o.body.cache_writes = []


# --- whole-site files ---------------------------------------------------------------------
def sitemap_files(model: SiteModel, outputs: list[PageOutput]) -> dict[str, bytes]:
    """sitemap.xml when base_url is an absolute address (https://intranet.example/cx/): the
    sitemap protocol needs full addresses, so with a bare path (/cx/) there is none."""
    if "://" not in model.config.base_url:
        return {}
    return {"sitemap.xml": site_sitemap(model, outputs)}


def sitemap_xml(config: Config, urls: list[str],
                alternates: dict[str, list[tuple[str, str]]] | None = None) -> bytes:
    """sitemap.xml: every page, with the addresses of its translations (xhtml:link hreflang)."""
    # html.escape without quotes is XML's escape (xml.sax would import urllib.request: 60 ms)
    alternates = alternates or {}
    rows = []
    for u in sorted(urls):
        links = "".join(f'<xhtml:link rel="alternate" hreflang="{tag}" '
                        f'href="{html.escape(config.base_url + other)}"/>'
                        for tag, other in alternates.get(u, []))
        rows.append(f"<url><loc>{html.escape(config.base_url + u, quote=False)}</loc>{links}</url>\n")
    xhtml = ' xmlns:xhtml="http://www.w3.org/1999/xhtml"' if alternates else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{xhtml}>\n'
            f"{''.join(rows)}</urlset>\n").encode("utf-8")


def site_sitemap(model: SiteModel, outputs: list[PageOutput]) -> bytes:
    """The sitemap of the pages (not the stand-ins for pages not yet translated)."""
    nav, config = model.nav, model.config
    real = [o.url for o in outputs if not nav.by_url[o.url].fallback]
    return sitemap_xml(config, real, {
        u: found for u in real if (found := translations.alternates(nav.by_url[u], nav, config))})


def _special_page(model: SiteModel, template: str, title: str, url: str, kind: str,
                  scripts: list[str], language: Language, **extra) -> bytes:
    """A page that is not made from content (the 404 page, a search page), in a language;
    `title` is the English message, translated here."""
    with activate(reader_of(model, language)):
        view = PageView(title=_(title), heading=_(title), description="", url=url, body="",
                        toc=[], lang=language.tag, draft=False, kind=kind, extra={})
        ctx = page_context(view, None, model.nav, model.theme, model.config, scripts, [],
                           language=language)
        ctx.update(extra)
        return model.theme.get(template, f"templates/{template}.html").render(ctx).encode("utf-8")


def render_404(model: SiteModel) -> bytes:
    """404.html, served for any missing address: in the default language, with a word and a
    link home in each other language of the site."""
    config = model.config
    elsewhere = []
    for lang in config.languages[1:]:
        with activate(reader_of(model, lang)):
            elsewhere.append({"tag": lang.tag, "home": config.base_url + lang.prefix,
                              "text": _("Sorry, there is no page at this address."),
                              "link": _("Go to the home page")})
    return _special_page(model, "404", N_("Page not found"), "404.html", "404", [],
                         config.default_language, elsewhere=elsewhere)


def search_files(model: SiteModel, outputs: list[PageOutput],
                 index: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """Each language's search page, and the index (built from the published HTML, nothing
    else); `index` when the caller already has it."""
    files = dict(index if index is not None else search_index(outputs, model=model))
    for lang in model.config.languages:
        url = lang.prefix + SEARCH_URL
        files[url + "index.html"] = _special_page(model, "search", N_("Search"), url, "search",
                                                  [], lang)
    return files


BUNDLES_AT_ONCE = 16  # search text files a cold build writes in one go (see SearchBundles)


def searchable(node: NavNode) -> bool:
    """Whether a page gets a search record (its front matter can say 'search: false')."""
    return not (node.page and node.page.meta.get("search") is False)


class SearchBundles:
    """A new search index, made as far as it can be while pages are rendered (a cold build
    does this work while the other processes render, rather than all at the end): the files of
    pages' texts (search/f/), each as soon as its pages are rendered, and the postings of the
    pages, in the index's order. Made for the pages search_index() will hold; if they turn out
    otherwise (a page rendered again to settle privacy), the index makes it all again."""

    def __init__(self, model: SiteModel, index: SearchIndex) -> None:
        urls = sorted(n.url for n in model.nav.order if searchable(n) and not n.fallback)
        self.index = index
        self.slot = {url: i for i, url in enumerate(urls)}  # in the index's order of pages
        self.records: list[SearchRecord | None] = [None] * len(urls)
        self.taken = 0  # pages given to index.take(), the first ones in its order
        self.missing = [min(PAGES_PER_FILE, len(urls) - first)  # pages each bundle waits for
                        for first in range(0, len(urls), PAGES_PER_FILE)]
        self.ready: dict[str, bytes] = {}  # files made, not yet handed out

    def add(self, outputs: list[PageOutput]) -> dict[str, bytes]:
        """The files of the bundles these pages complete, BUNDLES_AT_ONCE or more at a time
        (each hand-out makes the writer list them in its manifest first), the last ones when
        every bundle is made."""
        files = self.ready
        for o in outputs:
            i = self.slot.get(o.url)
            if i is None or o.search is None or self.records[i] is not None:
                continue
            self.records[i] = o.search
            bundle = i // PAGES_PER_FILE
            self.missing[bundle] -= 1
            if not self.missing[bundle]:
                first = bundle * PAGES_PER_FILE
                pages = [r.page for r in self.records[first:first + PAGES_PER_FILE]]  # type: ignore[union-attr]
                path, data = self.index.page_file(bundle, pages)
                files[ASSET_DIR + path] = data
        while self.taken < len(self.records) and self.records[self.taken] is not None:
            self.index.take(self.records[self.taken])  # type: ignore[arg-type]
            self.taken += 1
        if len(files) < BUNDLES_AT_ONCE and any(self.missing):
            return {}
        self.ready = {}
        return files


def search_index(outputs: list[PageOutput], index: SearchIndex | None = None, *,
                 model: SiteModel | None = None) -> dict[str, bytes | None]:
    """The index files by path: one index for every language, each record carrying the
    language its text is written in (search shows the reader's language first). A page not yet
    translated is left out: its original is in the index. `index` is one kept between updates
    (serve, or the build's record), which then re-indexes only the pages that changed (None: a
    file unchanged)."""
    by_url = model.nav.by_url if model is not None else {}
    found = (index or SearchIndex()).files(
        o.search for o in outputs if o.search and not (o.url in by_url and by_url[o.url].fallback))
    return {ASSET_DIR + path: data for path, data in found.items()}


def asset_files(model: SiteModel,
                read_asset: Callable[[str], bytes] | None = None) -> dict[str, bytes]:
    """The theme's assets and the content folder's other files (pages may override these)."""
    files: dict[str, bytes] = dict(model.theme.asset_files)
    for lang in model.config.languages:  # the translations the theme's scripts use
        path, data = messages_asset(model.theme, reader_of(model, lang))
        files[path] = data
    read = read_asset or (lambda rel: (model.config.content_dir / rel).read_bytes())
    for rel in model.content_assets:
        files[rel] = read(rel)
    return files


def made_parts(model: SiteModel, outputs: list[PageOutput], index: dict[str, bytes] | None = None
               ) -> dict[str, Callable[[], dict[str, bytes]]]:
    """The files made from the whole site, in parts (an incremental build remakes a part only
    when what it shows changed): asset bundles, 404, search, sitemap."""
    needs = set().union(*(o.needs for o in outputs))
    return {"bundles": lambda: bundle_files(needs, model.config),
            "404": lambda: {"404.html": render_404(model)},
            "search": lambda: search_files(model, outputs, index),
            "sitemap": lambda: sitemap_files(model, outputs)}


def made_files(model: SiteModel, outputs: list[PageOutput],
               index: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The files made from the whole site (these override pages)."""
    return {path: data for make in made_parts(model, outputs, index).values()
            for path, data in make().items()}


def site_files(model: SiteModel, outputs: list[PageOutput]) -> dict[str, bytes]:
    """All files of the site: pages, their extra files, assets, content files, 404, sitemap."""
    files = asset_files(model)
    for o in outputs:
        files.update(o.files)
        files[o.path] = o.html
    files.update(made_files(model, outputs))
    return files


def build_site(config: Config, writer: Writer | None, *, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> BuildResult:
    """Load, validate, render and (when a writer is given) write the whole site.

    Raises BuildFailed with every problem when the site has errors (or warnings under strict);
    nothing is written then. With a DiskWriter the build keeps its record in the cache folder
    and redoes only what changed since the last build (see engine/build.py).
    """
    from .build import build

    return build(config, writer, jobs=jobs, progress=progress)
