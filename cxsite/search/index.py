"""The site's search index: files the browser loads a few at a time, as scripts (not JSON to
fetch) so that search works from file:// and a file share too.

  search/entry.js        "where is the index": the only file without a hash in its name, so
                         pages never change when the index does (search.js loads it fresh)
  search/index.<h>.js    the manifest: pages (length, language, excerpt file), shard table
  search/t/<h>.js        a shard of terms, a range of the sorted vocabulary, with each term's
                         pages and weights; a query loads the shards of its words only
  search/p/<h>.js        the positions of the same terms, loaded for phrases only
  search/f/<n>-<h>.js    the text by section of PAGES_PER_FILE pages in a row (bundle n),
                         loaded for the results shown (a file each page would cost a build
                         a file write for every page)
  search/w/<h>.js        the words starting with one letter, loaded to correct a misspelling

Every file calls cxsearch(key, 'JSON'). Names carry a hash of the content; identical input gives
identical bytes. Shard boundaries depend on the terms around them only (content-defined), so an
edited page changes the shards of its own words and not the layout of the rest.
"""
from __future__ import annotations

import bisect
import hashlib
import json
import math
import zlib
from operator import sub
from typing import Iterable, Sequence

from .record import SearchRecord, joined
from .tokens import is_cjk

FOLDER = "search/"  # inside the assets folder
MIN_SHARD = 8_000  # characters: a shard is cut only after this much ...
MAX_SHARD = 40_000  # ... and always before it would grow past this (unless one term is larger)
BLOCK = 512  # pages: an edit re-encodes this block of a term's pages, not all of them
TYPO_MIN = 5  # letters: a word this long may be misspelt (search-engine.js knows it too)
PAGES_PER_FILE = 8  # pages' texts per excerpt file: an eighth of the files, each a few KB gzipped
LENGTH_STEP = 1.25  # page lengths are kept to the nearest power of this (enough for ranking)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


def _digest(data: bytes, size: int = 10) -> str:
    return hashlib.sha256(data).hexdigest()[:size]


def _js(key: str, payload: str) -> bytes:
    """A script handing JSON to search.js. JSON in a string is read much faster than the same
    data written as JavaScript (which matters where search runs in the page, from file://)."""
    text = payload.replace("\\", "\\\\").replace("'", "\\'")
    return f"cxsearch(\"{key}\",'{text}');\n".encode("utf-8")


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


def _pieces(docs: list[int], before: int, weights: Sequence[int], wheres: list[str]
            ) -> tuple[str, str]:
    """Postings 'gap,weight,...' (gaps from `before`, the page ahead of the first) and
    positions of some pages of a term, without brackets."""
    flat = [0] * (2 * len(docs))
    flat[0::2] = map(sub, docs, [before, *docs])
    flat[1::2] = weights
    return joined(flat), ",".join(wheres)


def _bracketed(pieces: tuple[str, str]) -> tuple[str, str]:
    return "[" + pieces[0] + "]", "[" + pieces[1] + "]"


