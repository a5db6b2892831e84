"""Jinja2 templates: the theme, its hashed assets, and the context each page is rendered with."""
from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from markupsafe import Markup, escape

from . import fmt
from .blocks import asset_bundle
from .config import Config, default_theme_dir  # noqa: F401 (re-exported)
from .content import check_file_name, check_inside, relative_url
from .errors import SiteError, did_you_mean
from .i18n import Language, Reader, _, current, install_jinja, language_name
from .i18n import browser
from .i18n.browser import MessageId, messages_script, script_messages
from .nav import Navigation, NavNode, visible_children
from .translations import alternates, versions

ASSET_DIR = "assets/"


def hashed_name(name: str, data: bytes) -> str:
    stem, dot, ext = name.rpartition(".")
    digest = hashlib.sha256(data).hexdigest()[:10]
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def template_file(name: str) -> str:
    """'page' and 'page.html' both name templates/page.html."""
    return name if name.endswith(".html") else name + ".html"


@dataclass
class Theme:
    env: jinja2.Environment
    template_dirs: list[Path]
    assets: dict[str, str]  # logical name -> site-relative hashed path
    asset_files: dict[str, bytes]  # site-relative hashed path -> bytes
    _deps: dict[str, frozenset[str]] = field(default_factory=dict)
    _messages: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    _script_ids: list[MessageId] | None = None

    def script_messages(self) -> list[MessageId]:
        """The messages the theme's scripts translate (its static/*.js and the chart script)."""
        if self._script_ids is None:
            charts = default_theme_dir() / "charts"
            sources = [data for path, data in sorted(self.asset_files.items()) if path.endswith(".js")]
            sources += [p.read_bytes() for p in sorted(charts.glob("*.js"))] if charts.is_dir() else []
            self._script_ids = script_messages(sources)
        return self._script_ids

    def template_names(self) -> list[str]:
        return sorted(n for n in self.env.list_templates(extensions=["html"])
                      if not n.startswith(("_", "partials/", "static/"))
                      and n not in ("base.html", "404.html", "search.html"))

    def get(self, name: str, file: str, line: int | None = None) -> jinja2.Template:
        """A page template by name ('page' or 'page.html'); unknown names are a user error."""
        full = template_file(name)
        try:
            return self.env.get_template(full)
        except jinja2.TemplateNotFound:
            raise SiteError(f"unknown template '{name}'", file=file, line=line,
                            hint=did_you_mean(name, [n[:-5] for n in self.template_names()])) from None
        except jinja2.TemplateSyntaxError as exc:
            raise _template_error(exc, self.template_dirs) from None

    def dependencies(self, name: str) -> set[str]:
        """Template files a template extends, includes or imports, itself included."""
        name = template_file(name)
        if name in self._deps:
            return set(self._deps[name])
        seen: set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            try:
                src = self.env.loader.get_source(self.env, n)[0]
                found = _REFERENCED.get(src)
                if found is None:  # parsed once per process for each text of a template
                    found = _REFERENCED[src] = tuple(
                        r for r in jinja2.meta.find_referenced_templates(self.env.parse(src)) if r)
                todo.extend(found)
            except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError, SiteError):
                pass
        self._deps[name] = frozenset(seen)
        return seen


_REFERENCED: dict[str, tuple[str, ...]] = {}  # a template's text -> the templates it names


class _CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process, for every theme it loads (the tests, serve after a
    template edit): by name, file, text and the environment's syntax settings."""

    def __init__(self) -> None:
        self._code: dict[tuple, object] = {}

    @staticmethod
    def _key(bucket: jinja2.bccache.Bucket) -> tuple:
        env = bucket.environment
        return (bucket.key, bucket.checksum, tuple(sorted(env.extensions)), env.trim_blocks,
                env.lstrip_blocks, env.keep_trailing_newline, env.newline_sequence,
                env.block_start_string, env.variable_start_string, env.comment_start_string)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(self._key(bucket))
        if code is not None:
            bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[self._key(bucket)] = bucket.code

    def export(self) -> dict[tuple, bytes]:
        return {key: marshal.dumps(code) for key, code in self._code.items()}

    def absorb(self, compiled: dict[tuple, bytes]) -> None:
        for key, code in compiled.items():
            if key not in self._code:
                self._code[key] = marshal.loads(code)


