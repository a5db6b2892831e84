"""The search index: the text of a page, its words (Latin and Chinese), records, shards,
identical bytes for identical input, and an update that equals a fresh build."""
from __future__ import annotations

import hashlib
import json
import random
import re
import unicodedata
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from blocksite import build, page
from cxsite.errors import BuildFailed
from cxsite.search import index as search_index
from cxsite.search import text as search_text
from cxsite.search.index import FOLDER, SearchIndex, layout, sort_key
from cxsite.search.record import record
from cxsite.search.text import sections
from cxsite.search.tokens import CJK, fold, tokens


# --- the text of a page ---------------------------------------------------------------------
def test_text_keeps_what_the_page_shows_and_drops_the_rest():
    html = ('<p>Net <b>Pro</b>moter, &amp; more</p><svg><text>axis 42</text><svg><text>inner</text>'
            '</svg></svg><script>var secret = 1;</script><style>p{}</style>'
            '<template><p>later</p></template><div hidden><p>hidden note</p></div>'
            '<span aria-hidden="true">▶</span><p>客户体验</p>')
    parts, _ = sections(html)
    assert [p.text for p in parts] == ["Net Promoter, & more 客户体验"]


def test_headings_with_an_anchor_start_sections():
    html = ('<p>Intro.</p><h2 id="why">Why it <em>pays</em><a class="headerlink" href="#why">#</a></h2>'
            '<p>Because.</p><h3 id="how">How</h3><ul><li>One</li><li>Two</li></ul>')
    parts, runs = sections(html)
    assert [(p.anchor, p.heading, p.text) for p in parts] == [
        ("", "", "Intro."), ("why", "Why it pays", "Because."), ("how", "How", "One Two")]
    assert [(r.text, r.heading) for r in runs] == [
        ("Intro.", False), ("Why it pays", True), ("Because.", False), ("How", True), ("One Two", False)]


def test_text_reads_as_a_browser_shows_it_around_odd_tags():
    """A '<' that starts no tag is text, a comment is nothing, white space may end a tag, and a
    self-closing chart or a hidden paragraph leaves nothing behind."""
    parts, runs = sections('<h2 id="a">Score &lt; 3</h2><p>b<3 and <br / >c<svg / >d</p>'
                           '<p hidden >gone</p><p>e<!-- note -->f <svg ><text>chart</text></svg >g</p>')
    assert [(p.anchor, p.heading, p.text) for p in parts] == [("a", "Score < 3", "b<3 and cd ef g")]
    assert [r.heading for r in runs] == [True, False]


def test_labels_side_by_side_stay_separate_words():
    parts, _ = sections('<figcaption><span>Scores</span><span>One bar per team</span></figcaption>')
    assert parts[0].text == "Scores One bar per team"


