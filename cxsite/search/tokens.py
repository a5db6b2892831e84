"""Words as the search index sees them. The browser's search.js does exactly the same to a
query (fold(), then the same two kinds of token), so the two must change together.

- Latin, Cyrillic, Greek... words: lower case, accents removed ("Café" is "cafe").
- Chinese, Japanese and Korean have no spaces between words, so a run of those characters is
  indexed by its overlapping pairs of characters plus its last character alone: 净推荐值 gives
  净推 推荐 荐值 值. Any part of the run is then found: 推荐 is one pair, 推荐值 two pairs one after
  the other, and a single character is the start of a pair or the last character.
Each token has a position (CJK: one per character), which is what phrase search compares.
"""
from __future__ import annotations

import re
import unicodedata
from itertools import compress
from operator import add, not_
MAX_WORD = 40  # longer words (links, codes) are cut to this many characters
# Hiragana, Katakana, Bopomofo, CJK ideographs (with extensions), compatibility ideographs, Hangul
CJK = ("\u3005-\u3007\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
       "\uac00-\ud7af\U00020000-\U0003134f")
_WORDS = re.compile(r"[^\W_]+")
# runs of CJK: split() gives other text, a run, other text...; search() says whether there is
# one (a single regex: compiling one with CJK's ranges costs milliseconds at every start)
_CJK_RUNS = re.compile(f"([{CJK}]+)")
_ACCENTS = re.compile("[\u0300-\u036f]+")
# ASCII text (most of it) in one pass of bytes.translate: letters lowered, digits kept, every
# other character a space; then split() gives what _WORDS would (six times faster)
_ASCII_WORDS = bytes((c | 32 if chr(c).isalpha() else c) if c < 128 and chr(c).isalnum() else 32
                     for c in range(256))
# ... and for folded text, as it is (folding can give capitals: "𝐀" is "A")
_FOLDED_WORDS = bytes(c if c < 128 and chr(c).isalnum() else 32 for c in range(256))
# ... and for UTF-8 text that is mostly ASCII: ASCII as _ASCII_WORDS does, other bytes kept
_MOSTLY_ASCII_WORDS = bytes(c if c >= 128 else _ASCII_WORDS[c] for c in range(256))


def fold(text: str) -> str:
    """Lower case without accents, compatibility forms unified (full-width 'Ａ' is 'a')."""
    if text.isascii():  # nothing to decompose or unify
        return text.lower()
    return unicodedata.normalize("NFKC", _ACCENTS.sub("", unicodedata.normalize("NFKD", text.lower())))


def is_cjk(term: str) -> bool:
    return bool(_CJK_RUNS.match(term))


def tokens(text: str) -> list[str]:
    """The terms of a text, one per position: term i is at position i."""
    if text.isascii():
        return _words(text, _ASCII_WORDS)
    if "\u03a3" in text:  # lower() of a capital sigma depends on the letters around it
        return _folded_tokens(text)
    # Mostly ASCII with a few other words (a Chinese term in English text): the ASCII words
    # lowered and split in bytes as above, and only the other words folded (in one call, a
    # line each) and split. The same terms: folding, accents and runs of CJK never reach
    # across ASCII punctuation or white space, nor does anything fold into a line break
    # (U+0338, which would make "=" into "≠", is an accent removed before composing). A word
    # costs more that way than in a whole text: text with many others is folded whole.
    if text.count(" ") * 16 < len(text):  # Chinese or Japanese text: few spaces, if any
        return _folded_tokens(text)
    data = text.encode("utf-8", "surrogatepass")
    if (len(data) - len(text)) * 16 > len(text):  # UTF-8 takes more bytes for other characters
        return _folded_tokens(text)
    words = data.translate(_MOSTLY_ASCII_WORDS).decode("utf-8", "surrogatepass").split()
    others = list(compress(range(len(words)), map(not_, map(str.isascii, words))))
    if len(others) * 4 > len(words):
        return _folded_tokens(text)
    found: list[str] = []
    done = 0  # words before this are in found
    for other, folded in zip(others, fold("\n".join([words[i] for i in others])).split("\n")):
        found.extend(words[done:other])
        found.extend(_terms_of_folded(folded))
        done = other + 1
    found.extend(words[done:])
    return _cut(found)


def _folded_tokens(text: str) -> list[str]:
    """The terms of any text, folded as a whole."""
    return _terms_of_folded(fold(text))


def _terms_of_folded(folded: str) -> list[str]:
    """The terms of folded text."""
    if not _CJK_RUNS.search(folded):
        return _words(folded)
    # the text between runs of CJK (mostly ASCII words, split in one pass), and each run as
    # its pairs (the last one is one character): ten times faster than a regex for both kinds
    found: list[str] = []
    for i, piece in enumerate(_CJK_RUNS.split(folded)):
        if i % 2:
            found.extend(map(add, piece, piece[1:]))  # each character and the next
            found.append(piece[-1])
        elif piece:
            found.extend(_words(piece))
    return found


def _words(text: str, table: bytes = _FOLDED_WORDS) -> list[str]:
    """The words of text without CJK: folded text, or ASCII text lowered by `table`."""
    if text.isascii():
        words = text.encode("ascii").translate(table).decode("ascii").split()
    else:
        words = _WORDS.findall(text)
    return _cut(words) if len(text) > MAX_WORD else words


def _cut(words: list[str]) -> list[str]:
    """The words, each cut to MAX_WORD characters."""
    if max(map(len, words), default=0) > MAX_WORD:
        return [w[:MAX_WORD] for w in words]
    return words