_COMPILED = _CompiledTemplates()
Warmed = tuple[dict[tuple, bytes], dict[tuple[bytes, ...], list[MessageId]]]


def warmed() -> Warmed:
    """The templates this process compiled and the scripts' messages it found, as plain values
    for another process running the same Python (a render worker hands them to the main one)."""
    return _COMPILED.export(), browser.found()


def use_warmed(warm: Warmed) -> None:
    """Take the compiled templates and scripts' messages of another process (see warmed())."""
    _COMPILED.absorb(warm[0])
    browser.remember(warm[1])


def _template_error(exc: jinja2.TemplateSyntaxError, dirs: list[Path]) -> SiteError:
    file = exc.filename or exc.name or "a template"
    for d in dirs:
        try:
            file = Path(file).resolve().relative_to(d.parent.resolve()).as_posix()
            break
        except ValueError:
            continue
    return SiteError(f"template error: {exc.message}", file=file, line=exc.lineno,
                     hint="check the {{ }} and {% %} tags on that line.")


class _InsideLoader(jinja2.FileSystemLoader):
    """Jinja's file loader, refusing a template that leads outside its site (a symlink to
    another folder): a template is published as part of every page."""

    def __init__(self, dirs: list[Path], roots: dict[str, Path]) -> None:
        super().__init__([str(d) for d in dirs])
        self.roots = roots  # template folder -> the folder its files must stay in

    def get_source(self, environment: jinja2.Environment, template: str):  # noqa: D102
        source, filename, uptodate = super().get_source(environment, template)
        for folder, root in self.roots.items():
            if Path(filename).is_relative_to(folder):
                real = Path(filename).resolve()
                if real != root and root not in real.parents:  # the file or a folder is a link
                    raise SiteError(f"templates/{template} leads outside the site folder "
                                    f"(to {real})", file=f"templates/{template}",
                                    hint="copy the template into templates/ instead of "
                                         "linking to it.")
                break
        return source, filename, uptodate


def load_theme(config: Config) -> Theme:
    """The Jinja environment over the site's templates, then the default theme's."""
    dirs = [d for d in (config.templates_dir, default_theme_dir()) if d.is_dir()]
    unique: list[Path] = []
    for d in dirs:
        if d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    # the site's templates must stay in the site folder; the built-in theme in its own folder
    roots = {str(d): (config.source.resolve() if d == config.templates_dir else d.resolve())
             for d in unique}
    env = jinja2.Environment(
        loader=_InsideLoader(unique, roots),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a theme is loaded anew when a template changes: no stat per page
        bytecode_cache=_COMPILED,
    )
    install_jinja(env)  # {{ _("Search") }} in the page's language
    assets: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for d in reversed(unique):  # the site's own static files override the theme's
        static = d / "static"
        if static.is_dir():
            for f in sorted(static.rglob("*")):
                if f.name.startswith("."):
                    continue
                name = f.relative_to(static).as_posix()
                check_file_name(name, "templates/static/")
                check_inside(f, roots[str(d)], f"templates/static/{name}")
                if f.is_file():
                    data = f.read_bytes()
                    assets[name] = ASSET_DIR + hashed_name(name, data)
                    files[assets[name]] = data
    # a hashed name cannot be known to a stylesheet, so keep unreferenced old ones out
    files = {path: data for path, data in files.items() if path in assets.values()}
    return Theme(env, unique, assets, files)


def messages_asset(theme: Theme, reader: Reader) -> tuple[str, bytes]:
    """The script holding the translations of the theme's scripts for one language, and its
    site-relative (hashed) path."""
    key = (reader.tag, reader.catalogue.fingerprint)
    if key not in theme._messages:
        data = messages_script(reader, theme.script_messages())
        theme._messages[key] = (ASSET_DIR + hashed_name(f"messages.{reader.tag}.js", data), data)
    return theme._messages[key]


