"""Pages in several languages: which page each file is a translation of, stand-ins for the
pages not translated yet, each language's menu, and the versions of a page a reader can switch
between.

A translation sits beside its page with the language's code before '.md' (roadmap.zh.md beside
roadmap.md), as Hugo and mkdocs-static-i18n users know it; the default language is published at
the site's root and every other one under /<code>/. A page not yet translated appears in the
other language's site as the default-language page, with a notice in the reader's language.
"""
from __future__ import annotations

import dataclasses

from .config import Config
from .content import Page, PageSource
from .errors import Problems
from .i18n import Reader, activate, parse_locale
from .nav import Navigation, NavNode, build_navigation, merge


def check_files(sources: list[PageSource], config: Config, problems: Problems) -> None:
    """Names that look like a translation into a language the site does not have, and default-
    language folders that would sit where another language's pages are published."""
    prefixes = {lang.prefix for lang in config.languages[1:]}
    for s in sources:
        top = s.url.split("/", 1)[0] + "/"
        if not s.lang and prefixes and top in prefixes:
            problems.error(f"the page is published at /{s.url}, where the pages in the language "
                           f"'{top[:-1]}' are", file=s.file,
                           hint=f"rename the folder, or name the file '*.{top[:-1]}.md' if it is a "
                                "translation.")
        name = s.rel.rsplit("/", 1)[-1][:-3]
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and not s.lang and s.key == s.rel and _is_language(suffix):
            codes = ", ".join(lang.code for lang in config.languages)
            problems.warning(f"the file name looks like a translation into '{suffix}', which is not "
                             "one of the site's languages, so it is published as a page of its own",
                             file=s.file, hint=f"the site's languages are {codes}: add '{suffix}' to "
                                               "'languages' in cxsite.yaml, or rename the file.")


def _is_language(code: str) -> bool:
    try:
        parse_locale(code)
    except ValueError:
        return False
    return True


def language_pages(pages: list[Page], config: Config) -> dict[str, list[Page]]:
    """Each language's pages by language code ('' for the default): its own, then a stand-in
    for every default-language page it has not translated."""
    default = [p for p in pages if not p.source.lang]
    originals = {p.source.key: p for p in default}
    found = {"": default}
    for lang in config.languages[1:]:
        own = [p for p in pages if p.source.lang == lang.code]
        for p in own:  # a translation keeps its original's place in the menu unless it says
            original = originals.get(p.source.key)
            if original is not None and "weight" not in p.meta:
                p.weight = original.weight
        have = {p.source.key for p in own}
        found[lang.code] = own + [stand_in(p, lang.code, lang.prefix) for p in default
                                  if p.source.key not in have]
    return found


def stand_in(page: Page, code: str, prefix: str) -> Page:
    """A default-language page, published in another language's site until it is translated."""
    src = page.source
    source = dataclasses.replace(src, url=prefix + src.url,
                                 section=prefix + src.section if src.url else "", lang=code)
    return dataclasses.replace(page, source=source, fallback=True)


def navigation(by_language: dict[str, list[Page]], config: Config,
               readers: dict[str, Reader]) -> Navigation:
    """The menus of every language, each built in its language (titles such as 'Home')."""
    trees = []
    for lang in config.languages:
        code = lang.code if lang.prefix else ""
        with activate(readers[code]):
            trees.append(build_navigation(by_language.get(code, []), lang.title or config.title,
                                          lang=code))
    return merge(trees)


def link_targets(by_language: dict[str, list[Page]]) -> dict[str, dict[str, str]]:
    """Where a link to a default-language page goes from a page in each language:
    {'zh': {'roadmap.md': 'zh/roadmap/'}}."""
    return {code: {p.source.key: p.url for p in pages} for code, pages in by_language.items() if code}


@dataclasses.dataclass(frozen=True)
class Version:
    """The page a reader switches to in one language."""

    code: str
    tag: str
    name: str
    url: str
    current: bool
    translated: bool  # False: the default-language page stands in for it


def versions(node: NavNode, nav: Navigation, config: Config) -> list[Version]:
    """The page in every language of the site, for the language switcher: the translation when
    there is one, the stand-in otherwise; the home page of a language that has neither."""
    out = []
    for lang in config.languages:
        other = nav.version(node, lang.prefix)
        target = other or nav.roots.get(lang.code if lang.prefix else "", nav.root)
        out.append(Version(lang.code, lang.tag, lang.shown_name, target.url,
                           current=(lang.code if lang.prefix else "") == node.lang,
                           translated=other is not None and not other.fallback))
    return out


def alternates(node: NavNode, nav: Navigation, config: Config) -> list[tuple[str, str]]:
    """(hreflang, site-relative URL) of every real translation of a page, itself included, and
    x-default for the default language's; empty when the page exists in one language only."""
    if node.fallback:
        return []
    found = []
    for lang in config.languages:
        other = nav.version(node, lang.prefix)
        if other is not None and not other.fallback:
            found.append((lang.tag, other.url))
    if len(found) < 2:
        return []
    default = nav.version(node, "")
    if default is not None and not default.fallback:
        found.append(("x-default", default.url))
    return found