# pieces of HTML around the tags that change how text is read: headings with an anchor (and
# without), the '#' links beside them, hidden and skipped parts (nested, self-closing, in
# capitals), comments, entities and a '<' that starts no tag
HTML_PIECES = st.lists(st.sampled_from(
    ["<p>", "</p>", "<P>", "<li>", "</li>", '<td style="text-align: right;">', "</td>", "<br>",
     "<br/>", "<span>", "</span>", "<em>", "</em>", "<strong>", "</strong>", "<h2 id='a'>", "</h2>",
     '<h3 id="b c">', "</h3>", "<h2>", "<H2 ID=x>", '<a class="headerlink" href="#a">', "</a>",
     "<a href='#'>", "<div hidden>", "<div>", "</div>", '<p aria-hidden="true">', "<svg>",
     "</svg>", "<svg/>", "<SCRIPT>", "</script>", "<template>", "</template>", "<!-- x -->",
     "<img alt=x>", "<b hidden=''>", "</b>", '<i title="a>b hidden">', "</i>", "<", ">",
     "&amp;", "&lt;", "&nbsp;", "word", "Two words", " ", "\n", "净推荐值", "é"]), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(HTML_PIECES)
@example('<p>a<a class="headerlink" href="#a">#</a>b <em>c</em>d</p><h2 id="x">T<a class="headerlink" '
         'href="#x">#</a></h2>e<div hidden>f<div>g</div>h</div>i<svg><text>j</text></svg>k')
def test_text_read_in_bulk_is_the_text_read_tag_by_tag(html):
    """Between tags that change nothing, text is read in one piece: the sections, their text
    and runs must be what reading tag by tag gives, also where a page's text is cut."""
    with mock.patch.object(search_text, "BULK_READING", False):
        by_tag = sections(html)
    assert sections(html) == by_tag
    with mock.patch.object(search_text, "MAX_TEXT", 12):
        cut = sections(html)
        with mock.patch.object(search_text, "BULK_READING", False):
            assert cut == sections(html)


# --- words ------------------------------------------------------------------------------------
def test_words_are_folded_to_lower_case_without_accents():
    assert fold("Café ÉLAN Ｆｕｌｌ ﬁne") == "cafe elan full fine"
    assert tokens("Café's NPS-driven 3.5%") == ["cafe", "s", "nps", "driven", "3", "5"]


def rule_fold(text: str) -> str:
    """fold() as Unicode says, the slow way: lower case, decomposed, accents removed, composed."""
    return unicodedata.normalize("NFKC", re.sub("[\u0300-\u036f]+", "", unicodedata.normalize(
        "NFKD", text.lower())))


CJK_RULE = re.compile(f"([{CJK}]+)|([^\\W_{CJK}]+)")


def rule_tokens(text: str) -> list[str]:
    """tokens() by the rule in one regex over the whole folded text: a run of CJK gives its
    pairs and last character, else a word of letters and digits cut to 40."""
    expected = []
    for run, word in CJK_RULE.findall(rule_fold(text)):
        expected.extend([word[:40]] if word else [run[i:i + 2] for i in range(len(run))])
    return expected


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=120)
       | st.text(alphabet=st.sampled_from("aZ9_-. \t\n'éÉßЖＡ&;"), max_size=60))
def test_text_without_chinese_gives_the_words_of_the_rule(text):
    """Plain ASCII text takes a faster path than other text: both must give the rule's words
    (letters and digits, folded, cut to 40) and fold as Unicode says."""
    assert fold(text) == rule_fold(text)
    assert tokens(text) == rule_tokens(text)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZ9_-. \t'éßЖＡ&净推荐值，客ア한々") | st.characters(), max_size=80))
def test_text_with_chinese_gives_the_words_and_pairs_of_the_rule(text):
    """Text with CJK is split into the runs of CJK and the text between them (words found on
    the fast paths): the same terms as the rule, a run's pairs and last character, else words."""
    assert tokens(text) == rule_tokens(text)


# ASCII words and punctuation around the characters whose folding depends on what is next to
# them: combining accents (U+0338 turns "=" into "≠"), other marks, capital sigma (final or
# not by the letters around it, across "'" and "."), Hangul jamo that compose, ligatures and
# full-width forms that fold to ASCII, white space that is not ASCII, a lone surrogate
MOSTLY_ASCII = st.lists(st.sampled_from(
    ["a", "Zq", "9", " ", "  ", ".", "'", "=", "<", "_", "-", "x" * 45, "é", "e\u0301", "\u0338",
     "\u0591", "\u20d2", "Σ", "ΑΣ", "σ", "净推荐值", "客", "ｶﾀｶﾅ", "한", "\u1100", "\u1161", "\u11a8",
     "Ａ", "ﬁ", "½", "İ", "K", "\uf900", "\u00a0", "\u3000", "\ud800", "𝐀"]) | st.characters(),
    max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(MOSTLY_ASCII)
@example("ΑΣ'a ΑΣ. a.Σ b")  # a sigma is final or not by letters beyond ASCII punctuation
@example("a =\u0338 b\u0338 \u1100\u1161 Ａ１ naïve")
def test_mostly_ascii_text_folds_each_word_as_the_whole_text_would(text):
    """Text that is mostly ASCII has only its other words folded: the terms must be the ones
    of the whole text folded at once."""
    assert tokens(text) == rule_tokens(text)
    assert tokens(text + " 客户" + text.upper()) == rule_tokens(text + " 客户" + text.upper())
    # among many ASCII words, as in an English page with a Chinese term
    padded = f"{PADDING}{text}{PADDING}{text.upper()}{PADDING}"
    assert tokens(padded) == rule_tokens(padded)


PADDING = " Loyalty, promise: the journey of the customer. " * 20


def test_long_words_are_cut_on_both_paths():
    assert tokens("x" * 50 + " ok") == ["x" * 40, "ok"]
    assert tokens("é" + "x" * 50) == ["e" + "x" * 39]


def test_white_space_of_any_kind_is_one_space_in_a_page_text():
    spaces = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())
    parts, _ = sections(f"<p>{spaces}a{spaces}b&nbsp;&amp;{spaces}c</p>")
    assert parts[0].text == "a b & c"  # &nbsp; is white space once decoded, as \s says


