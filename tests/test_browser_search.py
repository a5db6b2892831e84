"""Search in a real browser, as a reader notices it: the right page first, every word
highlighted, excerpts that start at a word and link to their section, live results while
typing (keyboard and screen reader included), from a web server and from file://, results in
the reader's language first, and the 5,000-page budget."""
from __future__ import annotations

import gzip
import random
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from httpfolder import served_folder
from cxsite.config import load_config
from cxsite.engine.output import DiskWriter
from cxsite.engine.site import build_site
from cxsite.render import default_theme_dir
from cxsite.search.index import SearchIndex
from cxsite.search.record import record
from cxsite.search.tokens import tokens

pytestmark = pytest.mark.slow

FILLER = ("Our teams meet every week to review what customers told us and to agree the next "
          "improvement. ")


def _page(title: str, body: str, **meta: str) -> str:
    front = "".join(f"{k}: {v}\n" for k, v in meta.items())
    return f"---\ntitle: \"{title}\"\n{front}---\n{body}\n"


def _reports() -> dict[str, str]:
    files = {}
    for i in range(1, 61):
        body = FILLER * 3 + f"See report {(i * 7) % 60 + 1} for detail. Agreement rose to {40 + i % 7}%."
        if i in (4, 9, 17):
            body += " This report also mentions report 42 in passing."
        files[f"content/reports/report-{i}.md"] = _page(f"Report {i}", body)
    files["content/reports/_index.md"] = _page("Reports", "All the monthly reports.")
    return files


SITE = {
    "content/index.md": _page("Customer First", FILLER + "Welcome to the programme."),
    "content/promise.md": _page(
        "What we stand for",
        FILLER * 2 + "\n\n## Our brand promise\n\nEvery employee can explain our brand promise "
        "in one sentence.\n\n## The economics of loyalty\n\n" + FILLER * 4 +
        "A loyal customer is worth more: the economics of loyalty pay for the programme.\n"),
    "content/apart.md": _page(
        "Words apart",
        "A strong brand needs more than a logo. " + FILLER + "We promise to call back within a day."),
    "content/nps.md": _page("NPS explained", FILLER + "The Net Promoter Score (NPS) measures loyalty."),
    "content/nps-zh.md": _page("净推荐值说明", "净推荐值（NPS）衡量客户忠诚度。推荐者所占百分比减去贬损者所占百分比。",
                               lang="zh"),
    **_reports(),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser-search")
    for rel, text in SITE.items():
        path = root / "site" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = load_config(root / "site", root / "out")
    build_site(config, DiskWriter(config.output, root / "site"))
    return config.output


@pytest.fixture(scope="module")
def base(built):
    with served_folder(built) as url:
        yield url


def new_page(browser):
    page = browser.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    page.route("**/favicon.ico", lambda r: r.fulfill(status=204, body=""))  # not the site's concern
    return page


def results_for(browser, base: str, query: str) -> list[dict]:
    """The search page's results: title, link, excerpt text and marked words."""
    page = new_page(browser)
    page.goto(base + "search/?q=" + quote(query))
    page.wait_for_function("document.querySelector('#search-status').textContent !== ''")
    found = page.evaluate("""() => [...document.querySelectorAll('.search-list > li')].map(li => ({
        title: li.querySelector('a').textContent, href: li.querySelector('a').getAttribute('href'),
        excerpt: li.querySelector('p').textContent, lang: li.closest('[lang]').lang,
        marks: [...li.querySelectorAll('mark')].map(m => m.textContent.toLowerCase())}))""")
    assert page.errors == []
    page.close()
    return found


# --- what readers find ------------------------------------------------------------------------
def test_report_42_is_first_not_the_pages_that_mention_it(browser, base):
    found = results_for(browser, base, "report 42")
    assert found[0]["title"] == "Report 42"
    assert {"Report 4", "Report 9", "Report 17", "Report 23"} <= {r["title"] for r in found}


def test_a_quoted_phrase_finds_the_words_together_only(browser, base):
    found = results_for(browser, base, '"brand promise"')
    assert [r["title"] for r in found] == ["What we stand for"]
    assert "brand promise" in found[0]["marks"]
    both = [r["title"] for r in results_for(browser, base, "brand promise")]
    assert both[0] == "What we stand for" and "Words apart" in both


def test_a_typo_still_finds_the_page(browser, base):
    assert results_for(browser, base, "ecomomics")[0]["title"] == "What we stand for"


def test_chinese_is_found_inside_longer_words_from_an_english_page(browser, base):
    found = results_for(browser, base, "推荐")
    assert [r["title"] for r in found] == ["净推荐值说明"]
    assert found[0]["lang"] == "zh-Hans" and "推荐" in found[0]["marks"]  # lang: zh is Simplified


def test_every_word_is_highlighted_in_an_excerpt_that_starts_at_a_word_and_links_its_section(browser, base):
    found = results_for(browser, base, "loyalty economics")
    top = found[0]
    assert top["title"] == "What we stand for"
    assert top["href"].endswith("promise/#the-economics-of-loyalty")
    assert {"loyalty", "economics"} <= set(top["marks"])
    excerpt = top["excerpt"].removeprefix("… ")
    text = SITE["content/promise.md"]
    at = text.find(excerpt[:25])
    assert at > 0 and not text[at - 1].isalnum(), "the excerpt starts inside a word"


def test_the_search_page_reads_the_query_from_its_address_and_updates_as_you_type(browser, base):
    page = new_page(browser)
    page.goto(base + "search/?q=loyalty")
    page.wait_for_function("document.querySelector('#search-status').textContent.includes('result')")
    page.fill("#search-input", "净推荐值")
    page.wait_for_function("document.querySelector('.search-list a') && "
                           "document.querySelector('.search-list a').textContent === '净推荐值说明'")
    assert "q=%E5%87%80" in page.url
    page.fill("#search-input", "zzzqqq")
    page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('No results')")
    assert page.errors == []


def test_what_the_reader_typed_is_shown_as_text(browser, base):
    page = new_page(browser)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    typed = '<img src=x onerror=alert(1)> $& zzz'
    page.goto(base + "search/?q=" + quote(typed))
    page.wait_for_function("document.querySelector('#search-status').textContent !== ''")
    assert page.inner_text("#search-status") == f"No results for “{typed}”."
    assert dialogs == [] and page.locator("#search-status img").count() == 0


# --- live results in the header box -----------------------------------------------------------
def type_and_wait(page, text: str) -> float:
    """Type into the header search box; ms from the last keystroke to the live results."""
    page.evaluate("""() => {
        const input = document.querySelector('#site-search-q');
        window.LONGEST = 0;
        new PerformanceObserver(l => l.getEntries().forEach(e => { LONGEST = Math.max(LONGEST, e.duration); }))
          .observe({ type: 'longtask' });
        input.addEventListener('input', () => { window.LAST_KEY = performance.now(); window.SHOWN = 0; });
        const status = document.querySelector('form.site-search [role=status]');
        new MutationObserver(() => { if (status.textContent) window.SHOWN = performance.now(); })
          .observe(status, { childList: true, characterData: true, subtree: true });
    }""")
    page.click("#site-search-q")
    page.keyboard.type(text, delay=40)
    page.wait_for_function("window.SHOWN > window.LAST_KEY")
    return page.evaluate("SHOWN - LAST_KEY")


def test_live_results_while_typing_with_the_keyboard(browser, base):
    page = new_page(browser)
    page.goto(base + "nps/")
    elapsed = type_and_wait(page, "economics loyalty")
    assert elapsed < 1500, f"{elapsed:.0f} ms from the last keystroke to the results"
    assert page.evaluate("LONGEST") < 200, "typing was blocked"
    box = page.locator("#site-search-q")
    assert box.get_attribute("role") == "combobox" and box.get_attribute("aria-expanded") == "true"
    assert page.inner_text("form.site-search [role=status]") == "1 result"
    options = page.locator("#site-search-q-results [role=option]")
    assert "What we stand for" in options.first.inner_text()
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "promise/#the-economics-of-loyalty")
    assert page.errors == []


