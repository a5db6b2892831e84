"""The site's search index: files the browser loads a few at a time, as scripts (not JSON to
fetch) so that search works from file:// and a file share too.

  search/entry.js        "where is the index": the only file without a hash in its name, so
                         pages never change when the index does (search.js loads it fresh)
  search/index.<h>.js    the manifest: pages (length, language, excerpt file), shard table
  search/t/<h>.js        a shard of terms, a range of the sorted vocabulary, with each term's
                         pages and weights; a query loads the shards of its words only
  search/p/<h>.js        the positions of the same terms, loaded for phrases only
  search/f/<id>-<h>.js   one page's text by section, loaded for the results shown

Every file calls cxsearch(key, data). Names carry a hash of the content; identical input gives
identical bytes. Shard boundaries depend on the terms around them only (content-defined), so an
edited page changes the shards of its own words and not the layout of the rest.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import math
import zlib
from typing import Iterable

from .record import SearchRecord

FOLDER = "search/"  # inside the assets folder
MIN_SHARD = 8_000  # characters: a shard is cut only after this much ...
MAX_SHARD = 40_000  # ... and always before it would grow past this (unless one term is larger)
LENGTH_STEP = 1.25  # page lengths are kept to the nearest power of this (enough for ranking)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def _digest(data: bytes, size: int = 10) -> str:
    return hashlib.sha256(data).hexdigest()[:size]


def _js(key: str, payload: str) -> bytes:
    return f'cxsearch("{key}",{payload});\n'.encode("utf-8")


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sort_key(term: str) -> bytes:
    """The order JavaScript compares strings in (UTF-16 code units), so search.js can bisect."""
    return term.encode("utf-16-be")


def length_code(length: int) -> str:
    """A page length as one character: its logarithm in steps of LENGTH_STEP."""
    return _ALPHABET[min(63, round(math.log(length + 1, LENGTH_STEP)))]


def _cut_here(term: str, size: int) -> bool:
    """Whether a shard that has reached `size` ends before `term`: a decision taken by the term
    itself (a hash), more likely as the shard grows, so boundaries stay put when others change."""
    if size < MIN_SHARD:
        return False
    return zlib.crc32(term.encode("utf-8")) / 2**32 < (size - MIN_SHARD) / (MAX_SHARD - MIN_SHARD)


def layout(terms: list[str], sizes: dict[str, int]) -> list[list[str]]:
    """Sorted terms cut into shards."""
    shards: list[list[str]] = []
    size = 0
    for term in terms:
        n = sizes[term]
        if shards and shards[-1] and (size + n > MAX_SHARD or _cut_here(term, size)):
            shards.append([])
            size = 0
        if not shards:
            shards.append([])
        shards[-1].append(term)
        size += n
    return shards


class SearchIndex:
    """The index files of a site. Kept by `serve` between rebuilds: files() then re-encodes only
    the terms of pages that changed; the bytes are always those a fresh index would give."""

    def __init__(self) -> None:
        self._urls: tuple[str, ...] = ()
        self._records: list[SearchRecord] = []
        self._docs: dict[str, list[int]] = {}  # term -> ids of the pages holding it, ascending
        self._encoded: dict[str, tuple[str, str]] = {}  # term -> (postings, positions) as JS
        self._shards: dict[tuple[str, ...], tuple[str, str, bytes, bytes]] = {}
        self._pages: dict[int, tuple[str, str, bytes]] = {}  # id -> (page JSON, name, file)

    def files(self, records: Iterable[SearchRecord]) -> dict[str, bytes]:
        """Every file of the index, by path under the assets folder."""
        recs = sorted(records, key=lambda r: r.url)
        dirty = self._update(recs)
        for term in dirty:
            if term in self._docs:
                self._encoded[term] = self._encode(term)
            else:
                self._encoded.pop(term, None)
        files: dict[str, bytes] = {}
        shard_table = self._shard_files(dirty, files)
        names = self._page_files(files)
        langs = sorted({r.lang for r in recs})
        manifest = {
            "n": len(recs),
            "langs": langs,
            "lang": "".join(_ALPHABET[langs.index(r.lang)] for r in recs) if len(langs) > 1 else "",
            "len": "".join(length_code(r.length) for r in recs),
            "step": LENGTH_STEP,
            "f": "".join(names),
            "s": shard_table,
        }
        body = _json(manifest)
        key = f"index.{_digest(body.encode('utf-8'))}"
        files[FOLDER + key + ".js"] = _js(key, body)
        files[FOLDER + "entry.js"] = _js("entry", _json(key))
        return files

    # --- internals ----------------------------------------------------------------------------
    def _update(self, recs: list[SearchRecord]) -> set[str]:
        """Take the new records; return the terms whose postings changed."""
        urls = tuple(r.url for r in recs)
        if urls != self._urls:  # pages added, removed or moved: every page id may change
            self._urls, self._records = urls, recs
            self._docs, self._encoded, self._shards, self._pages = {}, {}, {}, {}
            for doc, r in enumerate(recs):
                for term in r.terms:
                    self._docs.setdefault(term, []).append(doc)
            return set(self._docs)
        dirty: set[str] = set()
        for doc, (old, new) in enumerate(zip(self._records, recs)):
            if old is new or old == new:
                continue
            for term in old.terms.keys() - new.terms.keys():
                docs = self._docs[term]
                docs.remove(doc)
                if not docs:
                    del self._docs[term]
            for term in new.terms.keys() - old.terms.keys():
                bisect.insort(self._docs.setdefault(term, []), doc)
            dirty.update(t for t in old.terms.keys() | new.terms.keys()
                         if old.terms.get(t) != new.terms.get(t))
            if old.page != new.page:
                self._pages.pop(doc, None)
        self._records = recs
        return dirty

    def _encode(self, term: str) -> tuple[str, str]:
        """A term's postings [page gap, weight, ...] and positions [count, first, gap...]."""
        postings, positions = [], []
        prev = 0
        for doc in self._docs[term]:
            weight, where = self._records[doc].terms[term]
            postings.append(f"{doc - prev},{weight}")
            positions.append(where)
            prev = doc
        return "[" + ",".join(postings) + "]", "[" + ",".join(positions) + "]"

    def _shard_files(self, dirty: set[str], files: dict[str, bytes]) -> list[list[str]]:
        terms = sorted(self._encoded, key=sort_key)
        sizes = {t: len(self._encoded[t][0]) + len(t) + 4 for t in terms}
        table, cache = [], {}
        for shard in layout(terms, sizes):
            key = tuple(shard)
            cached = self._shards.get(key)
            if cached is None or not dirty.isdisjoint(shard):
                words = _json(shard)
                t_body = f"[{words},[{','.join(self._encoded[t][0] for t in shard)}]]"
                p_body = f"[{','.join(self._encoded[t][1] for t in shard)}]"
                t_key = "t/" + _digest(t_body.encode("utf-8"))
                p_key = "p/" + _digest(p_body.encode("utf-8"))
                cached = (t_key, p_key, _js(t_key, t_body), _js(p_key, p_body))
            cache[key] = cached
            files[FOLDER + cached[0] + ".js"] = cached[2]
            files[FOLDER + cached[1] + ".js"] = cached[3]
            table.append([shard[0], cached[0][2:], cached[1][2:]])
        self._shards = cache
        return table

    def _page_files(self, files: dict[str, bytes]) -> list[str]:
        """One file per page with the text its results show; returns each page's name part."""
        names = []
        for doc, r in enumerate(self._records):
            cached = self._pages.get(doc)
            if cached is None or cached[0] is not r.page and cached[0] != r.page:
                digest = _digest(r.page.encode("utf-8"), 6)
                key = f"f/{doc:x}-{digest}"
                cached = (r.page, digest, _js(key, r.page))
                self._pages[doc] = cached
            files[FOLDER + f"f/{doc:x}-{cached[1]}.js"] = cached[2]
            names.append(cached[1])
        return names
