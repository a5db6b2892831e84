"""The build in two phases: load() reads and validates the whole site, then pages are
rendered (in parallel) and handed to the writer in one go. Each output records its inputs
so an incremental build can redo just what a change touches."""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape as xml_escape

import jinja2

from ..config import Config
from ..content import Page, PageSource, check_unique_urls, discover, read_page, relative_url
from ..errors import BuildFailed, Problem, Problems, SiteError
from ..i18n import ENGLISH_READER, N_, Language, Reader, _, activate, make_language, reader_for
from ..markup import Rendered, SiteMap, convert, fence_lines, heading_title
from ..nav import Navigation, NavNode
from ..search import index as search
from .. import translations
from .output import WriteReport, Writer, check_output_folder
from ..render import (ASSET_DIR, PageView, Theme, _template_error, bundle_files, bundle_tags,
                     hashed_name, load_theme, messages_asset, page_context)

CONFIG_INPUT = "cxsite.yaml"
NAV_INPUT = "@navigation"  # pseudo-input: the titles, weights and URLs of all pages
SEARCH_URL = "search/"
PARALLEL_THRESHOLD = 40  # below this many pages a process pool costs more than it saves


@dataclass
class SiteModel:
    """Everything load() found: validated, in memory, nothing written."""

    config: Config
    pages: list[Page]
    nav: Navigation
    sitemap: SiteMap
    theme: Theme
    content_assets: list[str]
    readers: dict[str, Reader] = field(default_factory=dict)  # language code ('' default) -> reader

    def reader(self, lang: Language) -> Reader:
        """The reader of one of the site's languages, or of a language a page names."""
        code = lang.code if lang.prefix else ""
        found = self.readers.get(code)
        if found is not None and found.language == lang:
            return found
        return reader_for(lang, self.config.source)


@dataclass
class PageOutput:
    """One rendered page and what it used, as plain values."""

    url: str
    path: str
    html: bytes
    problems: list[Problem]
    inputs: set[str]
    files: dict[str, bytes]
    links: set[str]
    search: dict[str, str] | None = None  # this page's entry in the search index
    needs: set[str] = field(default_factory=set)  # site-wide asset bundles, e.g. "vega"


@dataclass
class BuildResult:
    files: dict[str, bytes]
    problems: list[Problem]
    dependencies: dict[str, set[str]]  # output path -> inputs
    pages: int
    report: WriteReport | None = None
    outputs: dict[str, PageOutput] = field(default_factory=dict)


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
    for s in sources:
        page = read(s, config.content_dir, problems)
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
    return SiteModel(config, published, nav, sitemap, theme, assets, readers)


def template_for(page: Page | None, node: NavNode) -> str:
    name = page.meta.get("template") if page else None
    if isinstance(name, str):
        return name
    return "section" if node.is_section else "page"


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
        return (own := _front_matter_language(config, lang.strip())), own
    return reader, reader


def _front_matter_language(config: Config, code: str) -> Language:
    for lang in config.languages:
        if code.lower() in (lang.code.lower(), lang.tag.lower()):
            return lang
    try:
        return make_language(code)
    except ValueError:
        return config.language_by_code("")


