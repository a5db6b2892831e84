"""Translations for the theme's scripts (search, charts): the messages their source passes to
_() and ngettext(), looked up in the page's catalogue and written as a small script that
site.js reads (window.CXSITE_I18N). Found in the scripts with Babel's JavaScript extractor, so
a theme's own scripts can use the site's catalogues too."""
from __future__ import annotations

import io
import json
import re

from .active import Reader

MessageId = str | tuple[str, str]  # a message, or (singular, plural)


_FOUND: dict[tuple[bytes, ...], list[MessageId]] = {}  # scripts -> their messages, per process


def script_messages(sources: list[bytes]) -> list[MessageId]:
    """Every message a script translates with _("..."), gettext() or ngettext("...", "...", n).

    Remembered by the scripts' bytes: Babel's JavaScript lexer takes 40 ms on the theme's
    scripts, and a forked render worker inherits what its parent found (see IncrementalBuild)."""
    key = tuple(sources)
    if key not in _FOUND:
        _FOUND.clear()  # one theme at a time (serve: the last one)
        _FOUND[key] = _find(sources)
    return _FOUND[key]


def found() -> dict[tuple[bytes, ...], list[MessageId]]:
    """What script_messages() has found in this process (see render.warmed)."""
    return dict(_FOUND)


def remember(messages: dict[tuple[bytes, ...], list[MessageId]]) -> None:
    """Take what script_messages() found in another process, for the same scripts' bytes."""
    if messages and not _FOUND:
        _FOUND.update(messages)


# a call of _(), gettext() or ngettext(): the name on its own, then '(' after any spaces and
# comments. A script without one has no message to find, so Babel's lexer (25 ms on the search
# engine's 32 KB) is spared it; one found in a string or a comment only costs that time.
_CALL = re.compile(rb"(?<![\w$])(?:_|gettext|ngettext)(?:\s|/\*.*?\*/|//[^\n]*)*\(", re.S)


def _find(sources: list[bytes]) -> list[MessageId]:
    # imported here: a build's main process takes what its render worker found (render.warmed)
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_javascript

    found: dict[MessageId, None] = {}
    for data in filter(_CALL.search, sources):
        for _, func, messages, _ in extract_javascript(io.BytesIO(data), DEFAULT_KEYWORDS, [], {}):
            args = messages if isinstance(messages, tuple) else (messages,)
            if func in ("_", "gettext") and isinstance(args[0], str):
                found[args[0]] = None
            elif func == "ngettext" and len(args) > 1 and all(isinstance(m, str) for m in args[:2]):
                found[(args[0], args[1])] = None
    return list(found)


def messages_script(reader: Reader, ids: list[MessageId]) -> bytes:
    """window.CXSITE_I18N: the translated messages and the language's plural rule."""
    table: dict[str, object] = {}
    for mid in ids:
        if isinstance(mid, str):
            text = reader.gettext(mid)
            if text != mid:
                table[mid] = text
        else:
            forms = _plural_forms(reader, mid[0])
            if forms:
                table[mid[0]] = forms
    data = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    data = data.replace("<", "\\u003c")
    return (f'window.CXSITE_I18N={{"lang":{json.dumps(reader.tag)},'
            f'"plural":function(n){{return +({reader.catalogue.plural});}},'
            f'"messages":{data}}};\n').encode("utf-8")


def _plural_forms(reader: Reader, singular: str) -> list[str]:
    """Every plural form of a message in the first catalogue of the chain that has it."""
    t = reader.catalogue.translations
    while t is not None:
        table = getattr(t, "_catalog", {})
        forms = []
        while (singular, len(forms)) in table:
            forms.append(table[(singular, len(forms))])
        if forms:
            return forms
        t = getattr(t, "_fallback", None)
    return []