@dataclass
class PageView:
    """What a template sees as `page`."""

    title: str
    heading: str
    description: str
    url: str
    body: str
    toc: list[dict]
    lang: str
    draft: bool
    kind: str  # "page", "section" or "404"
    extra: dict[str, Any]
    content_lang: str = ""  # the language of the article when it is not the page's (a stand-in)
    fallback: bool = False  # the default-language page, standing in for a missing translation


def bundle_tags(needs: set[str], to_url, config: Config) -> tuple[list[str], list[str]]:
    """Script and stylesheet URLs for the asset bundles a page needs."""
    scripts, styles = [], []
    for name in sorted(needs):
        for path, _data in asset_bundle(name, config):
            if path.endswith(".js"):
                scripts.append(to_url(path))
            elif path.endswith(".css"):
                styles.append(to_url(path))
    return scripts, styles


def bundle_files(needs: set[str], config: Config) -> dict[str, bytes]:
    """The files of the asset bundles any page needs, written once per site."""
    return {path: data for name in sorted(needs) for path, data in asset_bundle(name, config)}


def nav_menu(root: NavNode, current_url: str | None, open_urls: set[str], to_url,
             node: NavNode | None = None, stand_in_lang: str = "") -> Markup:
    """The site menu: top-level pages and sections, with the sections on the way to the current
    page opened. Written in Python because it is on every page (a Jinja macro cost 15% of a build);
    a theme can still write its own from nav_root, open_urls and visible_children.

    Pages side by side in one section see the same menu but for their own link, so when `node`
    (the current page's NavNode) is given, the menu is made once per section and each page
    changes only its own link in it. Links to pages not yet translated carry the language of
    their title (stand_in_lang)."""
    if (node is None or current_url != node.url or node.parent is None
            or (node.is_section and node.children)):
        return Markup("".join(_menu_pieces(root, current_url, open_urls, to_url, stand_in_lang)[0]))
    parent = node.parent
    cache = root.__dict__.setdefault("_menu_cache", {})
    key = (parent.url, frozenset(open_urls - {current_url}))
    made = cache.get(key)
    if made is None:  # made as the parent section would see it, with hrefs as this page sees them
        made = cache[key] = (*_menu_pieces(root, parent.url, open_urls - {current_url}, to_url,
                                           stand_in_lang), current_url)
    pieces, links, made_for = made
    pieces = list(pieces)
    if parent.url in links:  # the parent section is not the current page
        pieces[links[parent.url][1]] = ""
    elif parent.url == root.url:
        pieces[3] = ""  # the Home link
    if current_url != made_for and made_for in links:  # siblings' hrefs are the same from here but for its own
        pieces[links[made_for][0]] = relative_url(current_url, made_for)
    if current_url in links:
        href, aria = links[current_url]
        pieces[href], pieces[aria] = to_url(current_url), ' aria-current="page"'
    else:  # hidden among many pages: shown after the first ones, one fewer counted as hidden
        at, count = links["\0end:" + parent.url]
        if count is not None:
            pieces[count] = str(int(pieces[count]) - 1)
        lang = f' lang="{stand_in_lang}"' if stand_in_lang and node.fallback else ""
        pieces[at:at] = ['<li class=""><a href="', to_url(current_url), '" aria-current="page"', lang,
                         ">", str(escape(node.title)), "</a></li>\n"]
    return Markup("".join(pieces))