def render_node(model: SiteModel, node: NavNode) -> PageOutput:
    """Render one navigation node (a page, or a section with no page of its own) to HTML."""
    config, page = model.config, node.page
    language, written_in = page_languages(config, node)
    if page is not None:
        with activate(model.reader(written_in)):
            rendered = convert(page, config, model.sitemap)
        inputs = {page.source.file}
    else:
        rendered = Rendered("", [], None)
        inputs = set()
    name = template_for(page, node)
    problems = list(rendered.problems)
    html = b""
    with activate(model.reader(language)) as reader:
        view = PageView(
            title=node.title, heading=rendered.heading or node.title,
            description=str(page.meta.get("description") or "") if page else "",
            url=node.url, body=rendered.html, toc=rendered.toc, lang=language.tag,
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
    section = node.parent.title if node.parent is not None else ""
    if page is not None and page.fallback:
        problems = []  # the default-language page reports them once
    return PageOutput(node.url, node.url + "index.html", html, problems, inputs, rendered.files,
                      rendered.links, search.record(node.url, node.title, section, rendered.html,
                                                    lang=written_in.tag),
                      rendered.needs)


def _render_error(exc: jinja2.TemplateError, name: str, page: Page | None,
                  template_dirs: list[Path]) -> Problem:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return _template_error(exc, template_dirs).problem
    return Problem(f"the template '{name}' failed: {exc}", file=f"templates/{name}",
                   hint="check the names used in the template; the page was "
                        f"{page.source.file if page else 'a section list'}.")


# --- parallel rendering -------------------------------------------------------------------
_WORKER_MODEL: SiteModel | None = None


BLOCK_COST = 25  # a data block (chart, SVG rendering) costs about as much as 25 plain pages


def _render_chunk(urls: list[str]) -> list[PageOutput]:
    model = _WORKER_MODEL
    return [render_node(model, model.nav.by_url[u]) for u in urls]


def _cost(node: NavNode) -> int:
    page = node.page
    if page is None or "```" not in page.body and "~~~" not in page.body:
        return 1
    return 1 + BLOCK_COST * sum(len(lines) for lines in fence_lines(page.body, 1).values())


def _chunks(model: SiteModel, urls: list[str], jobs: int) -> tuple[list[list[str]], int]:
    """Consecutive pages grouped into chunks of similar cost, so both workers stay busy."""
    costs = [_cost(model.nav.by_url[u]) for u in urls]
    target = max(8, sum(costs) // (jobs * 8))
    chunks: list[list[str]] = [[]]
    weight = 0
    for url, cost in zip(urls, costs):
        if chunks[-1] and weight + cost > target:
            chunks.append([])
            weight = 0
        chunks[-1].append(url)
        weight += cost
    return chunks, sum(costs)


def render_all(model: SiteModel, urls: list[str], jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> list[PageOutput]:
    """Render the given nodes in order, across forked processes when that pays."""
    global _WORKER_MODEL
    jobs = jobs or os.cpu_count() or 1
    total = len(urls)
    chunks, cost = _chunks(model, urls, jobs) if jobs > 1 else ([urls], total)
    can_fork = multiprocessing.get_start_method(True) in (None, "fork")
    if jobs <= 1 or cost < PARALLEL_THRESHOLD or len(chunks) < 2 or not can_fork:
        out = []
        for i, u in enumerate(urls):
            out.append(render_node(model, model.nav.by_url[u]))
            if progress and i % 25 == 0:
                progress(i + 1, total)
        return out
    _WORKER_MODEL = model  # inherited by the forked workers: nothing to pickle
    done: dict[int, list[PageOutput]] = {}
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(chunks))) as pool:
            work = pool.imap_unordered(_indexed_chunk, list(enumerate(chunks)))
            for i, result in work:
                done[i] = result
                if progress:
                    progress(sum(map(len, done.values())), total)
    finally:
        _WORKER_MODEL = None
    return [o for i in range(len(chunks)) for o in done[i]]


def _indexed_chunk(item: tuple[int, list[str]]) -> tuple[int, list[PageOutput]]:
    return item[0], _render_chunk(item[1])


# --- whole-site files ---------------------------------------------------------------------
def sitemap_xml(config: Config, urls: list[str],
                alternates: dict[str, list[tuple[str, str]]] | None = None) -> bytes:
    """sitemap.xml: every page, with the addresses of its translations (xhtml:link hreflang)."""
    alternates = alternates or {}
    rows = []
    for u in sorted(urls):
        links = "".join(f'<xhtml:link rel="alternate" hreflang="{tag}" '
                        f'href="{xml_escape(config.base_url + other)}"/>'
                        for tag, other in alternates.get(u, []))
        rows.append(f"<url><loc>{xml_escape(config.base_url + u)}</loc>{links}</url>\n")
    xhtml = ' xmlns:xhtml="http://www.w3.org/1999/xhtml"' if alternates else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{xhtml}>\n'
            f"{''.join(rows)}</urlset>\n").encode("utf-8")


