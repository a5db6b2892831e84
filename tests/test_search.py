from __future__ import annotations

import functools
import http.server
import json
import threading

import pytest

from cxsite.config import load_config
from cxsite.engine.output import DiskWriter, MemoryWriter
from cxsite.search.index import index_script, page_text
from cxsite.engine.site import build_site


def test_page_text_drops_markup_svg_and_scripts():
    html = ('<h2 id="a">Why<a class="headerlink" href="#a">#</a></h2><p>Net <b>Promoter</b>, &amp; '
            'more</p><svg><text>axis</text></svg><script>x()</script><p>客户体验</p>')
    assert page_text(html) == "Why Net Promoter, & more 客户体验"


def test_index_is_a_script_sorted_by_url():
    data = index_script([{"u": "b/", "t": "B", "s": "", "x": ""}, {"u": "a/", "t": "A", "s": "", "x": "中"}])
    assert data.startswith(b"window.CXSITE_SEARCH=")
    records = json.loads(data[len(b"window.CXSITE_SEARCH="):-2])
    assert [r["u"] for r in records] == ["a/", "b/"] and records[0]["x"] == "中"


def test_search_page_and_index_are_built(site):
    src = site({"content/index.md": "# Home\n\nWelcome", "content/zh.md": "---\ntitle: 客户\n---\n客户体验转型"})
    files = build_site(load_config(src), MemoryWriter()).files
    page = files["search/index.html"].decode()
    index = next(k for k in files if k.startswith("assets/search-index."))
    assert f'src="../{index}"' in page
    assert "客户体验转型".encode() in files[index]
    assert b'role="search"' in files["index.html"]


def test_a_page_at_search_is_refused(site):
    import pytest

    from cxsite.errors import BuildFailed
    src = site({"content/index.md": "# Home", "content/search.md": "# Mine"})
    with pytest.raises(BuildFailed) as e:
        build_site(load_config(src), MemoryWriter())
    assert e.value.problems[0].message == "the address /search/ is kept for the site's search page"


@pytest.mark.slow
def test_search_finds_english_and_chinese_in_the_browser(site, browser):
    src = site({
        "content/index.md": "# Home\n\nWelcome to the programme.",
        "content/loyalty.md": "---\ntitle: Loyalty\n---\nPromoters are worth more. 客户忠诚度很重要。",
        "content/roadmap.md": "---\ntitle: Roadmap\n---\nThree stages <b>and</b> milestones.",
    })
    config = load_config(src)
    build_site(config, DiskWriter(config.output, src))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(config.output))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        base = f"http://127.0.0.1:{server.server_port}/"
        page.goto(base + "search/?q=promoters")
        page.wait_for_selector("#search-results li")
        assert page.locator("#search-results li a").all_inner_texts() == ["Loyalty"]
        assert "1 page matches" in page.inner_text("#search-status")
        page.fill("#search-input", "忠诚")
        page.wait_for_function("document.querySelector('#search-results a').textContent === 'Loyalty'")
        page.fill("#search-input", "nothing-like-this")
        page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('No pages')")
        page.fill("#search-input", "stages")
        page.locator("#search-results a").first.click()
        page.wait_for_url(base + "roadmap/")
        page.close()
    finally:
        server.shutdown()