def test_positions_are_counted_in_gaps_however_far_apart():
    rec = record("a/", "T", "", "en", "<p>alpha " + "x " * 3000 + "alpha beta alpha</p>")
    assert rec.terms["alpha"][1] == "3,2,3001,2"  # count, first, gaps (title "t" is position 0)
    assert rec.terms["beta"][1] == "1,3004"


def decoded(where: str) -> list[int]:
    """Positions from 'count,first,gap,gap...'."""
    count, *gaps = map(int, where.split(","))
    assert len(gaps) == count
    return [sum(gaps[:i + 1]) for i in range(count)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["alpha", "beta", "净推荐值", "x" * 45, "Café", "7"]),
                         max_size=12), min_size=1, max_size=6),
       st.sampled_from(["", "Beta", "alpha beta alpha"]), st.sampled_from([0, 4090]))
def test_every_term_keeps_every_position_in_order(paragraphs, title, far):
    """Each term's positions are the places its word has on the page: the title's words first,
    then each paragraph after a gap, counted the simple way here (one word at a time)."""
    body = "".join(f"<p>{' '.join(words)}</p>" for words in [["gap"] * far, *paragraphs] if words)
    rec = record("a/", title, "", "en", body)
    expected: dict[str, list[int]] = {}
    pos = 0
    for run in [title, *(r.text for r in sections(body)[1])]:
        for term in tokens(run):
            expected.setdefault(term, []).append(pos)
            pos += 1
        pos += 1  # a gap between blocks (the title counts as one)
    words = {t: decoded(where) for t, (_, where) in rec.terms.items() if " " not in t}
    assert words == expected
    assert list(words) == list(expected)  # in the order they first appear


def test_a_record_carried_between_processes_or_builds_is_the_same_record():
    import pickle

    rec = record("a/", "Brand promise", "Sec", "en", "<p>alpha beta alpha 净推荐值</p><h2 id='x'>Head</h2>")
    again = pickle.loads(pickle.dumps(rec))
    twice = pickle.loads(pickle.dumps(again))  # passed on without being looked at
    for copy in (again, twice):
        assert copy == rec and list(copy.terms.items()) == list(rec.terms.items())
    empty = record("b/", "", "", "en", "")
    assert pickle.loads(pickle.dumps(empty)) == empty and empty.terms == {}


def test_chinese_runs_are_indexed_by_overlapping_pairs_and_the_last_character():
    assert tokens("净推荐值") == ["净推", "推荐", "荐值", "值"]
    assert tokens("NPS净推荐值，客") == ["nps", "净推", "推荐", "荐值", "值", "客"]
    # every part of the run is a pair, pairs one after the other, or the start of a pair
    terms = tokens("以客户为中心")
    assert "推荐" in tokens("净推荐值") and "客户" in terms and terms.index("户为") == terms.index("客户") + 1


# --- one page's record ------------------------------------------------------------------------
def test_record_weighs_title_and_headings_and_keeps_positions_per_block():
    r = record("a/", "Brand promise", "Findings", "en",
               '<p>We keep our brand promise.</p><h2 id="x">Brand</h2><p>promise kept</p>',
               description="What we stand for.")
    weight, where = r.terms["brand"]
    assert weight & 1 == 1  # in the title
    assert weight >> 1 == 1 + 3  # once in the text, once in a heading (worth 3)
    positions = [int(n) for n in r.terms["promise"][1].split(",")]
    count, first, gaps = positions[0], positions[1], positions[2:]
    found = [first]
    for g in gaps:
        found.append(found[-1] + g)
    brand = r.terms["brand"][1].split(",")
    assert count == 3 and int(brand[1]) == 0  # the title comes first
    # "Brand" (heading) and "promise kept" (text) are two blocks: never one phrase
    heading_brand = int(brand[1]) + sum(int(g) for g in brand[2:])
    assert heading_brand + 1 not in found
    data = json.loads(r.page)
    assert data == {"u": "a/", "t": "Brand promise", "s": "Findings", "l": "en",
                    "p": [["", "", "What we stand for. We keep our brand promise."],
                          ["x", "Brand", "promise kept"]]}


