"""In Chromium: saving a file reloads the open page; a mistake shows over it until fixed."""
from __future__ import annotations

import io

import pytest

from cxsite.config import load_config
from cxsite.serve.server import DevServer

pytestmark = pytest.mark.slow  # browser or end-to-end: `pytest -m "not slow"` skips it


@pytest.fixture
def served(site):
    root = site({
        "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
        "content/a.md": "---\ntitle: Page A\n---\nFirst version.\n",
    })
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    url = dev.start()
    yield root, url
    dev.stop()


def test_saving_a_file_reloads_the_open_page(browser, served):
    root, url = served
    page = browser.new_page()
    try:
        page.goto(url + "a/")
        page.get_by_text("First version.").wait_for(timeout=5000)
        # no need to wait for the event stream: the page's token says which version it shows

        (root / "content/a.md").write_text("---\ntitle: Page A\n---\nSecond version.\n")
        page.get_by_text("Second version.").wait_for(timeout=5000)

        (root / "content/a.md").write_text("---\ntitle: Page A\n---\n[link](missing.md)\n")
        overlay = page.locator("#cxsite-errors")
        overlay.wait_for(timeout=5000)
        assert "link to a missing page 'missing.md'" in overlay.inner_text()
        assert page.get_by_text("Second version.").is_visible()  # the last good page beneath
        # opaque, focused, and its button styled with a visible focus ring
        assert page.evaluate("getComputedStyle(document.getElementById('cxsite-errors')).backgroundColor") \
            in ("rgb(238, 241, 244)",)
        page.wait_for_function("document.activeElement && document.activeElement.id === 'cxsite-errors'",
                               timeout=5000)
        page.keyboard.press("Tab")
        button = page.locator("#cxsite-errors button")
        assert page.evaluate("document.activeElement.tagName") == "BUTTON"
        style = button.evaluate("b => { const s = getComputedStyle(b); return [s.backgroundColor, s.color, "
                                "s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert style[0] == "rgb(11, 79, 138)" and style[1] == "rgb(255, 255, 255)"
        assert style[2] == "solid" and style[3] >= 3

        (root / "content/a.md").write_text("---\ntitle: Page A\n---\nThird version.\n")
        page.get_by_text("Third version.").wait_for(timeout=5000)
        assert page.locator("#cxsite-errors").count() == 0
    finally:
        page.close()
