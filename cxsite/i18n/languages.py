"""Language codes as people write them (en, zh, zh-Hant, zh_TW) made into Babel locales and
the BCP 47 tags that HTML's lang and hreflang attributes want."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.localedata import locale_identifiers

_CODE = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*")


@dataclass(frozen=True)
class Language:
    """One language of a site: how it is written in file names and URLs, and its locale.

    The default language has prefix ''; every other one lives under '<code>/'."""

    code: str  # as the site writes it: 'en', 'zh', 'zh-Hant' (file suffixes and URLs use it)
    tag: str  # BCP 47, for lang= and hreflang=: 'en', 'zh-Hans', 'zh-Hant-HK'
    locale: str  # Babel's identifier: 'en', 'zh_Hans', 'zh_Hant_HK'
    prefix: str = ""  # '' for the default language, else 'zh/'
    name: str = ""  # the name the site gives it; '' for its own name (see shown_name)
    title: str = ""
    description: str = ""
    footer: str = ""

    @property
    def babel(self) -> Locale:
        return _babel(self.locale)

    @property
    def shown_name(self) -> str:
        """The name the language switcher shows (a locale's names are loaded only for it)."""
        return self.name or own_name(self.babel)


@lru_cache(maxsize=None)
def _babel(identifier: str) -> Locale:
    return Locale.parse(identifier)


def parse_locale(text: str) -> Locale:
    """The Babel locale of a language code; raises ValueError for one Babel does not know.

    'zh' is taken as the script most people write it in (zh-Hans), as CLDR's likely
    subtags say; zh-TW and zh-HK become zh-Hant.
    """
    text = str(text).strip()
    if not _CODE.fullmatch(text):
        raise ValueError(text)
    try:
        loc = Locale.parse(text.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValueError(text) from None
    if loc.script is None:
        likely = get_global("likely_subtags").get(loc.language, "")
        parts = likely.split("_")
        script = parts[1] if len(parts) > 1 and len(parts[1]) == 4 else None
        if script and f"{loc.language}_{script}" in _identifiers():
            ident = "_".join(p for p in (loc.language, script, loc.territory) if p)
            if ident not in _identifiers():
                ident = f"{loc.language}_{script}"
            loc = Locale.parse(ident)
    return loc


@lru_cache(maxsize=1)
def _identifiers() -> frozenset[str]:
    return frozenset(locale_identifiers())


def tag_of(loc: Locale) -> str:
    """The BCP 47 tag of a locale: zh_Hant_HK -> zh-Hant-HK."""
    return "-".join(p for p in (loc.language, loc.script, loc.territory) if p)


def own_name(loc: Locale) -> str:
    """What speakers call their language: 简体中文, 繁體中文, English, Français."""
    key = f"{loc.language}_{loc.script}" if loc.script else loc.language
    name = loc.languages.get(key) or loc.get_display_name(loc) or tag_of(loc)
    return name[:1].upper() + name[1:]


def language_name(of: str, reader: Locale) -> str:
    """The name of a language in the reader's language: 英语 for English, read in Chinese."""
    loc = _babel(of)
    key = f"{loc.language}_{loc.script}" if loc.script else loc.language
    return reader.languages.get(key) or reader.languages.get(loc.language) or tag_of(loc)


def make_language(code: str, *, locale: str | None = None, prefix: str = "", name: str = "",
                  title: str = "", description: str = "", footer: str = "") -> Language:
    """A Language from a code (and optionally a locale that differs from it); ValueError if unknown."""
    loc = parse_locale(locale or code)
    return Language(code=code, tag=tag_of(loc), locale=str(loc), prefix=prefix,
                    name=name, title=title, description=description,
                    footer=footer)


ENGLISH = make_language("en")


def choose(texts: dict[str, str], lang: Language) -> str:
    """The text for a language from {language code: text} as an author writes it: the reader's
    code or tag, else the same language and script, else the same language, else the first."""
    if not texts:
        return ""
    wanted = lang.babel
    best, rank = next(iter(texts.values())), 0
    for code, text in texts.items():
        if code.lower() in (lang.code.lower(), lang.tag.lower()):
            return text
        try:
            loc = parse_locale(code)
        except ValueError:
            continue
        score = 2 if (loc.language, loc.script) == (wanted.language, wanted.script) else \
            1 if loc.language == wanted.language else 0
        if score > rank:
            best, rank = text, score
    return best