# --- the index files --------------------------------------------------------------------------
def _records(n: int, extra: dict[int, str] | None = None) -> list:
    words = "customer experience loyalty promoter brand promise journey survey".split()
    out = []
    for i in range(n):
        text = " ".join(words[(i * 7 + k) % len(words)] for k in range(40))
        text += f" report {i} 净推荐值" + (extra or {}).get(i, "")
        out.append(record(f"p{i:03d}/", f"Report {i}", "", "zh" if i % 5 == 0 else "en", f"<p>{text}</p>"))
    return out


def _call(data: bytes) -> tuple[str, object]:
    """(key, data) of an index file: cxsearch("key",'JSON');"""
    key, payload = _payload(data)
    return key, json.loads(payload)


def _payload(data: bytes) -> tuple[str, str]:
    m = re.fullmatch(r"""cxsearch\("([^"]+)",'((?:[^'\\]|\\.)*)'\);\n""", data.decode("utf-8"), re.S)
    assert m, data[:80]
    return m.group(1), re.sub(r"\\(.)", r"\1", m.group(2))


def test_every_index_file_is_a_script_named_by_a_hash_of_its_content():
    files = SearchIndex().files(_records(30))
    assert _call(files[FOLDER + "entry.js"]) == ("entry", next(
        k[len(FOLDER):-3] for k in files if k.startswith(FOLDER + "index.")))
    for path, data in files.items():
        key, payload = _call(data)
        assert path == FOLDER + key + ".js"
        if path.startswith((FOLDER + "t/", FOLDER + "p/")):
            body = _payload(data)[1].encode("utf-8")
            assert key.split("/")[1] == hashlib.sha256(body).hexdigest()[:10]


