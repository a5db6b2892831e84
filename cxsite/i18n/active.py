"""The reader's language of the page being rendered, and the gettext functions that use it.

The page renderer activates a page's language (a context variable, as Django's
translation.activate does), so blocks, charts and templates deep down translate with a plain
`_("...")` and format with cxsite.fmt, without passing a locale through every signature.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from babel import Locale
from babel.support import NullTranslations

from .catalogues import Catalogue, load_catalogue
from .languages import ENGLISH, Language


@dataclass(frozen=True)
class Reader:
    """Who the page is for: its language and that language's catalogue."""

    language: Language
    catalogue: Catalogue
    source: Path | None = None  # the site whose catalogues were read

    def __reduce__(self):  # to a spawned worker: read the catalogues again there
        return (reader_for, (self.language, self.source))

    @property
    def locale(self) -> Locale:
        return self.language.babel

    @property
    def tag(self) -> str:
        return self.language.tag

    def gettext(self, message: str) -> str:
        return self.catalogue.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogue.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.catalogue.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.catalogue.translations.npgettext(context, singular, plural, n)


ENGLISH_READER = Reader(ENGLISH, Catalogue(NullTranslations(), (), "en", "(n != 1)", empty=True))
_active: ContextVar[Reader] = ContextVar("cxsite_reader", default=ENGLISH_READER)


def reader_for(language: Language, source: Path | None = None) -> Reader:
    """The reader of a language, with the site's own catalogues (SOURCE/locales/) first."""
    return Reader(language, load_catalogue(language.babel, language.code, source), source)


def current() -> Reader:
    """The reader of the page being rendered (English outside a page)."""
    return _active.get()


@contextmanager
def activate(language: Language | Reader, source: Path | None = None) -> Iterator[Reader]:
    """Render everything inside the block for readers of `language`."""
    reader = language if isinstance(language, Reader) else reader_for(language, source)
    token = _active.set(reader)
    try:
        yield reader
    finally:
        _active.reset(token)


def _fill(text: str, english: str, values: dict[str, Any]) -> str:
    if not values:
        return text
    try:
        return text % values
    except (KeyError, ValueError, TypeError):  # a broken translation: the English still reads
        return english % values


def gettext(message: str, **values: Any) -> str:
    """The message in the reader's language; %(name)s placeholders are filled from `values`."""
    return _fill(_active.get().gettext(message), message, values)


_ = gettext


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The singular or plural form for n, in the reader's language; %(num)s is n unless given."""
    values.setdefault("num", n)
    english = singular if n == 1 else plural
    return _fill(_active.get().ngettext(singular, plural, n), english, values)


def pgettext(context: str, message: str, **values: Any) -> str:
    """gettext for a message whose translation depends on where it is used."""
    return _fill(_active.get().pgettext(context, message), message, values)


def npgettext(context: str, singular: str, plural: str, n: int, **values: Any) -> str:
    values.setdefault("num", n)
    english = singular if n == 1 else plural
    return _fill(_active.get().npgettext(context, singular, plural, n), english, values)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """Marks a message for the catalogue where it is defined; translate it with _() where used."""
    return message


def install_jinja(env: Any) -> None:
    """jinja2.ext.i18n with new-style gettext bound to the page's reader: {{ _("Search") }},
    {{ ngettext("%(num)d page", "%(num)d pages", n) }}, {% trans %}...{% endtrans %}.

    The callables are jinja2's new-style ones (a catalogue's text is trusted markup, values are
    escaped, a literal % is written %%), made directly: jinja2's wrappers cost 5% of a build."""
    from markupsafe import Markup

    env.add_extension("jinja2.ext.i18n")

    def done(text: str, values: dict[str, Any]) -> Markup:
        return Markup(text) % values if values or "%" in text else Markup(text)

    def gettext_(message: str, **values: Any) -> Markup:
        return done(_active.get().gettext(message), values)

    def ngettext_(singular: str, plural: str, n: int, **values: Any) -> Markup:
        values.setdefault("num", n)
        return done(_active.get().ngettext(singular, plural, n), values)

    def pgettext_(context: str, message: str, **values: Any) -> Markup:
        return done(_active.get().pgettext(context, message), values)

    def npgettext_(context: str, singular: str, plural: str, n: int, **values: Any) -> Markup:
        values.setdefault("num", n)
        return done(_active.get().npgettext(context, singular, plural, n), values)

    env.newstyle_gettext = True  # what {% trans %} compiles to
    env.globals.update(_=gettext_, gettext=gettext_, ngettext=ngettext_, pgettext=pgettext_,
                       npgettext=npgettext_)
