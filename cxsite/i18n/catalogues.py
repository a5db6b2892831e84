"""Message catalogues: the package's (cxsite/i18n/locales/<locale>/LC_MESSAGES/messages.po)
and a site's own (SOURCE/locales/<code>.po, or the same gettext layout), read straight from
the .po files, so a translator's file works as soon as it is saved: nothing is compiled.

A site's catalogue comes first, so it can add a language or reword any message; whatever it
does not translate comes from the package, and whatever neither translates stays English.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations

from ..errors import SiteError

PACKAGE_LOCALES = Path(__file__).resolve().parent / "locales"
SITE_FOLDER = "locales"
DOMAIN = "messages"
_PLACEHOLDER = re.compile(r"%\((\w+)\)")
_PLURAL_EXPR = re.compile(r"[n0-9\s()!=<>%&|?:+\-*/]*")


@dataclass(frozen=True)
class Catalogue:
    """The translations of one language, with what they were read from."""

    translations: NullTranslations
    files: tuple[str, ...]  # site-relative paths of the site's own .po files used (inputs)
    fingerprint: str  # changes whenever any catalogue used changes
    plural: str  # the gettext plural expression ('(n != 1)'), for the browser's scripts
    empty: bool = False  # no catalogue at all: every message stays English


def candidates(loc: Locale) -> list[str]:
    """Catalogue names to look for, most specific first: zh_Hant_HK, zh_Hant; zh only when it
    means the same script (a bare 'zh' catalogue is Simplified Chinese)."""
    from .languages import parse_locale

    names = []
    if loc.territory:
        names.append("_".join(p for p in (loc.language, loc.script, loc.territory) if p))
    if loc.script:
        names.append(f"{loc.language}_{loc.script}")
    if not loc.script or parse_locale(loc.language).script == loc.script:
        names.append(loc.language)
    return names


def _site_files(source: Path, names: list[str], code: str) -> list[Path]:
    """The site's .po files for a language: locales/zh-Hant.po, locales/zh_Hant.po, or
    locales/zh_Hant/LC_MESSAGES/messages.po (as `pybabel init` makes them)."""
    folder = source / SITE_FOLDER
    if not folder.is_dir():
        return []
    found: list[Path] = []
    for name in [code] + names:
        for variant in dict.fromkeys((name, name.replace("_", "-"))):
            for path in (folder / f"{variant}.po", folder / variant / "LC_MESSAGES" / f"{DOMAIN}.po"):
                if path.is_file() and path not in found:
                    found.append(path)
    return found


def _package_files(names: list[str]) -> list[Path]:
    return [p for n in names if (p := PACKAGE_LOCALES / n / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()]


def load_catalogue(loc: Locale, code: str, source: Path | None) -> Catalogue:
    """The translations for a language: the site's catalogues, then the package's."""
    names = candidates(loc)
    site = _site_files(source, names, code) if source is not None else []
    paths = site + _package_files(names)
    stamps = tuple((str(p), *_stamp(p)) for p in paths)
    return _load(stamps, str(loc), str(source) if source is not None else "")


def _stamp(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


@lru_cache(maxsize=64)
def _load(stamps: tuple[tuple[str, int, int], ...], locale: str, source: str) -> Catalogue:
    chain: NullTranslations | None = None
    digest = hashlib.sha256(locale.encode())
    plural = ""
    for path_text, _, _ in reversed(stamps):  # least specific first; each later one overrides
        path = Path(path_text)
        raw = path.read_bytes()
        digest.update(raw)
        rel = _shown(path, source)
        catalog = _read(raw, rel, locale)
        buf = io.BytesIO()
        write_mo(buf, catalog)  # fuzzy entries and empty translations are left out
        buf.seek(0)
        layer = Translations(buf, domain=DOMAIN)
        if chain is not None:
            layer.add_fallback(chain)
        chain = layer
        plural = _plural(catalog.plural_forms, rel) or plural
    site_files = tuple(_shown(Path(p), source) for p, _, _ in stamps
                       if source and Path(p).is_relative_to(source))
    return Catalogue(chain or NullTranslations(), site_files, digest.hexdigest()[:16],
                     plural or "(n != 1)", empty=not stamps)


def _shown(path: Path, source: str) -> str:
    """A catalogue's path as messages show it: locales/fr.po for a site's own."""
    if source and path.is_relative_to(source):
        return path.relative_to(source).as_posix()
    return path.as_posix()


def _read(raw: bytes, rel: str, locale: str):
    try:
        catalog = read_po(io.BytesIO(raw), locale=locale.split("_")[0], abort_invalid=True)
    except PoFileError as exc:
        raise SiteError(f"the translation file is not valid: {exc}", file=rel,
                        line=exc.lineno + 1 if isinstance(getattr(exc, "lineno", None), int) else None,
                        hint="check the msgid/msgstr lines and the quotes on that line; a "
                             "translation editor such as Poedit shows the mistake.") from None
    except UnicodeDecodeError:
        raise SiteError("the translation file is not UTF-8 text", file=rel,
                        hint="save it as UTF-8 in your editor.") from None
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        allowed = {n for i in ids for n in _PLACEHOLDER.findall(i)}
        for text in strings:
            unknown = sorted(set(_PLACEHOLDER.findall(text or "")) - allowed)
            if unknown:
                raise SiteError(f"the translation of '{ids[0]}' uses %({unknown[0]})s, which the "
                                "English text does not have", file=rel, line=message.lineno,
                                hint="keep the %(name)s placeholders of the English text, spelt "
                                     "the same: " + (", ".join(f"%({n})s" for n in sorted(allowed))
                                                     or "it has none") + ".")
    return catalog


def _plural(forms: str, rel: str) -> str:
    """The expression of 'Plural-Forms: nplurals=1; plural=0;' (C syntax, which is also
    JavaScript); only digits, n and operators are accepted."""
    expr = forms.partition("plural=")[2].strip().rstrip(";").strip()
    if not expr:
        return ""
    if not _PLURAL_EXPR.fullmatch(expr):
        raise SiteError(f"the Plural-Forms header '{forms}' is not a plural formula", file=rel,
                        hint="copy the Plural-Forms line from a catalogue of the same language.")
    return expr
