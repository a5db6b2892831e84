"""The message catalogues: complete for zh-Hans and zh-Hant, overridable by a site, and every
reader-facing word of the theme inside them."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from cxsite.errors import SiteError
from cxsite.i18n import (PACKAGE_LOCALES, _, activate, install_jinja, make_language, ngettext,
                         npgettext, parse_locale)
from cxsite.i18n.browser import messages_script, script_messages

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


# --- language codes ---------------------------------------------------------------------------
@pytest.mark.parametrize("code, tag, name", [
    ("en", "en", "English"), ("zh", "zh-Hans", "简体中文"), ("zh-Hans", "zh-Hans", "简体中文"),
    ("zh_hant", "zh-Hant", "繁體中文"), ("zh-TW", "zh-Hant-TW", "繁體中文"), ("zh-HK", "zh-Hant-HK", "繁體中文"),
    ("zh-CN", "zh-Hans-CN", "简体中文"), ("en-GB", "en-GB", "English"),
])
def test_language_codes_as_people_write_them(code, tag, name):
    lang = make_language(code)
    assert (lang.tag, lang.shown_name) == (tag, name)


@pytest.mark.parametrize("code", ["xx", "chinese", "", "zh Hans", "../en"])
def test_unknown_codes_are_refused(code):
    with pytest.raises(ValueError):
        parse_locale(code)


# --- catalogues -------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def extracted() -> dict[tuple[str | None, str], str | None]:
    """Every message the code, templates and scripts translate, as pybabel extract finds them."""
    method_map = [("cxsite/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.js", "javascript")]
    found: dict[tuple[str | None, str], str | None] = {}
    for _file, _line, message, _comments, context in extract_from_dir(str(ROOT), method_map):
        ids = message if isinstance(message, tuple) else (message,)
        if ids and isinstance(ids[0], str):
            plural = ids[1] if len(ids) > 1 and isinstance(ids[1], str) and "ngettext" else None
            found[(context, ids[0])] = plural
    return found


def catalogue(locale: str):
    with (PACKAGE_LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def test_extraction_finds_the_theme_blocks_and_scripts():
    ids = {m for _, m in extracted()}
    assert {"Skip to main content", "Show the data as a table", "Save as SVG",
            "No results for “{q}”."} <= ids


@pytest.mark.parametrize("locale", ["zh_Hans", "zh_Hant"])
def test_catalogue_is_complete(locale):
    """Every message in the code has a translation that is not fuzzy and keeps its placeholders."""
    cat = catalogue(locale)
    missing, broken = [], []
    for (context, msgid), _plural in sorted(extracted().items(), key=str):
        m = cat.get(msgid, context=context)
        strings = [] if m is None else (list(m.string) if isinstance(m.string, (list, tuple)) else [m.string])
        if m is None or m.fuzzy or not all(strings):
            missing.append(msgid)
            continue
        want = set(PLACEHOLDER.findall(msgid))
        if any(set(PLACEHOLDER.findall(s)) != want for s in strings):
            broken.append(msgid)
    assert missing == [], f"run pybabel update and translate these in {locale}"
    assert broken == []


def test_template_pot_is_up_to_date():
    """cxsite/i18n/locales/messages.pot lists what the code translates (pybabel extract)."""
    with (PACKAGE_LOCALES / "messages.pot").open("rb") as f:
        pot = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in read_po(f) if m.id}
    assert pot == set(extracted())


def test_traditional_chinese_is_not_simplified():
    """zh-Hant is written in Traditional characters with Taiwan/Hong Kong wording (資料, 搜尋)."""
    hant = catalogue("zh_Hant")
    simplified_only = set("数据据资网页设载选单简击视说门")
    for m in hant:
        for s in (m.string if isinstance(m.string, (list, tuple)) else [m.string]):
            assert not simplified_only & set(s or ""), (m.id, s)
    assert hant.get("Show the data as a table").string == "以表格檢視資料"


def test_translations_and_placeholders():
    with activate(make_language("zh-Hans")):
        assert _("Search") == "搜索"
        assert _("Data: %(title)s", title="净推荐值") == "数据：净推荐值"
        assert ngettext("%(num)s point", "%(num)s points", 3) == "3 分"
        assert npgettext("change of a percentage", "%(num)s point", "%(num)s points", 2) == "2 个百分点"
        assert _("a message no catalogue has") == "a message no catalogue has"
    with activate(make_language("zh-Hant")):
        assert _("Search") == "搜尋"
    assert _("Search") == "Search"  # outside a page: English


def test_templates_translate_with_the_page_language():
    env = jinja2.Environment(autoescape=True)
    install_jinja(env)
    template = env.from_string('{{ _("On this page") }} · {{ _("Data: %(title)s", title="<b>") }}')
    with activate(make_language("zh-Hant")):
        assert template.render() == "本頁內容 · 資料：&lt;b&gt;"
    assert template.render() == "On this page · Data: &lt;b&gt;"
    blocks = env.from_string('{% trans title="<i>" %}Data: {{ title }}{% endtrans %} · '
                             '{% trans num=3 %}{{ num }} point{% pluralize %}{{ num }} points'
                             '{% endtrans %} · {{ _("100%% sure") }}')
    with activate(make_language("zh-Hans")):
        assert blocks.render() == "数据：&lt;i&gt; · 3 分 · 100% sure"


# --- a site's own catalogues -----------------------------------------------------------------
def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PO_HEAD = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: {plural}\\n"\n\n'


def test_a_site_rewords_a_message_and_keeps_the_rest(tmp_path):
    write(tmp_path / "locales" / "zh-Hant.po", PO_HEAD.format(plural="nplurals=1; plural=0;") +
          'msgid "Search"\nmsgstr "站內搜尋"\n')
    with activate(make_language("zh-Hant"), tmp_path) as reader:
        assert _("Search") == "站內搜尋"
        assert _("Menu") == "選單"  # from the package
        assert reader.catalogue.files == ("locales/zh-Hant.po",)


def test_a_translator_adds_a_language_without_code(tmp_path):
    write(tmp_path / "locales" / "fr" / "LC_MESSAGES" / "messages.po",
          PO_HEAD.format(plural="nplurals=2; plural=(n > 1);") +
          'msgid "Search"\nmsgstr "Rechercher"\n\n'
          'msgid "%(num)s point"\nmsgid_plural "%(num)s points"\nmsgstr[0] "%(num)s point"\n'
          'msgstr[1] "%(num)s points"\n\n'
          '#, fuzzy\nmsgid "Menu"\nmsgstr "Mnu?"\n')
    with activate(make_language("fr"), tmp_path) as reader:
        assert _("Search") == "Rechercher"
        assert _("Menu") == "Menu"  # a fuzzy (unchecked) translation is not used
        assert ngettext("%(num)s point", "%(num)s points", 1) == "1 point"
        assert reader.catalogue.plural == "(n > 1)"


def test_a_broken_placeholder_names_the_file_and_line(tmp_path):
    write(tmp_path / "locales" / "zh-Hans.po", PO_HEAD.format(plural="nplurals=1; plural=0;") +
          '#, python-format\nmsgid "Data: %(title)s"\nmsgstr "数据：%(titel)s"\n')
    with pytest.raises(SiteError) as exc:
        with activate(make_language("zh-Hans"), tmp_path):
            pass
    p = exc.value.problem
    assert (p.file, p.line) == ("locales/zh-Hans.po", 7)
    assert "%(titel)s" in p.message and "%(title)s" in p.hint


def test_an_invalid_po_file_is_a_message_not_a_crash(tmp_path):
    write(tmp_path / "locales" / "zh-Hans.po", 'msgid "Search"\nmsgstr "搜索"\nmsgtxt "Menu"\n')
    with pytest.raises(SiteError) as exc:
        with activate(make_language("zh-Hans"), tmp_path):
            pass
    assert (exc.value.problem.file, exc.value.problem.line) == ("locales/zh-Hans.po", 3)


def test_a_saved_catalogue_is_read_again(tmp_path):
    po = write(tmp_path / "locales" / "zh-Hans.po", PO_HEAD.format(plural="nplurals=1; plural=0;") +
               'msgid "Search"\nmsgstr "查找"\n')
    with activate(make_language("zh-Hans"), tmp_path):
        assert _("Search") == "查找"
    po.write_text(po.read_text(encoding="utf-8").replace("查找", "站内搜索"), encoding="utf-8")
    with activate(make_language("zh-Hans"), tmp_path):
        assert _("Search") == "站内搜索"


# --- scripts ----------------------------------------------------------------------------------
def test_scripts_get_their_messages_and_the_plural_rule():
    ids = script_messages([(ROOT / "templates/charts/cx-charts.js").read_bytes(),
                           b'ngettext("%(num)s page", "%(num)s pages", n); _("Search", {})'])
    assert "Save as SVG" in ids and ("%(num)s page", "%(num)s pages") in ids and "Search" in ids
    with activate(make_language("zh-Hant")) as reader:
        script = messages_script(reader, ids).decode("utf-8")
    assert script.startswith('window.CXSITE_I18N={"lang":"zh-Hant","plural":function(n){return +(0);}')
    assert '"Save as SVG":"另存為 SVG 圖片"' in script and '"Search":"搜尋"' in script


# --- nothing English outside the catalogue ----------------------------------------------------
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_TAG = re.compile(r"<[^>]*>")
_STYLE = re.compile(r"<style\b.*?</style>", re.S)  # CSS (the theme's @font-face) is not read
_SPOKEN_ATTRS = re.compile(r'\b(aria-label|title|placeholder|alt|data-text-[\w-]+)="([^"]*)"')
_ATTR = re.compile(r'\b[\w:-]+="[^"]*"')
_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.mark.parametrize("template", sorted(p.relative_to(ROOT / "templates").as_posix()
                                            for p in (ROOT / "templates").rglob("*.html")))
def test_templates_have_no_english_outside_the_catalogue(template):
    """Text between tags and attributes readers meet (aria-label, title, placeholder, alt, the
    search texts data-text-*) of the theme all come from {{ _("...") }}."""
    source = _STYLE.sub(" ", _JINJA.sub(" X ", (ROOT / "templates" / template).read_text(encoding="utf-8")))
    spoken = [v for _, v in _SPOKEN_ATTRS.findall(source)]
    text = _ATTR.sub(" ", _TAG.sub(" ", source))  # a partial may hold a tag's attributes only
    assert _WORD.findall(" ".join(spoken + [text])) == []


def test_no_message_is_hidden_in_an_f_string():
    """pybabel cannot see _("...") inside an f-string's braces (before Python 3.12): such a
    message would never reach the catalogue."""
    hidden = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "cxsite").rglob("*.py")
              for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"""\bf["'][^"']*\{[^}]*\b(_|gettext|ngettext|pgettext|npgettext)\(""", line)]
    assert hidden == []


@pytest.mark.parametrize("script", [
    b'show(_("a"));', b'_ ("b")', b'x = _ /* why */ ("c");', b'_ // why\n("d")',
    b'ngettext("one page", "%(n)s pages", n)', b"gettext('e')", b'obj._("f")', b'$_("no")',
    b'var s = "_("; f("g")', b'// _("in a comment")\nf()', b"search_engine(x); a._b('h')",
    b"", b"_", b"ngettext\n\n(\n'i', 'j', 2)",
])
def test_scripts_without_a_call_skip_babel_and_lose_no_message(script):
    """Babel's lexer is spared scripts that cannot call _(), gettext() or ngettext(); what it
    finds in the others, and in the theme's own scripts, is unchanged."""
    import re
    from pathlib import Path
    from unittest import mock

    from cxsite.i18n import browser

    theme = [p.read_bytes() for p in sorted(Path(__file__).resolve().parent.parent.glob("templates/*/*.js"))]
    for sources in ([script], theme):
        with mock.patch.object(browser, "_CALL", re.compile(rb"")):  # every script to Babel
            everything = browser._find(sources)
        assert browser._find(sources) == everything
