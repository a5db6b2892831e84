"""Every word a reader sees, in the reader's language.

    from cxsite.i18n import _, ngettext, N_

    _("Download the data")                          # the page's language
    _("Source: %(source)s", source=name)            # placeholders filled after translation
    ngettext("%(num)s row", "%(num)s rows", n, num=fmt.integer(n))

The page renderer activates each page's language (`activate`); numbers, dates and units go
through cxsite.fmt, which uses the same locale. Catalogues: locales/<locale>/LC_MESSAGES/
messages.po here, and a site's own in SOURCE/locales/ (see README, "Languages").
"""
from .active import (ENGLISH_READER, Reader, _, N_, activate, current, gettext, install_jinja,
                     ngettext, npgettext, pgettext, reader_for)
from .catalogues import PACKAGE_LOCALES, Catalogue, load_catalogue
from .languages import ENGLISH, Language, choose, language_name, make_language, own_name, parse_locale

__all__ = [
    "ENGLISH", "ENGLISH_READER", "PACKAGE_LOCALES", "Catalogue", "Language", "N_", "Reader", "_",
    "activate", "choose", "current", "gettext", "install_jinja", "language_name", "load_catalogue",
    "make_language", "ngettext", "npgettext", "own_name", "parse_locale", "pgettext",
    "reader_for",
]