def test_manifest_describes_every_page_and_shard():
    recs = _records(30)
    files = SearchIndex().files(recs)
    manifest = _call(files[FOLDER + _call(files[FOLDER + "entry.js"])[1] + ".js"])[1]
    assert manifest["n"] == 30 and manifest["langs"] == ["en", "zh"]
    assert manifest["lang"] == "".join("1" if i % 5 == 0 else "0" for i in range(30))
    firsts = [s[0] for s in manifest["s"]]
    assert firsts == sorted(firsts, key=sort_key)
    # each shard holds the terms from its first term up to the next shard's first term
    for i, (first, t_hash, p_hash) in enumerate(manifest["s"]):
        terms, postings = _call(files[f"{FOLDER}t/{t_hash}.js"])[1]
        positions = _call(files[f"{FOLDER}p/{p_hash}.js"])[1]
        assert terms[0] == first and len(terms) == len(postings) == len(positions)
        if i + 1 < len(firsts):
            assert sort_key(terms[-1]) < sort_key(firsts[i + 1])
    # and every page's text is in the excerpt file of its bundle of pages, in page order
    per = manifest["fp"]
    bundles = -(-30 // per)
    width = len(manifest["f"]) // bundles
    assert len([k for k in files if k.startswith(FOLDER + "f/")]) == bundles < 30
    for doc in range(30):
        b = doc // per
        data = _call(files[f"{FOLDER}f/{b:x}-{manifest['f'][b * width:(b + 1) * width]}.js"])[1]
        assert data[doc % per]["u"] == f"p{doc:03d}/"


def test_the_words_of_the_site_are_listed_by_first_letter_for_misspellings():
    files = SearchIndex().files(_records(12))
    manifest = _call(files[FOLDER + _call(files[FOLDER + "entry.js"])[1] + ".js"])[1]
    words = _call(files[f"{FOLDER}w/{manifest['w']['p']}.js"])[1]
    assert words == ["promise", "promoter"]  # words only: no numbers, pairs or Chinese
    assert "r" in manifest["w"] and "净" not in manifest["w"]


def test_postings_give_each_page_its_weight():
    files = SearchIndex().files(_records(12))
    manifest = _call(files[FOLDER + _call(files[FOLDER + "entry.js"])[1] + ".js"])[1]
    shard = max(i for i, s in enumerate(manifest["s"]) if sort_key(s[0]) <= sort_key("42"))
    for i, s in enumerate(manifest["s"]):
        terms, postings = _call(files[f"{FOLDER}t/{s[1]}.js"])[1]
        if "11" in terms:
            flat = postings[terms.index("11")]
            assert flat[0] == 11 and flat[1] & 1  # page 11, "11" in its title
            assert len(flat) == 2
    assert shard >= 0


def test_identical_input_gives_identical_bytes_in_any_order():
    recs = _records(40)
    assert SearchIndex().files(recs) == SearchIndex().files(list(reversed(recs)))


def test_shards_stay_within_their_size_except_a_single_large_term():
    terms = [f"w{i:04d}" for i in range(2000)]
    sizes = {t: 900 for t in terms} | {"w0500": 200_000}
    shards = layout(sorted(terms, key=sort_key), sizes)
    assert ["w0500"] in shards
    for s in shards:
        assert len(s) == 1 or sum(sizes[t] for t in s) <= search_index.MAX_SHARD


def test_boundaries_depend_on_the_terms_around_them_only():
    """Growing one term's postings moves the boundaries near it, not the rest."""
    rng = random.Random(5)
    terms = sorted((f"w{i:04d}" for i in range(3000)), key=sort_key)
    sizes = {t: rng.choice([100, 300, 700, 2000, 5000]) for t in terms}
    before = layout(terms, sizes)
    sizes["w1500"] += 9_000
    after = layout(terms, sizes)
    kept = {tuple(s) for s in before} & {tuple(s) for s in after}
    assert len(before) > 100 and len(kept) >= len(before) - 4


def test_an_update_equals_a_fresh_build_and_rewrites_only_what_changed():
    vocabulary = [f"topic{i}" for i in range(300)]
    recs = [record(f"p{i:03d}/", f"Page {i}", "", "en",
                   "<p>" + " ".join(vocabulary[(i * k) % 300] for k in range(1, 60)) + "</p>")
            for i in range(300)]
    recs[17] = record("p017/", "Page 17", "", "en", "<p>topic1 topic2</p>")
    index = SearchIndex()
    first = index.files(recs)
    changed = list(recs)
    changed[17] = record("p017/", "Page 17", "", "en", "<p>topic5 topic6 zebra</p>")
    second = index.files(changed)
    assert second == SearchIndex().files(changed)
    touched = recs[17].terms.keys() | changed[17].terms.keys()
    shards = {k: _call(v)[1][0] for k, v in second.items() if k.startswith(FOLDER + "t/")}
    untouched = [k for k, terms in shards.items() if touched.isdisjoint(terms)]
    assert len(untouched) >= 2
    assert all(k in first for k in untouched)  # the same bytes, not written again
    assert any(k not in first for k in shards)
    pages = lambda files: {k for k in files if k.startswith(FOLDER + "f/")}  # noqa: E731
    bundle = f"{17 // search_index.PAGES_PER_FILE:x}"  # the excerpt file holding page 17's text
    assert pages(second) - pages(first) == {k for k in pages(second)
                                            if k.startswith(f"{FOLDER}f/{bundle}-")}
    assert len(pages(second) - pages(first)) == 1


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 29), st.sampled_from(["", " zebra", " 净推荐值 新词", " brand brand"])),
                max_size=6),
       st.sets(st.integers(0, 29), max_size=3))
def test_any_sequence_of_edits_equals_a_fresh_build(edits, removed):
    recs = _records(30)
    with mock.patch.object(search_index, "BLOCK", 4):  # many blocks of pages, as on a big site
        index = SearchIndex()
        index.files(recs)
        for doc, extra in edits:
            recs[doc] = _records(30, {doc: extra})[doc]
            assert index.files(recs) == SearchIndex().files(recs)
        kept = [r for i, r in enumerate(recs) if i not in removed]
        assert index.files(kept) == SearchIndex().files(kept)


# --- in the built site ------------------------------------------------------------------------
def test_search_page_and_index_are_built_from_published_pages_only(site):
    src = site({
        "content/index.md": "# Home\n\nWelcome",
        "content/zh.md": "---\ntitle: 客户\nlang: zh\n---\n客户体验转型",
        "content/draft.md": "---\ntitle: Secret plan\ndraft: true\n---\nunpublished words",
        "content/hidden.md": "---\ntitle: Not in search\nsearch: false\n---\nquietly here",
    })
    files = build(src)
    index = b"".join(data for path, data in files.items() if path.startswith("assets/search/"))
    assert "客户体验转型".encode() in index
    assert b"unpublished" not in index and b"Secret plan" not in index
    assert b"quietly" not in index and b"Not in search" not in index
    assert b"quietly here" in files["hidden/index.html"]
    assert b'data-search="page"' in files["search/index.html"]
    home = files["index.html"].decode()
    assert 'data-search="live"' in home and 'role="search"' in home
    assert re.search(r'data-engine="assets/search-engine\.[0-9a-f]{10}\.js"', home)
    # pages never name the index, so editing one page does not change every page
    assert "search/index." not in home and "entry.js" not in home


