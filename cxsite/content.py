"""Find the pages under content/, read their front matter, and give each its URL."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .errors import Problems, SiteError, did_you_mean
from .i18n import _
from .yamltext import parse_mapping

if TYPE_CHECKING:
    from .i18n import Language

FRONT_MATTER_KEYS = {"title": str, "description": str, "weight": int, "draft": bool,
                     "lang": str, "template": str, "search": bool}
INDEX_NAMES = ("_index.md", "index.md")
_FENCE = re.compile(r"^(---|\.\.\.)\s*$")


@dataclass(frozen=True)
class PageSource:
    """Where a page comes from and where it goes: plain paths, no content."""

    rel: str  # path under content/, posix, e.g. "findings/gallup.md"
    url: str  # site-relative URL, "" for the home page, else ending in "/"
    section: str  # url of the section the page belongs to ("" for top level)
    is_index: bool  # a section's own page (_index.md / index.md)
    lang: str = ""  # the code of the language the file is in ('' for the site's default)
    key: str = ""  # the same page in every language: rel without the language, 'roadmap.md'

    @property
    def file(self) -> str:
        """The path users see in messages."""
        return "content/" + self.rel

    @property
    def output_path(self) -> str:
        return self.url + "index.html"


@dataclass
class Page:
    """A page after its front matter is read; the Markdown body is converted later."""

    source: PageSource
    meta: dict[str, Any]
    body: str
    body_line: int  # file line where the body starts
    title: str = ""
    weight: int = 0
    draft: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)  # front matter key -> file line
    fallback: bool = False  # a default-language page standing in for a missing translation

    @property
    def url(self) -> str:
        return self.source.url


def slugify(name: str) -> str:
    """A URL segment from a file or folder name: lower case, spaces to hyphens, CJK kept."""
    slug = re.sub(r"\s+", "-", name.strip().lower())
    return re.sub(r"[^\w\-.~\u0080-\uffff]", "", slug) or "page"


def url_for_rel(rel: str) -> tuple[str, str, bool]:
    """Map a content path to (url, section url, is_index)."""
    parts = rel.split("/")
    folders = [slugify(p) for p in parts[:-1]]
    name = parts[-1]
    base = "".join(f + "/" for f in folders)
    if name in INDEX_NAMES:
        parent = "".join(f + "/" for f in folders[:-1])
        return base, parent if folders else "", True
    return base + slugify(name[:-3]) + "/", base, False


def split_language(rel: str, codes: dict[str, str]) -> tuple[str, str]:
    """('roadmap.md', 'zh') for 'roadmap.zh.md' when zh is one of the site's languages
    (`codes` maps lower-case codes to the site's spelling, '' for the default language)."""
    head, dot, name = rel.rpartition("/")
    stem, _, suffix = name[:-3].rpartition(".")
    if stem and suffix.lower() in codes:
        return head + dot + stem + ".md", codes[suffix.lower()]
    return rel, ""


def discover(content_dir: Path, languages: Sequence["Language"] = ()) -> tuple[list[PageSource], list[str]]:
    """Every Markdown page under content_dir and every other file (assets), sorted.

    A page named with a language of the site before '.md' (roadmap.zh.md) is that page in that
    language, published under /zh/."""
    if not content_dir.is_dir():
        raise SiteError(f"there is no content folder at {content_dir}", file="content/",
                        hint="create a folder called 'content' with at least one .md page, "
                             "or point --source at the folder that holds it.")
    pages, assets = [], []
    codes = {lang.code.lower(): "" if not lang.prefix else lang.code for lang in languages}
    prefixes = {lang.code: lang.prefix for lang in languages if lang.prefix}
    roots = (content_dir.parent.resolve(), content_dir.resolve())
    for rel, is_file, is_link in _walk(content_dir):
        check_file_name(rel, "content/")
        if is_link:
            check_inside(content_dir / rel, roots, "content/" + rel)
        if not is_file:
            continue
        if rel.lower().endswith(".md"):
            key, code = split_language(rel, codes)
            url, section, is_index = url_for_rel(key)
            prefix = prefixes.get(code, "")
            pages.append(PageSource(rel, prefix + url, prefix + section if prefix and url else section,
                                    is_index, code, key))
        elif not rel.endswith("~"):
            assets.append(rel)
    return pages, assets


def _walk(folder: Path, prefix: str = ""):
    """(relative path, is a file, is a link) of everything under folder, sorted, without
    following links to folders and skipping hidden names (.DS_Store, editor swap files)."""
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = prefix + entry.name
        is_link = entry.is_symlink()
        if entry.is_dir(follow_symlinks=False):
            yield rel, False, is_link
            yield from _walk(Path(entry.path), rel + "/")
        else:
            yield rel, entry.is_file(), is_link


def check_file_name(rel: str, folder: str) -> None:
    """A file name that is not UTF-8 (made on another system, or unpacked from an old zip)
    cannot be written into the site or its messages: name it as best we can."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise SiteError(f"the file name '{folder}{shown}' is not valid text (not UTF-8); "
                        "the odd characters are shown as \ufffd", file=folder + shown,
                        hint="rename the file in your file manager, retyping the name; names "
                             "copied from old zip files or other computers often carry such "
                             "characters.") from None


def check_inside(path: Path, roots: Path | tuple[Path, ...], shown: str) -> None:
    """A file or folder that leads outside the site folder (a link to /etc, to a home folder)
    would publish what was never meant for the site: refuse it, naming it.

    roots are resolved folders the file may be in. Only links need a look: folders are walked
    without following links, so any other entry is inside by construction."""
    if not path.is_symlink():
        return
    roots = roots if isinstance(roots, tuple) else (roots,)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a broken link, a link to itself: nothing to publish
        return
    if not any(real == r or r in real.parents for r in roots):
        raise SiteError(f"{shown} leads outside the site folder (to {real})",
                        file=shown, hint="copy the file into the site folder instead of linking "
                                         "to it; cxsite never publishes files from outside the "
                                         "site folder.")


def split_front_matter(text: str, file: str,
                       key_lines: dict[str, int] | None = None) -> tuple[dict, str, int]:
    """Split '---' front matter from the body; return (meta, body, first body line).

    key_lines, when given, receives the file line of each front matter key."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text, 1
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            meta = parse_mapping("\n".join(lines[1:i]), file=file, first_line=2,
                                 what="the front matter", lines=key_lines)
            return meta, "\n".join(lines[i + 1:]), i + 2
    raise SiteError("the front matter has no closing '---' line", file=file, line=1,
                    hint="end the block of 'key: value' lines at the top of the page with a line "
                         "holding only '---'.")


def title_from_name(rel: str) -> str:
    parts = rel.split("/")
    name = parts[-2] if parts[-1] in INDEX_NAMES and len(parts) > 1 else parts[-1][:-3]
    if name in ("index", "_index"):
        return _("Home")
    return re.sub(r"[-_]+", " ", name).strip().capitalize() or name


def read_page(source: PageSource, content_dir: Path, problems: Problems,
              raw: bytes | None = None) -> Page | None:
    """Read one page's file (`raw`: its bytes, when read already) and front matter; problems
    go to `problems`, None if unreadable."""
    file = source.file
    try:
        if raw is None:
            raw = (content_dir / source.rel).read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error("the file is not UTF-8 text", file=file, line=line,
                       hint="open it in your editor and save it with the encoding 'UTF-8'.")
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # old Mac line ends too
    key_lines: dict[str, int] = {}
    try:
        meta, body, body_line = split_front_matter(text, file, key_lines)
    except SiteError as exc:
        problems.add(exc.problem)
        return None
    page = Page(source, meta, body, body_line)
    page.key_lines = {k: v for k, v in key_lines.items() if "." not in k}
    for key, value in meta.items():
        kind = FRONT_MATTER_KEYS.get(key)
        if kind is None:
            close = did_you_mean(key, FRONT_MATTER_KEYS)
            if close.startswith("did you mean"):  # a typo of a known key; other keys are custom
                problems.warning(f"unknown front matter key '{key}'", file=file, hint=close)
            page.extra[key] = value
        elif value is not None and not (isinstance(value, kind) and not
                                        (kind is int and isinstance(value, bool))):
            if kind is str and isinstance(value, (int, float)):
                meta[key] = str(value)
                continue
            example = {"str": "some text", "int": "10", "bool": "true"}[kind.__name__]
            problems.error(f"front matter '{key}' must be {_kind_name(kind)}, not {value!r}",
                           file=file, line=page.key_lines.get(key),
                           hint=f"write for example '{key}: {example}'.")
    page.title = str(meta.get("title") or "")
    page.weight = meta["weight"] if isinstance(meta.get("weight"), int) else 0
    page.draft = meta.get("draft") is True
    return page


def _kind_name(kind: type) -> str:
    return {"str": "text", "int": "a whole number", "bool": "true or false"}[kind.__name__]


def check_unique_urls(sources: list[PageSource], problems: Problems) -> None:
    """Two files that would be written to the same URL are an error on both."""
    seen: dict[str, PageSource] = {}
    for s in sources:
        other = seen.get(s.url)
        if other:
            problems.error(f"this page and {other.file} both map to the URL /{s.url}",
                           file=s.file,
                           hint="rename or move one of them (a folder's own page is its "
                                "_index.md; 'a.md' and 'a/index.md' are the same page).")
        else:
            seen[s.url] = s


def relative_url(from_url: str, to_url: str) -> str:
    """A link from one site-relative URL to another that works under any sub-path.

    from_url is a page URL ("" or "a/b/"); to_url a page URL or a file path ("assets/x.css").
    """
    here = from_url.split("/")[:-1] if from_url else []
    there = to_url.split("/")
    common = 0
    for a, b in zip(here, there[:-1]):
        if a != b:
            break
        common += 1
    rel = "../" * (len(here) - common) + "/".join(there[common:])
    return rel or "./"
