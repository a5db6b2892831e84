"""Read and validate the site config (cxsite.yaml); every default lives here."""
from __future__ import annotations

import contextvars
import os
import posixpath
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from .errors import Problems, SiteError, UsageError, did_you_mean
from .i18n.languages import ENGLISH, Language, make_language
from .yamltext import parse_mapping

CONFIG_NAME = "cxsite.yaml"
# set while a page renders: effective_today() notes there that the page shows the real date
CLOCK_READ: contextvars.ContextVar[list | None] = contextvars.ContextVar("cxsite_clock",
                                                                        default=None)
CACHE_NAME = ".cxsite"  # the default cache folder, inside the site folder (git-ignored)
# Okabe-Ito: distinguishable with the common forms of colour blindness.
COLOURBLIND_SAFE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


@dataclass(frozen=True)
class Config:
    """Everything a build needs to know besides the site's files."""

    source: Path
    output: Path
    title: str = "CX programme"
    description: str = ""
    language: str = "en"
    base_url: str = "/"
    strict: bool = False
    today: date | None = None
    colors: tuple[str, ...] = tuple(COLOURBLIND_SAFE)
    min_group_size: int = 10  # privacy: the fewest respondents any published figure may cover
    protected: tuple[str, ...] = ()  # privacy: data files declared protected (paths inside data/)
    run_code: bool = True  # False in `check`: python: chart modules are compiled, never run
    roadmap_months: tuple[int, int] = (18, 24)
    kpi_definitions: str = "kpi_definitions.yaml"
    footer: str = ""
    languages: tuple[Language, ...] = (ENGLISH,)  # the default language first
    serve_mode: bool = False
    write_cache: bool = True  # False in `check`: a check writes nothing, not even caches
    unsafe_html: bool = False  # markdown.unsafe_html: keep all raw HTML (trusted authors only)
    extra: dict = field(default_factory=dict)
    cache_dir: Path = None  # type: ignore[assignment]  # the chart cache and build state; SOURCE/.cxsite

    def __post_init__(self) -> None:
        if self.cache_dir is None:
            object.__setattr__(self, "cache_dir", Path(self.source) / CACHE_NAME)

    @property
    def content_dir(self) -> Path:
        return self.source / "content"

    @property
    def data_dir(self) -> Path:
        return self.source / "data"

    @property
    def templates_dir(self) -> Path:
        return self.source / "templates"

    @property
    def config_file(self) -> Path:
        return self.source / CONFIG_NAME

    @property
    def build_date(self) -> date | None:
        """The date to print on pages: only when SOURCE_DATE_EPOCH fixes it (reproducible builds)."""
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.strip().isdigit():
            return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
        return None

    @property
    def default_language(self) -> Language:
        return self.languages[0]

    def language_by_code(self, code: str) -> Language:
        """A language of the site by its code ('' is the default language)."""
        for lang in self.languages:
            if lang.code == code:
                return lang
        return self.languages[0]

    def declares_protected(self, rel: str) -> bool:
        """Whether cxsite.yaml lists data/NAME (`rel`, as the loader names it) as protected.
        Letter case is ignored: on Windows and macOS Pulse.csv and pulse.csv are one file."""
        name = rel.removeprefix("data/").casefold()
        return any(p.casefold() == name for p in self.protected)

    def language_of_url(self, url: str) -> Language:
        """The language a site-relative URL is in: the one whose folder ('zh/') holds it."""
        return next((lang for lang in self.languages if lang.prefix and url.startswith(lang.prefix)),
                    self.languages[0])

    def effective_today(self) -> date:
        """'Today' for roadmaps: the config, else SOURCE_DATE_EPOCH, else the real date."""
        fixed = self.today or self.build_date
        if fixed is None:
            used = CLOCK_READ.get()
            if used is not None:  # a page that shows the real date is redone on another day
                used.append(True)
        return fixed or date.today()