def test_search_front_matter_must_be_true_or_false(site):
    src = site({"content/index.md": "---\ntitle: Home\nsearch: no way\n---\nx"})
    with pytest.raises(BuildFailed) as e:
        build(src)
    assert "front matter 'search' must be true or false" in e.value.problems[0].message


def test_a_page_at_search_is_refused(site):
    src = site({"content/index.md": "# Home", "content/search.md": "# Mine"})
    with pytest.raises(BuildFailed) as e:
        build(src)
    assert e.value.problems[0].message == "the address /search/ is kept for the site's search page"


@pytest.mark.slow
def test_survey_values_withheld_from_the_page_are_not_in_the_index(site):
    src = site({
        "content/index.md": page("```survey\ndata: s.csv\nstatement: I know\nby: team\n```"),
        "data/s.csv": "statement,team,value,n\nI know,Sales,61.25,40\nI know,Tiny,87.75,3\n",
    })
    files = build(src)
    terms = set()
    for path, data in files.items():
        if path.startswith("assets/search/t/"):
            terms.update(_call(data)[1][0])
    assert "sales" in terms and "61" in terms
    assert "87" not in terms and "87.75" not in files["index.html"].decode()


def test_serve_reindexes_an_edited_page_and_writes_what_a_clean_build_would(site):
    from cxsite.config import load_config
    from cxsite.engine.incremental import IncrementalBuild
    from cxsite.engine.site import build_site

    pages = {f"content/p{i}.md": f"---\ntitle: Page {i}\n---\n" + " ".join(
        f"topic{(i * k) % 300}" for k in range(1, 80)) for i in range(60)}
    src = site({"content/index.md": "# Home\n\nWelcome", **pages})
    config = lambda: load_config(src, src / "out", serve_mode=True)  # noqa: E731
    inc = IncrementalBuild(config(), jobs=1, reload_config=config)
    assert inc.update().ok
    before = {k: v for k, v in inc.finish().items() if k.startswith("assets/search/")}
    (src / "content" / "p7.md").write_text("---\ntitle: Page 7\n---\nA zebra arrived.", encoding="utf-8")
    update = inc.update({"content/p7.md"})
    assert update.ok and update.rendered == 1
    after = {k: v for k, v in inc.finish().items() if k.startswith("assets/search/")}
    clean = build_site(config(), None, jobs=1).files
    assert after == {k: v for k, v in clean.items() if k.startswith("assets/search/")}
    assert any(b'"zebra"' in v for k, v in after.items() if "/t/" in k)
    rewritten = {k for k in after if before.get(k) != after[k]}
    assert "assets/search/entry.js" in rewritten
    assert len(rewritten) < len(after) / 2


def test_a_bundle_of_page_texts_made_early_is_used_only_if_its_pages_are_still_those():
    recs = [record(f"p{i}/", f"Page {i}", "", "en", f"<p>Text {i}</p>") for i in range(10)]
    index = SearchIndex()
    path, early = index.page_file(0, [r.page for r in recs[:8]])
    files = index.files(recs)
    assert files[path] is early  # the same file, not made again
    other = SearchIndex()
    stale, _ = other.page_file(1, ["[]", "[]"])  # a page of bundle 1 rendered again since
    files = other.files(recs)
    assert stale not in files and files == SearchIndex().files(recs)


def test_postings_taken_while_pages_render_give_the_index_of_all_at_once():
    recs = sorted(_records(30), key=lambda r: r.url)
    want = SearchIndex().files(recs)
    early = SearchIndex()
    for r in recs:
        early.take(r)
    assert early._taken[0] and early.files(recs) == want
    assert not early._taken[0]  # used up
    other = SearchIndex()  # a page rendered again since: its new record is not the one taken
    for r in recs:
        other.take(r)
    again = record(recs[3].url, "Another title", "", "en", "<p>Other words</p>")
    changed = recs[:3] + [again] + recs[4:]
    assert other.files(changed) == SearchIndex().files(changed)