def test_enter_without_a_choice_opens_the_results_page(browser, base):
    page = new_page(browser)
    page.goto(base)
    type_and_wait(page, "report")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "search/?q=report")
    page.wait_for_selector(".search-list li")
    assert page.locator("button.search-more").count() == 1  # 60 reports: 10 at a time
    page.click("button.search-more")
    page.wait_for_function("document.querySelectorAll('.search-list > li').length === 20")


def test_everything_works_from_file_urls(browser, built):
    page = new_page(browser)
    page.goto((built / "nps" / "index.html").as_uri())
    type_and_wait(page, "brand promise")
    first = page.locator("#site-search-q-results [role=option] a").first
    assert "What we stand for" in first.inner_text()
    first.click()
    page.wait_for_url((built / "promise" / "index.html").as_uri() + "#our-brand-promise")
    page.goto((built / "search" / "index.html").as_uri() + "?q=" + quote("推荐"))
    page.wait_for_selector(".search-list li")
    assert page.locator(".search-list a").first.get_attribute("href") == "../nps-zh/index.html"
    assert page.errors == []


def test_results_in_the_readers_language_come_first(browser, base):
    def groups(url: str, query: str) -> list[tuple[str, str, list[str]]]:
        page = new_page(browser)
        page.goto(url)
        type_and_wait(page, query)
        found = page.evaluate("""() => {
            const list = document.querySelector('#site-search-q-results');
            const own = [...list.querySelectorAll(':scope > [role=option]')].map(o => o.textContent);
            const other = [...list.querySelectorAll('[role=group]')].map(g => [g.lang || g.querySelector('[lang]').lang,
                g.querySelector('.search-popup-group').textContent,
                [...g.querySelectorAll('[role=option]')].map(o => o.textContent)]);
            return { own, other };
        }""")
        page.close()
        return found
    english = groups(base + "nps/", "NPS")
    assert "NPS explained" in english["own"][0]
    assert english["other"][0][1] == "In Simplified Chinese" and "净推荐值说明" in english["other"][0][2][0]
    chinese = groups(base + "nps-zh/", "NPS")
    assert "净推荐值说明" in chinese["own"][0]
    assert "NPS explained" in chinese["other"][0][2][0]