def _menu_pieces(root: NavNode, current_url: str | None, open_urls: set[str], to_url,
                 stand_in_lang: str = "") -> tuple[list[str], dict[str, tuple[int, int | None]]]:
    """The menu's HTML in pieces, and where each link's href and aria-current piece is (and,
    under "\0end:" + a section's URL, where its list ends and its hidden count is)."""
    out = ['<ul class="nav-root">\n  <li><a href="', to_url(root.url), '"',
           ' aria-current="page"' if current_url == root.url else "", '>',
           str(escape(_("Home"))), '</a></li>\n</ul>\n']
    other = f' lang="{stand_in_lang}"' if stand_in_lang else ""
    links: dict[str, tuple[int, int | None]] = {}

    def walk(node: NavNode) -> None:
        shown, hidden = visible_children(node, current_url or "")
        out.append("<ul>\n")
        for child in shown:
            has_kids = child.is_section and bool(child.children)
            is_open = has_kids and child.url in open_urls
            css = ("nav-section" if has_kids else "") + (" is-open" if is_open else "")
            links[child.url] = (len(out) + 3, len(out) + 5)
            out.extend(['<li class="', css, '"><a href="', to_url(child.url), '"',
                        ' aria-current="page"' if child.url == current_url else "",
                        other if child.fallback else "", ">", str(escape(child.title)), "</a>"])
            if is_open:
                walk(child)
            out.append("</li>\n")
        links["\0end:" + node.url] = (len(out), len(out) + 4 if hidden else None)
        if hidden:  # the count is a piece of its own: a page's menu may show one more
            before, _mark, after = _("%(count)s more in %(section)s…", count="\0",
                                     section=node.title).partition("\0")
            out.extend(['<li class="nav-more"><a href="', to_url(node.url), '">', str(escape(before)),
                        str(hidden), str(escape(after)), "</a></li>\n"])
        out.append("</ul>\n")

    walk(root)
    return out, links


def page_context(view: PageView, node: NavNode | None, nav: Navigation, theme: Theme,
                 config: Config, scripts: list[str], styles: list[str], *,
                 language: Language | None = None) -> dict[str, Any]:
    """The whole context of a page template; links are relative so any sub-path works.

    `language` is that of a page without a node (404, search); a node knows its own."""
    if view.kind == "404":  # served at any depth, so it links from the site root
        base = config.base_url

        def to_url(target: str) -> str:
            return base + target
    else:
        def to_url(target: str) -> str:
            return relative_url(view.url, target)

    lang = config.language_by_code(node.lang) if node is not None else language or config.default_language
    code = lang.code if lang.prefix else ""
    root = nav.roots.get(code, nav.root)
    prev_node, next_node = nav.neighbours(node.url) if node else (None, None)
    crumbs = node.ancestors() if node else [root]
    open_urls = {n.url for n in crumbs} | ({node.url} if node else set())
    stand_in = config.default_language.tag if lang.prefix else ""
    switch = [dict(v.__dict__, href=to_url(v.url))
              for v in versions(node or root, nav, config)] if len(config.languages) > 1 else []
    links = [(tag, config.base_url + u) for tag, u in alternates(node, nav, config)] if node else []
    return {
        "site": {"title": lang.title or config.title,
                 "description": lang.description if lang.prefix else config.description,
                 "language": lang.tag, "base_url": config.base_url,
                 "footer": lang.footer if lang.prefix else config.footer,
                 "serve_mode": config.serve_mode},
        "page": view,
        "language": lang,
        "languages": switch,
        "alternates": links,
        "canonical": config.base_url + node.key if node is not None and node.fallback else "",
        "original_language": language_name(config.default_language.locale, current().locale)
        if view.fallback else "",
        "home_url": to_url(root.url),
        "default_tag": config.default_language.tag,
        "messages_script": to_url(messages_asset(theme, current())[0]),
        "search_url": to_url(lang.prefix + "search/"),
        "nav_root": root,
        "current_url": node.url if node else None,
        "open_urls": open_urls,
        "breadcrumbs": crumbs if node and node is not root else [],
        "prev": prev_node,
        "next": next_node,
        "children": node.children if node and node.is_section else [],
        "url": to_url,
        "asset": lambda name: to_url(theme.assets[name]),
        "visible_children": visible_children,
        "nav_menu": lambda: nav_menu(root, node.url if node else None, open_urls, to_url, node,
                                     stand_in),
        "scripts": scripts,
        "styles": styles,
        "build_date": config.build_date,
        "build_date_text": Markup('<time datetime="{}">{}</time>').format(
            config.build_date.isoformat(), fmt.day(config.build_date)) if config.build_date else "",
    }