def default_theme_dir() -> Path:
    """The built-in theme: packaged as cxsite/theme when installed, templates/ in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "theme"
    return packaged if packaged.is_dir() else here.parent / "templates"


_TEXT_EXAMPLES = {"title": "Customer First", "description": "Our CX programme", "language": "en",
                  "footer": "Customer First", "base_url": "/cx/"}
_HEX = re.compile(r"#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_KEYS = {
    "title", "description", "language", "languages", "base_url", "today", "colors", "footer",
    "survey", "roadmap", "kpi", "markdown", "privacy",
}
LANGUAGE_KEYS = ("locale", "name", "title", "description", "footer")
_URL_CODE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_LANGUAGE_HINT = ("write a language code such as 'en', 'en-GB', 'zh-Hans' (Simplified Chinese) or "
                  "'zh-Hant' (Traditional Chinese).")


def normalise_base_url(url: str) -> str:
    """Make a base URL end in '/', and a bare path start with '/'."""
    url = (url or "/").strip()
    if "://" not in url and not url.startswith("/"):
        url = "/" + url
    return url if url.endswith("/") else url + "/"


BASE_URL_RULE = ("a path such as /cx/ or an http(s) address such as "
                 "https://intranet.example/cx/")


def base_url_problem(url: str) -> str | None:
    """Why a base URL cannot be used, or None. Only a path or an http(s) address can be: the
    404 page links home with it and the sitemap lists it, so 'javascript:' or '//other.host'
    would become a link that runs code or leaves the site."""
    text = (url or "").strip()
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", text)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return f"starts with '{scheme.group(1)}:', which is not a web address"
    if any(ord(c) < 32 or c in ' "<>\\`{}|^' for c in text):
        return "holds a space, a backslash or another character an address cannot hold"
    if scheme:
        rest = text[len(scheme.group(0)):]
        if not rest.startswith("//") or not rest[2:].split("/", 1)[0]:
            return "has no host name after 'http://' or 'https://'"
        return None
    if text.startswith("//"):
        return "starts with '//', which browsers read as the address of another site"
    return None
_SECTIONS = {"survey": ("min_group_size",), "roadmap": ("min_months", "max_months"),
             "kpi": ("definitions",), "markdown": ("unsafe_html",),
             "privacy": ("min_group_size", "protected")}
_EXAMPLES = {"survey": "min_group_size: 10", "roadmap": "min_months: 18", "kpi": "definitions: kpis.yaml",
             "markdown": "unsafe_html: false", "privacy": "min_group_size: 10"}


def _int_in(value: Any, key: str, lo: int, hi: int, problems: Problems, file: str,
            line: int | None = None) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        problems.error(f"'{key}' must be a whole number from {lo} to {hi}, not {value!r}", file=file,
                       line=line, hint=f"write for example '{key.split('.')[-1]}: {lo}'.")
        return None
    return value


def _protected_files(value: Any, data_dir: Path, problems: Problems, file: str,
                     line: int | None) -> tuple[str, ...]:
    """The files listed under privacy: protected, as paths inside data/; each must exist, since a
    misspelt name would leave the real file unprotected without a word."""
    hint = "write the file names of data/ as a list, for example 'protected: [pulse.csv, exit.xlsx]'."
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.error("'privacy.protected' must be a list of data files", file=file, line=line,
                       hint=hint)
        return ()
    names = []
    for name in value:
        clean = name.strip().replace("\\", "/")
        clean = posixpath.normpath(clean[5:] if clean.startswith("data/") else clean)  # as loaded
        if clean.startswith(("/", "..")) or not (data_dir / clean).is_file():
            existing = sorted(p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*")
                              if p.is_file()) if data_dir.is_dir() else []
            problems.error(f"'privacy.protected' names '{name}', but there is no such file in data/",
                           file=file, line=line,
                           hint=did_you_mean(clean, existing) if existing else
                           "check the file name; a file listed here is protected once it exists.")
            continue
        names.append(clean)
    return tuple(names)


def load_config(source: Path, output: Path | None = None, *, base_url: str | None = None,
                strict: bool = False, serve_mode: bool = False,
                cache_dir: Path | None = None) -> Config:
    """Read SOURCE/cxsite.yaml (optional) and apply command-line overrides; report every mistake."""
    source = source.resolve()
    output = (output or source / "output").resolve()
    if base_url is not None and base_url_problem(base_url):
        raise UsageError(f"--base-url {base_url_problem(base_url)}: {base_url!r}; write "
                         f"{BASE_URL_RULE}")
    cfg = Config(source=source, output=output, strict=strict, serve_mode=serve_mode,
                 cache_dir=(cache_dir or source / CACHE_NAME).resolve())
    problems = Problems()
    raw: dict = {}
    file = CONFIG_NAME
    lines: dict[str, int] = {}
    if cfg.config_file.is_file():
        try:
            text = cfg.config_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise SiteError("the config file is not UTF-8 text", file=file,
                            hint="save it as UTF-8 in your editor.") from None
        raw = parse_mapping(text, file=file, what="the config file", lines=lines)

    def error(message: str, key: str, hint: str) -> None:
        problems.error(message, file=file, line=lines.get(key), hint=hint)

    changes: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _KEYS:
            error(f"unknown setting '{key}'", key, did_you_mean(key, _KEYS))
        elif key == "languages":
            continue  # read with 'language' below
        elif key in ("title", "description", "language", "footer", "base_url") and \
                isinstance(value, (dict, list)):
            error(f"'{key}' must be a single line of text", key,
                  f"write it on one line, for example '{key}: {_TEXT_EXAMPLES[key]}'.")
        elif key in ("title", "description", "language", "footer"):
            changes[key] = "" if value is None else str(value)
        elif key == "base_url":
            why = base_url_problem(str(value))
            if why:
                error(f"'base_url' {why}: {str(value)!r}", key,
                      f"write {BASE_URL_RULE}.")
            else:
                changes["base_url"] = normalise_base_url(str(value))
        elif key == "today":
            try:
                changes["today"] = (value.date() if isinstance(value, datetime) else value
                                    if isinstance(value, date) else date.fromisoformat(str(value)))
            except ValueError:
                error(f"'today' must be a date like 2026-03-15, not {value!r}", key,
                      "write the date as YYYY-MM-DD.")
        elif key == "colors":
            if not (isinstance(value, list) and value and all(isinstance(c, str) for c in value)):
                error("'colors' must be a list of colours such as '#0072B2'", key,
                      "write one colour per line, each starting with '- '.")
            else:
                bad = [c for c in value if c.startswith("#") and not _HEX.fullmatch(c)]
                if bad:
                    error(f"'{bad[0]}' in 'colors' is not a colour", key,
                          "write a colour as # and 6 hexadecimal digits, for example '#0072B2'.")
                changes["colors"] = tuple(value)
        elif value is not None and not isinstance(value, dict):  # survey, roadmap, kpi
            error(f"'{key}' must hold settings on the lines below it, not {value!r}", key,
                  f"write '{key}:' on its own line and below it, indented, for example "
                  f"'  {_EXAMPLES[key]}'.")
        else:
            section = value or {}
            for sub in section:
                if sub not in _SECTIONS[key]:
                    error(f"unknown setting '{key}.{sub}'", f"{key}.{sub}",
                          did_you_mean(str(sub), _SECTIONS[key]))
            if key in ("survey", "privacy") and "min_group_size" in section:
                # privacy.min_group_size; survey.min_group_size is its older name, still read
                if key == "survey" and "min_group_size" in (raw.get("privacy") or {}):
                    error("'min_group_size' is set twice, under 'survey' and under 'privacy'",
                          "survey.min_group_size", "keep the one under 'privacy:' and delete the other.")
                n = _int_in(section["min_group_size"], f"{key}.min_group_size", 1, 1000, problems,
                            file, lines.get(f"{key}.min_group_size"))
                if n is not None:
                    changes["min_group_size"] = n
            if key == "privacy" and "protected" in section:
                names = _protected_files(section["protected"], cfg.data_dir, problems, file,
                                         lines.get("privacy.protected"))
                changes["protected"] = names
            elif key == "roadmap":
                lo, hi = cfg.roadmap_months
                if "min_months" in section:
                    lo = _int_in(section["min_months"], "roadmap.min_months", 1, 240, problems, file,
                                 lines.get("roadmap.min_months")) or lo
                if "max_months" in section:
                    hi = _int_in(section["max_months"], "roadmap.max_months", 1, 240, problems, file,
                                 lines.get("roadmap.max_months")) or hi
                if lo > hi:
                    error(f"'roadmap.min_months' ({lo}) is more than 'roadmap.max_months' ({hi})",
                          "roadmap", "swap the two numbers.")
                changes["roadmap_months"] = (lo, hi)
            elif key == "markdown" and "unsafe_html" in section:
                flag = section["unsafe_html"]
                if not isinstance(flag, bool):
                    error("'markdown.unsafe_html' must be true or false", "markdown.unsafe_html",
                          "write 'unsafe_html: true' only if every author of the site is trusted.")
                else:
                    changes["unsafe_html"] = flag
            elif key == "kpi" and "definitions" in section:
                name = section["definitions"]
                if not isinstance(name, str) or not name.strip():
                    error("'kpi.definitions' must name a file in the data folder", "kpi.definitions",
                          "write for example 'definitions: kpi_definitions.yaml'.")
                else:
                    changes["kpi_definitions"] = name.strip()
    if base_url is not None:
        changes["base_url"] = normalise_base_url(base_url)
    changes["languages"] = _languages(raw, changes, lines, problems)
    problems.raise_if_failed()
    return replace(cfg, **changes)


def _languages(raw: dict, changes: dict, lines: dict[str, int], problems: Problems) -> tuple[Language, ...]:
    """'language' (the default, at the site's root) and 'languages' (the others, each under
    /<code>/, with their own title, description and footer)."""
    def error(message: str, key: str, hint: str) -> None:
        problems.error(message, file=CONFIG_NAME, line=lines.get(key), hint=hint)

    default_code = str(changes.get("language") or "en").strip()
    section = raw.get("languages")
    if isinstance(section, list) and all(isinstance(c, (str, int)) for c in section):
        section = {str(c): None for c in section}
    if section is None:
        section = {}
    if not isinstance(section, dict):
        error("'languages' must list the site's other languages by their code", "languages",
              "write for example:\n  languages:\n    zh-Hant:\n      title: 客戶至上")
        section = {}
    base = {"title": changes.get("title", Config.title), "footer": changes.get("footer", ""),
            "description": changes.get("description", "")}
    found: list[Language] = []
    for code in [default_code] + [str(c) for c in section if str(c) != default_code]:
        key = "language" if code == default_code and code not in section else f"languages.{code}"
        settings = section.get(code) if code in section else None
        if settings is None:
            settings = {}
        if not isinstance(settings, dict):
            error(f"'languages.{code}' must hold settings on the lines below it, not {settings!r}",
                  key, f"write '{code}:' on its own line and below it, indented, for example "
                       "'  title: 客户至上'.")
            continue
        for sub in settings:
            if sub not in LANGUAGE_KEYS:
                error(f"unknown setting '{key}.{sub}'", f"{key}.{sub}",
                      did_you_mean(str(sub), LANGUAGE_KEYS))
        for sub, v in settings.items():
            if sub in LANGUAGE_KEYS and isinstance(v, (dict, list)):
                error(f"'{key}.{sub}' must be a single value, not a list", f"{key}.{sub}",
                      f"write one value after '{sub}:', for example 'title: 客户至上'.")
        texts = {k: "" if v is None else str(v) for k, v in settings.items()
                 if k in LANGUAGE_KEYS and not isinstance(v, (dict, list))}
        if code != default_code and not _URL_CODE.fullmatch(code):
            if re.fullmatch(r"[A-Za-z0-9-]+", code):  # an address could hold it, but no language is
                error(f"'{code}' is not a language code cxsite knows", key, _LANGUAGE_HINT)
            else:
                error(f"the language code '{code}' cannot be part of an address", key,
                      "use letters, digits and '-' only, such as 'zh' or 'zh-Hant'.")
            continue
        inherited = base if code == default_code else {}
        try:
            lang = make_language(code, locale=texts.get("locale") or None,
                                 prefix="" if code == default_code else code + "/",
                                 name=texts.get("name", ""),
                                 **{k: texts.get(k) or inherited.get(k, "")
                                    for k in ("title", "description", "footer")})
        except ValueError:
            what = texts.get("locale") or code
            error(f"'{what}' is not a language code cxsite knows", f"{key}.locale"
                  if texts.get("locale") else key, _LANGUAGE_HINT)
            continue
        clash = next((o for o in found if o.tag == lang.tag), None)
        if clash is not None:
            error(f"the languages '{clash.code}' and '{code}' are the same language ({lang.tag})",
                  key, "list each language once.")
            continue
        found.append(lang)
    return tuple(found) or (ENGLISH,)