def test_the_browser_cuts_words_exactly_as_the_index_does(browser, base):
    samples = ["Café's NPS-driven 3.5% growth", "净推荐值（NPS）衡量客户忠诚度。", "Ｆｕｌｌ-width ＡＢＣ and ﬁne",
               "Ünïcödé, naïve façade", "ヨーロッパの顧客 고객 경험", "x" * 60, "𠀀𠀁 rare ideographs"]
    page = new_page(browser)
    page.goto(base)
    page.add_script_tag(url=page.get_attribute("form.site-search", "data-engine"))  # loaded on demand
    page.wait_for_function("window.CxSearch !== undefined")
    for text in samples:
        in_browser = page.evaluate("""(t) => { const cx = window.CxSearch, toks = cx.textTokens(cx.fold(t));
            const out = []; for (let i = 0; i < toks.length; i++) {
              if (!toks[i].c) { out.push(toks[i].f); continue; }
              const next = toks[i + 1];
              out.push(next && next.c && next.s === toks[i].e ? toks[i].f + next.f : toks[i].f); }
            return out; }""", text)
        assert in_browser == tokens(text), text


# --- the budget at 5,000 pages ----------------------------------------------------------------
WORDS = ("customer experience loyalty promoter detractor journey touchpoint feedback loop frontline "
         "employee brand promise engagement retention churn wallet share survey programme roadmap "
         "milestone workstream initiative owner vision value proposition must-win battle repeatable "
         "model inner outer champion silo collaboration insight").split()
ZH = ["以客户为中心", "客户体验", "净推荐值", "品牌承诺", "员工敬业度"]


def _corpus_records(n: int) -> list:
    """Pages like the benchmark corpus (400 words of a small vocabulary, numbers, Chinese)."""
    rng = random.Random(479)
    out = []
    for i in range(n):
        parts = []
        for s in range(rng.randint(2, 4)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(60, 120))]
            words.insert(rng.randint(1, 50), rng.choice(ZH))
            words += [f"{rng.choice(WORDS)} {rng.randint(1, 99)}%" for _ in range(4)]
            parts.append(f'<h2 id="s{s}">Section {s + 1} {rng.choice(WORDS)}</h2><p>{" ".join(words)}.</p>')
        out.append(record(f"page-{i:05d}/", f"Report {i}: {rng.choice(WORDS).title()} {rng.choice(WORDS)}",
                          "", "en", "".join(parts)))
    return out


@pytest.fixture(scope="module")
def big_index(tmp_path_factory) -> Path:
    """The index of 5,000 pages, with the search scripts and a search page, in a folder."""
    root = tmp_path_factory.mktemp("search-5000")
    for path, data in SearchIndex().files(_corpus_records(5000)).items():
        (root / "assets" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "assets" / path).write_bytes(data)
    static = default_theme_dir() / "static"
    for name in ("search-engine.js", "search.js"):
        (root / "assets" / name).write_bytes((static / name).read_bytes())
    form = (default_theme_dir() / "partials" / "search-text.html").read_text(encoding="utf-8")
    form = form.split("-#}", 1)[1]
    (root / "search").mkdir()
    (root / "search" / "index.html").write_text(
        f"""<!DOCTYPE html><html lang="en"><meta charset="utf-8"><body>
        <form data-search="page" data-root="../" data-engine="../assets/search-engine.js" {form}>
        <input id="search-input" type="search"></form>
        <p id="search-status"></p><div id="search-results"></div><script src="../assets/search.js"></script>""",
        encoding="utf-8")
    return root


def test_5000_pages_a_query_loads_under_500_kb_and_answers_within_a_second(browser, big_index):
    sizes: dict[str, int] = {}

    def gz(url: str) -> int:
        path = big_index / unquote(urlsplit(url).path.lstrip("/"))
        if url not in sizes:
            data = path.read_bytes()
            sizes[url] = min(len(data), len(gzip.compress(data)))
        return sizes[url]
    with served_folder(big_index) as url:
        for query in ("brand promise", '"brand promise"', "report 42", "推荐", "promsie"):
            best = None
            for _ in range(3):  # the best of three: the machine may be busy with other work
                context = browser.new_context()
                page = context.new_page()
                loaded: list[str] = []
                page.on("request", lambda r: "/assets/search/" in r.url and loaded.append(r.url))
                page.goto(url + "search/?q=" + quote(query))
                page.wait_for_function("document.querySelector('#search-status').textContent !== ''",
                                       timeout=20_000)
                ms = page.evaluate("performance.now()")
                assert page.locator(".search-list li").count() >= 1, query
                context.close()
                best = ms if best is None else min(best, ms)
            downloaded = sum(gz(u) for u in loaded)
            assert downloaded <= 500 * 1024, f"{query}: {downloaded / 1024:.0f} KB"
            assert best <= 1000, f"{query}: first results after {best:.0f} ms"