class SearchIndex:
    """The index files of a site. Kept by `serve` between rebuilds: files() then re-encodes only
    the terms of pages that changed, and of those only the block of pages around the change;
    the bytes are always those a fresh index would give."""

    def __init__(self) -> None:
        self._urls: tuple[str, ...] = ()
        self._records: list[SearchRecord] = []
        self._docs: dict[str, list[int]] = {}  # term -> ids of the pages holding it, ascending
        self._sorted: list[str] = []  # every term, in the order of sort_key
        self._blocks: dict[str, dict[int, tuple[str, str]]] = {}  # term -> block -> encoded part
        self._encoded: dict[str, tuple[str, str]] = {}  # term -> (postings, positions) as JS
        self._shards: dict[tuple[str, ...], tuple[str, str, bytes | None, bytes | None]] = {}
        self._pages: dict[int, tuple[list[str], str, bytes | None]] = {}  # n -> (pages' JSON, name, file)
        self._early: dict[int, tuple[list[str], str, bytes | None]] = {}  # see page_file()
        self._taken: tuple[list[SearchRecord], dict] = ([], {})  # see take()

    @property
    def empty(self) -> bool:
        """Whether the index holds no pages yet."""
        return not self._urls

    def __getstate__(self) -> dict:
        """What a build keeps for the next (see engine/state.py): all but the files' bytes,
        which are on disk. A restored index gives None for a file it did not change."""
        state = dict(self.__dict__)
        state["_shards"] = {k: (t, p, None, None) for k, (t, p, _, _) in self._shards.items()}
        state["_pages"] = {n: (pages, name, None) for n, (pages, name, _) in self._pages.items()}
        state["_early"], state["_taken"] = {}, ([], {})
        return state

    def files(self, records: Iterable[SearchRecord]) -> dict[str, bytes | None]:
        """Every file of the index, by path under the assets folder (None: a file this index
        made before, unchanged, when it was restored without the files' bytes)."""
        recs = sorted(records, key=lambda r: r.url)
        dirty = self._update(recs)
        for term, blocks in dirty.items():
            if blocks is not None:
                self._encode(term, blocks)
        files: dict[str, bytes | None] = {}
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
            "fp": PAGES_PER_FILE,
            "s": shard_table,
            "w": self._lexicon_files(files),
        }
        body = _json(manifest)
        key = f"index.{_digest(body.encode('utf-8'))}"
        files[FOLDER + key + ".js"] = _js(key, body)
        files[FOLDER + "entry.js"] = _js("entry", _json(key))
        return files

    # --- internals ----------------------------------------------------------------------------
    def _update(self, recs: list[SearchRecord]) -> dict[str, set[int] | None]:
        """Take the new records; return the terms whose postings changed, with the blocks of
        pages that changed (None: all of them)."""
        urls = tuple(r.url for r in recs)
        if urls != self._urls:  # pages added, removed or moved: every page id may change
            self._urls, self._records = urls, recs
            # the bundles of pages' texts made early are kept: _page_files() checks their pages
            self._blocks, self._shards, self._pages, self._early = {}, {}, self._early, {}
            taken, found = self._taken
            self._taken = ([], {})
            same = len(taken) == len(recs) and all(a is b for a, b in zip(taken, recs))
            self._index_all(found if same else None)
            return dict.fromkeys(self._docs)
        dirty: dict[str, set[int] | None] = {}
        for doc, (old, new) in enumerate(zip(self._records, recs)):
            if old is new or old == new:
                continue
            for term in old.terms.keys() - new.terms.keys():
                docs = self._docs[term]
                docs.remove(doc)
                if not docs:
                    del self._docs[term]
                    self._sorted.remove(term)
            for term in new.terms.keys() - old.terms.keys():
                if term not in self._docs:
                    bisect.insort(self._sorted, term, key=sort_key)
                bisect.insort(self._docs.setdefault(term, []), doc)
            for term in old.terms.keys() | new.terms.keys():
                if old.terms.get(term) == new.terms.get(term):
                    continue
                blocks = dirty.setdefault(term, set())
                blocks.add(doc // BLOCK)
                docs = self._docs.get(term, [])
                after = bisect.bisect_right(docs, doc)
                if after < len(docs):  # the next page's gap is counted from the one before
                    blocks.add(docs[after] // BLOCK)
            if old.page != new.page:
                self._pages.pop(doc // PAGES_PER_FILE, None)
        self._records = recs
        return dirty

    def take(self, rec: SearchRecord) -> None:
        """Gather the postings of one more page before files() is called, in the order of
        files()'s pages (a cold build takes its pages as they are rendered); files() uses
        what was taken when its pages turn out to be these very records."""
        taken, found = self._taken
        _gather(found, len(taken), rec)
        taken.append(rec)

    def _index_all(self, found: dict[str, tuple[list[int], list[int], list[str]]] | None = None) -> None:
        """Every term's pages and encoded postings (`found`: the postings, gathered already)."""
        if found is None:
            found = {}
            for doc, r in enumerate(self._records):
                _gather(found, doc, r)
        self._docs = {term: docs for term, (docs, _, _) in found.items()}
        self._sorted = sorted(found, key=sort_key)
        self._encoded = {term: _bracketed(_pieces(docs, 0, weights, wheres))
                         for term, (docs, weights, wheres) in found.items()}

    def _encode(self, term: str, blocks: set[int]) -> None:
        """Encode a term's postings again after an edit, block by block of pages: only the
        blocks that changed (a term not yet split in blocks is split first)."""
        docs = self._docs.get(term)
        if not docs:
            self._blocks.pop(term, None)
            self._encoded.pop(term, None)
            return
        parts = self._blocks.get(term)
        if parts is None:
            parts = self._blocks[term] = {}
            blocks = {doc // BLOCK for doc in docs}
        for block in blocks:
            start = bisect.bisect_left(docs, block * BLOCK)
            end = bisect.bisect_left(docs, (block + 1) * BLOCK, start)
            if start == end:
                parts.pop(block, None)
                continue
            pages = docs[start:end]
            entries = [self._records[doc].terms[term] for doc in pages]
            parts[block] = _pieces(pages, docs[start - 1] if start else 0,
                                   [w for w, _ in entries], [where for _, where in entries])
        ordered = [parts[b] for b in sorted(parts)]
        self._encoded[term] = ("[" + ",".join(p for p, _ in ordered) + "]",
                               "[" + ",".join(w for _, w in ordered) + "]")

    def _shard_files(self, dirty: dict[str, set[int] | None],
                     files: dict[str, bytes | None]) -> list[list[str]]:
        encoded = self._encoded
        sizes = {t: len(encoded[t][0]) + len(t) + 4 for t in self._sorted}
        table, cache = [], {}
        for shard in layout(self._sorted, sizes):
            key = tuple(shard)
            cached = self._shards.get(key)
            if cached is None or any(t in dirty for t in shard):
                t_body = f"[{_json(shard)},[{','.join(encoded[t][0] for t in shard)}]]"
                p_body = f"[{','.join(encoded[t][1] for t in shard)}]"
                t_key = "t/" + _digest(t_body.encode("utf-8"))
                p_key = "p/" + _digest(p_body.encode("utf-8"))
                cached = (t_key, p_key, _js(t_key, t_body), _js(p_key, p_body))
            cache[key] = cached
            files[FOLDER + cached[0] + ".js"] = cached[2]
            files[FOLDER + cached[1] + ".js"] = cached[3]
            table.append([shard[0], cached[0][2:], cached[1][2:]])
        self._shards = cache
        return table

    def _lexicon_files(self, files: dict[str, bytes | None]) -> dict[str, str]:
        """The words of the site by first letter, where a misspelt word finds its near misses
        (they are rarely in the shard of the misspelling)."""
        by_letter: dict[str, list[str]] = {}
        for term in self._sorted:
            if len(term) >= TYPO_MIN - 1 and term.isalpha() and not is_cjk(term):
                by_letter.setdefault(term[0], []).append(term)
        table = {}
        for letter, words in by_letter.items():
            body = _json(words)
            key = "w/" + _digest(body.encode("utf-8"))
            files[FOLDER + key + ".js"] = _js(key, body)
            table[letter] = key[2:]
        return table

    def _page_files(self, files: dict[str, bytes | None]) -> list[str]:
        """The pages' texts, PAGES_PER_FILE pages a file, as a list in page order (what a
        result shows); returns each file's name part."""
        names = []
        records = self._records
        for bundle, first in enumerate(range(0, len(records), PAGES_PER_FILE)):
            pages = [r.page for r in records[first:first + PAGES_PER_FILE]]
            cached = self._pages.get(bundle)
            if cached is None or cached[0] != pages:
                cached = self._pages[bundle] = _bundle(bundle, pages)
            files[FOLDER + f"f/{bundle:x}-{cached[1]}.js"] = cached[2]
            names.append(cached[1])
        return names

    def page_file(self, bundle: int, pages: list[str]) -> tuple[str, bytes]:
        """The file of a bundle of pages' texts (SearchRecord.page), by path, made before
        files(): a cold build writes it while other pages render. files() takes it when its
        pages turn out to be those, and makes it again otherwise."""
        cached = self._early[bundle] = _bundle(bundle, pages)
        return FOLDER + f"f/{bundle:x}-{cached[1]}.js", cached[2]  # type: ignore[return-value]


def _gather(found: dict[str, tuple[list[int], list[int], list[str]]], doc: int,
            rec: SearchRecord) -> None:
    """Add a page's terms to the postings: for each term its pages, weights and positions."""
    get = found.get
    for term, weight, where in zip(*rec.columns()):
        lists = get(term)
        if lists is None:
            found[term] = ([doc], [weight], [where])
        else:
            lists[0].append(doc)
            lists[1].append(weight)
            lists[2].append(where)


def _bundle(bundle: int, pages: list[str]) -> tuple[list[str], str, bytes]:
    """A bundle of pages' texts: the pages, the hash in its name, its file."""
    body = "[" + ",".join(pages) + "]"
    digest = _digest(body.encode("utf-8"), 6)
    return pages, digest, _js(f"f/{bundle:x}-{digest}", body)
