"""Shared fixtures: a site builder for end-to-end tests and a headless Chromium for browser tests."""
from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CXSITE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def write_site(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write a site folder: {'content/index.md': '...', 'data/x.csv': '...'}; text is dedented."""
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def site(tmp_path: Path):
    """Factory: site({...}) writes files into a fresh site folder and returns its path."""
    def make(files: dict[str, str | bytes]) -> Path:
        return write_site(tmp_path / "site", files)
    return make


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright. Under CI=true a missing browser is a failure."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None and CHROMIUM == "/usr/bin/chromium":
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is not installed at {CHROMIUM}; .ci/run must install it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