def _special_page(model: SiteModel, template: str, title: str, url: str, kind: str,
                  scripts: list[str], language: Language, **extra) -> bytes:
    """A page that is not made from content (the 404 page, a search page), in a language;
    `title` is the English message, translated here."""
    with activate(model.reader(language)):
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
        with activate(model.reader(lang)):
            elsewhere.append({"tag": lang.tag, "home": config.base_url + lang.prefix,
                              "text": _("Sorry, there is no page at this address."),
                              "link": _("Go to the home page")})
    return _special_page(model, "404", N_("Page not found"), "404.html", "404", [],
                         config.default_language, elsewhere=elsewhere)


def search_files(model: SiteModel, outputs: list[PageOutput]) -> dict[str, bytes]:
    """Each language's search page and index (built from the published HTML, nothing else).

    Each record carries the language its text is written in ('l'): a page not yet translated
    is in its language's index with the default language's text."""
    files: dict[str, bytes] = {}
    for lang in model.config.languages:
        code = lang.code if lang.prefix else ""
        records = [o.search for o in outputs if o.search and model.nav.by_url[o.url].lang == code]
        index = search.index_script(records)
        name = f"search-index.{lang.code}.js" if lang.prefix else "search-index.js"
        index_path = ASSET_DIR + hashed_name(name, index)
        url = lang.prefix + SEARCH_URL
        files[index_path] = index
        files[url + "index.html"] = _special_page(model, "search", N_("Search"), url, "search",
                                                  [relative_url(url, index_path)], lang)
    return files


def site_files(model: SiteModel, outputs: list[PageOutput]) -> dict[str, bytes]:
    """All files of the site: pages, their extra files, assets, content files, 404, sitemap."""
    files: dict[str, bytes] = dict(model.theme.asset_files)
    for rel in model.content_assets:
        files[rel] = (model.config.content_dir / rel).read_bytes()
    for o in outputs:
        files.update(o.files)
        files[o.path] = o.html
    files.update(bundle_files(set().union(*(o.needs for o in outputs)), model.config))
    for lang in model.config.languages:  # the translations the theme's scripts use
        path, data = messages_asset(model.theme, model.reader(lang))
        files[path] = data
    files["404.html"] = render_404(model)
    files.update(search_files(model, outputs))
    nav, config = model.nav, model.config
    real = [o.url for o in outputs if not nav.by_url[o.url].fallback]
    files["sitemap.xml"] = sitemap_xml(config, real, {
        u: found for u in real if (found := translations.alternates(nav.by_url[u], nav, config))})
    return files


def build_site(config: Config, writer: Writer | None, *, jobs: int | None = None,
               progress: Callable[[int, int], None] | None = None) -> BuildResult:
    """Load, validate, render and (when a writer is given) write the whole site.

    Raises BuildFailed with every problem when the site has errors (or warnings under strict);
    nothing is written then.
    """
    problems = Problems()
    if writer is not None:
        check_output_folder(config.output, config.source)
    elif config.write_cache:  # no writer (check): nothing may be written, not even the chart cache
        config = dataclasses.replace(config, write_cache=False)
    model = load(config, problems)
    if model is None:
        raise BuildFailed(problems.items)
    urls = [n.url for n in model.nav.order]
    outputs = render_all(model, urls, jobs, progress)
    for o in outputs:
        problems.extend(o.problems)
    problems.raise_if_failed(config.strict)
    files = site_files(model, outputs)
    report = writer.write_site(files) if writer is not None else None
    deps = {o.path: o.inputs for o in outputs}
    return BuildResult(files, problems.items, deps, len(outputs), report,
                       {o.url: o for o in outputs})
