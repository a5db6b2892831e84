"""The dev server: live-reload events, errors over the last good page, nothing outside the output
folder. Most tests drive DevServer directly (no sockets, no sleeping); a few use real sockets
on 127.0.0.1 with port 0."""
from __future__ import annotations

import html
import http.client
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.errors import SiteError, UsageError
from cxsite.serve.server import (DevServer, bind, inject, locate, overlay_html, should_open_browser,
                          url_prefix)
from cxsite.engine.site import build_site

ROOT = Path(__file__).resolve().parent.parent
SITE = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome.\n",
    "content/a.md": "---\ntitle: Page A\n---\nFirst version.\n",
    "content/sec/b.md": "---\ntitle: Page B\n---\nB.\n",
}


@pytest.fixture
def dev(site):
    """A DevServer over a small site, built once, not listening."""
    root = site(SITE)
    server = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    server.rebuild(None)
    yield server
    server.stop()


def edit(dev: DevServer, rel: str, text: str):
    """Save a file and rebuild as the watcher would make the server do."""
    (dev.config.source / rel).write_text(text, encoding="utf-8")
    return dev.rebuild({rel})


def reload_event(events) -> dict:
    text = next(events)
    assert text.startswith("event: reload\ndata: "), text
    return json.loads(text.split("data: ", 1)[1])


# --- pages as sent -------------------------------------------------------------------------
def test_pages_get_the_reload_script_but_files_stay_identical_to_a_clean_build(dev):
    r = dev.respond("/a/")
    assert r.status == 200 and r.content_type == "text/html; charset=utf-8"
    assert b"First version." in r.body
    assert b'<script src="/__cxsite/reload.js" data-token="' in r.body
    assert b'data-path="a/index.html" defer></script></body>' in r.body
    clean = build_site(load_config(dev.config.source, Path(dev.config.output.parent / "x")),
                       None).files
    on_disk = {p.relative_to(dev.config.output).as_posix(): p.read_bytes()
               for p in dev.config.output.rglob("*") if p.is_file() and p.name[0] != "."}
    assert on_disk == clean


def test_reload_script_is_served_from_a_reserved_url(dev):
    r = dev.respond("/__cxsite/reload.js")
    assert r.status == 200 and b"EventSource" in r.body
    assert dev.respond("/__cxsite/other").status == 404
    assert not (dev.config.output / "__cxsite").exists()


def test_folder_without_slash_redirects(dev):
    r = dev.respond("/sec/b")
    assert (r.status, r.headers) == (301, {"Location": "/sec/b/"})


def test_missing_page_is_the_404_page_and_reloads_on_any_change(dev):
    r = dev.respond("/nowhere/")
    assert r.status == 404 and b"Page not found" in r.body and b'data-path="*"' in r.body


def test_served_under_the_base_url_path(site):
    root = site({**SITE, "cxsite.yaml": "base_url: /cx/\n"})
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    dev.rebuild(None)
    assert (dev.respond("/").status, dev.respond("/").headers["Location"]) == (302, "/cx/")
    assert b"First version." in dev.respond("/cx/a/").body
    assert dev.respond("/cx/sec").headers["Location"] == "/cx/sec/"
    assert url_prefix("https://intranet.example/cx") == "/cx/"


def test_inject_without_body_tag_appends():
    assert inject(b"<p>x</p>", b"<s>") == b"<p>x</p><s>"
    assert inject(b"<BODY>a</BODY></html>", b"<s>") == b"<BODY>a<s></BODY></html>"


# --- drafts: shown while serving, never written -------------------------------------------
def on_disk(dev: DevServer) -> dict[str, bytes]:
    return {p.relative_to(dev.config.output).as_posix(): p.read_bytes()
            for p in dev.config.output.rglob("*") if p.is_file() and p.name[0] != "."}


def clean_build(dev: DevServer) -> dict[str, bytes]:
    """What `python build.py` writes for the same sources."""
    return build_site(load_config(dev.config.source, dev.config.output.parent / "clean"),
                      None).files


def test_drafts_are_served_from_memory_and_never_written(site):
    root = site({**SITE, "content/plans.md": "---\ntitle: Secret plans\ndraft: true\n---\nNot yet.\n"})
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    dev.rebuild(None)
    draft = dev.respond("/plans/").body
    assert b"Not yet." in draft and b"Draft: this page is not published yet." in draft
    assert b"Secret plans" in dev.respond("/a/").body  # in the menu while serving
    assert on_disk(dev) == clean_build(dev)  # output/ holds exactly what a build writes
    assert not (root / "output/plans").exists()
    assert b"Secret plans" not in b"".join(on_disk(dev).values())  # no menu, sitemap, search
    edit(dev, "content/plans.md", "---\ntitle: Secret plans\ndraft: true\n---\nStill not.\n")
    assert b"Still not." in dev.respond("/plans/").body
    assert on_disk(dev) == clean_build(dev)
    edit(dev, "content/plans.md", "---\ntitle: Open plans\n---\nPublished now.\n")
    assert b"Published now." in (root / "output/plans/index.html").read_bytes()
    assert dev.preview is None and on_disk(dev) == clean_build(dev)
    dev.stop()


def test_a_link_to_a_draft_is_served_but_the_output_is_not_updated(site):
    root = site({**SITE, "content/plans.md": "---\ndraft: true\n---\nDraft.\n"})
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    dev.rebuild(None)
    before = on_disk(dev)
    update = edit(dev, "content/a.md", "---\ntitle: Page A\n---\nSee [the plans](plans.md).\n")
    assert update.ok and b"the plans" in dev.respond("/a/").body
    assert on_disk(dev) == before
    assert "the output folder was not updated: 'python build.py' would fail" in dev.out.getvalue()
    assert "link to the draft page 'plans.md'" in dev.out.getvalue()
    dev.stop()


def test_after_edits_the_output_is_a_clean_builds(dev):
    edit(dev, "content/a.md", "---\ntitle: Page A renamed\nweight: 3\n---\nNew.\n")
    edit(dev, "content/new.md", "A new page.\n")
    (dev.config.source / "content/sec/b.md").unlink()
    dev.rebuild({"content/sec/b.md"})
    (dev.config.source / "templates/static").mkdir(parents=True)
    edit(dev, "templates/static/style.css", "body { margin: 0 }\n")
    assert on_disk(dev) == clean_build(dev)


def test_serve_goes_on_from_the_last_build_and_leaves_a_record_for_the_next(site):
    from cxsite.cli import main

    root = site({**SITE, "content/c.md": "C.\n"})
    past = time.time_ns() - 60_000_000_000
    for path in (root / "content").rglob("*"):
        os.utime(path, ns=(past, past))  # saved a minute ago
    assert main(["--source", str(root)]) == 0
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    dev.start()
    try:
        assert "rebuilt 0 page(s)" in dev.out.getvalue()  # nothing changed since the build
        assert b"First version." in dev.respond("/a/").body  # served from memory all the same
        (root / "content/a.md").write_text("---\ntitle: Page A\n---\nWhile serving.\n")
        until(lambda: b"While serving." in dev.respond("/a/").body)
    finally:
        dev.stop()
    from cxsite.engine.site import build_site as build
    from cxsite.engine.output import DiskWriter

    config = load_config(root)
    # serve kept its record: only the page saved just before it stopped is looked at again
    assert build(config, DiskWriter(config.output, root)).rendered == 1


# --- only this computer, only this server ---------------------------------------------------
@pytest.mark.parametrize("host, ok", [
    ("127.0.0.1:{port}", True), ("localhost:{port}", True), ("[::1]:{port}", True),
    ("LOCALHOST:{port}", True), ("127.0.0.1", False), ("127.0.0.1:1", False),
    ("evil.example:{port}", False), ("evil.example", False), ("", False),
    ("127.0.0.1.evil.example:{port}", False),
])
def test_only_requests_for_this_server_are_answered(dev, host, ok):
    """A page elsewhere can point a name it controls at 127.0.0.1 (DNS rebinding); the
    browser then sends that name as the Host, and gets nothing."""
    r = dev.respond("/a/", host.format(port=dev.bound_port))
    assert (r.status == 200) is ok
    if not ok:
        assert r.status == 421 and b"only requests for http://127.0.0.1:" in r.body
        assert b"First version." not in r.body


# --- live reload ---------------------------------------------------------------------------
def test_an_edit_fires_a_reload_event_naming_the_page(dev):
    events = dev.events(dev.token, ping=5)
    assert next(events) == "retry: 1000\n\n"
    edit(dev, "content/a.md", "---\ntitle: Page A\n---\nSecond version.\n")
    paths = reload_event(events)["paths"]  # the page, then whole-site files (merged here)
    assert "a/index.html" in paths and "sec/b/index.html" not in paths
    assert b"Second version." in dev.respond("/a/").body


def test_a_page_loaded_before_several_rebuilds_gets_their_union(dev):
    token = dev.token
    edit(dev, "content/a.md", "---\ntitle: Page A\n---\nSecond.\n")
    edit(dev, "content/sec/b.md", "---\ntitle: Page B\n---\nB2.\n")
    assert {"a/index.html", "sec/b/index.html"} <= set(dev.changes_since(token))
    assert "index.html" not in dev.changes_since(token)
    assert dev.changes_since("from-another-run-1") is None  # after a restart: reload


def test_the_reload_is_announced_only_when_every_file_is_on_disk(dev, monkeypatch):
    """A stylesheet edit renames the stylesheet on every page: announced before the new
    stylesheet is written, the reloaded page would stay unstyled."""
    tokens = []
    write_site = dev.writer.write_site

    def spy(files):
        tokens.append(dev.token)
        report = write_site(files)
        tokens.append(dev.token)
        return report

    monkeypatch.setattr(dev.writer, "write_site", spy)
    before = dev.token
    (dev.config.source / "templates/static").mkdir(parents=True)
    edit(dev, "templates/static/style.css", "body { color: #123456 }\n")
    assert tokens == [before, before] and dev.token != before
    page = (dev.config.output / "a/index.html").read_text()
    css = re.search(r'href="(\.\./assets/style\.[0-9a-f]+\.css)"', page).group(1)
    assert "#123456" in (dev.config.output / "a" / css).resolve().read_text()
    assert css[3:] in dev.changes_since(before)  # the browser is told about the new file


def test_the_saved_page_is_announced_before_the_search_index_is_remade(dev):
    """The index costs time on a big site, and no page names it (search.js finds it through
    assets/search/entry.js), so the saved page comes first."""
    before = dev.token
    edit(dev, "content/a.md", "---\ntitle: Page A\n---\nFindable words.\n")
    (t1, page_paths), (t2, search_paths) = list(dev._history)[-2:]
    assert "a/index.html" in page_paths and not any(p.startswith("assets/search/") for p in page_paths)
    assert "assets/search/entry.js" in search_paths  # the new index, right after
    assert set(dev.changes_since(before)) == set(page_paths) | set(search_paths)
    assert on_disk(dev) == clean_build(dev)


def test_a_new_page_reloads_a_404_and_a_deleted_one_reloads_its_tab(dev):
    events = dev.events(dev.token, ping=5)
    next(events)
    edit(dev, "content/new.md", "New page.\n")
    assert "new/index.html" in reload_event(events)["paths"]
    (dev.config.source / "content/new.md").unlink()
    dev.rebuild({"content/new.md"})
    paths = reload_event(events)["paths"]  # events not yet sent are merged into one
    assert "a/index.html" in paths  # the menu changed on every page...
    assert "new/index.html" in paths  # ...and the page's file was removed
    assert dev.respond("/new/").status == 404


def test_the_stream_pings_and_ends_when_the_server_stops(dev):
    events = dev.events(dev.token, ping=0.01)
    next(events)
    assert next(events) == ": ping\n\n"
    dev.stop()
    assert list(events) == []


def test_a_request_waits_for_the_running_rebuild(dev):
    (dev.config.source / "content/a.md").write_text("---\ntitle: Page A\n---\nNewest.\n")
    dev.changed({"content/a.md"})  # the watcher saw the save; the rebuild has not run yet
    got = []
    reader = threading.Thread(target=lambda: got.append(dev.respond("/a/")))
    reader.start()
    reader.join(0.05)
    assert reader.is_alive()  # waiting, not sending the old page
    dev.rebuild(dev.queue.take(), target=1)
    reader.join(5)
    assert b"Newest." in got[0].body


# --- errors --------------------------------------------------------------------------------
def test_errors_show_over_the_last_good_page_then_go_away(dev):
    events = dev.events(dev.token, ping=5)
    next(events)
    update = edit(dev, "content/a.md", "---\ntitle: Page A\nweight: <b>heavy</b>\n---\nBroken.\n")
    assert not update.ok
    assert reload_event(events)["paths"] is None  # every open page shows the errors
    body = dev.respond("/a/").body.decode()
    assert "First version." in body and "Broken." not in body  # the last good page
    assert 'id="cxsite-errors"' in body
    assert "content/a.md, line 3" in body
    assert html.escape("front matter 'weight' must be a whole number, not '<b>heavy</b>'") in body
    assert "<b>heavy</b>" not in body
    assert 'id="cxsite-errors"' in dev.respond("/sec/b/").body.decode()  # on every page
    edit(dev, "content/a.md", "---\ntitle: Page A\n---\nFixed.\n")
    assert reload_event(events)["paths"] is None
    body = dev.respond("/a/").body.decode()
    assert "Fixed." in body and "cxsite-errors" not in body
    assert "content/a.md:3: error: front matter 'weight'" in dev.out.getvalue()


def test_the_same_error_again_does_not_reload(dev):
    edit(dev, "content/a.md", "[x](missing.md)\n")
    token = dev.token
    edit(dev, "content/a.md", "[x](missing.md)\n\nMore text.\n")
    assert dev.token == token


def test_an_unexpected_failure_is_shown_and_the_next_save_rebuilds_everything(dev, monkeypatch):
    update = dev.build.update

    def broken(changed):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(dev.build, "update", broken)
    dev.rebuild({"content/a.md"})
    assert b"cxsite could not rebuild the site: disk on fire" in dev.respond("/a/").body
    assert "RuntimeError: disk on fire" in dev.out.getvalue()  # the details, for a bug report
    monkeypatch.setattr(dev.build, "update", update)
    result = edit(dev, "content/a.md", "---\ntitle: Page A\n---\nBack.\n")
    assert result.ok and result.full
    assert b"cxsite-errors" not in dev.respond("/a/").body


def test_overlay_escapes_everything():
    from cxsite.errors import Problem

    out = overlay_html([Problem("bad <i>", file="content/<x>.md", line=2, hint="use & not <")])
    assert "bad &lt;i&gt;" in out and "content/&lt;x&gt;.md, line 2" in out
    assert "use &amp; not &lt;" in out and "<i>" not in out


def test_overlay_lists_at_most_twenty_problems():
    from cxsite.errors import Problem

    out = overlay_html([Problem(f"problem {i:02}", file="content/a.md", line=i) for i in range(25)])
    assert "The site has 25 problems" in out and "problem 19" in out and "problem 20" not in out
    assert "... and 5 more: see the terminal." in out


def test_a_site_that_never_built_shows_its_errors(site):
    root = site({"content/index.md": "[x](missing.md)\n"})
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    dev.rebuild(None)
    r = dev.respond("/")
    assert r.status == 404 and b"link to a missing page" in r.body and b"reload.js" in r.body
    (root / "content/index.md").write_text("Fine now.\n")
    dev.rebuild({"content/index.md"})
    assert b"Fine now." in dev.respond("/").body


def test_an_output_folder_not_made_by_cxsite_is_refused(site):
    root = site({**SITE, "output/precious.txt": "keep me"})
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    with pytest.raises(SiteError, match="not empty and was not made by cxsite"):
        dev.start()
    assert (root / "output/precious.txt").read_text() == "keep me"
    assert dev.httpd is None


def until(check, timeout: float = 5.0) -> None:
    """Poll for what a real file-system event will eventually cause."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.slow
def test_real_saves_renames_and_folder_moves(site):
    root = site(SITE)
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    dev.start()
    try:
        tmp = root / "content/.a.md.tmp"  # how careful editors save
        tmp.write_text("---\ntitle: Page A\n---\nSaved atomically.\n")
        os.replace(tmp, root / "content/a.md")
        until(lambda: b"Saved atomically." in dev.respond("/a/").body)
        os.rename(root / "content/sec", root / "content/part")
        until(lambda: dev.respond("/part/b/").status == 200)
        until(lambda: dev.respond("/sec/b/").status == 404)
        (root / "content/a.md").unlink()
        until(lambda: dev.respond("/a/").status == 404)
        # the whole site (and its search index) is written just after the pages are served
        until(lambda: not (dev.config.output / "a").exists())
    finally:
        dev.stop()


# --- nothing but the site's files -----------------------------------------------------------
FILES = {"index.html": b"home", "a/index.html": b"a", "\u60c5\u51b5/index.html": b"zh",
         "assets/x.css": b"css"}


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/a/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
    "/..%2fsecret.txt", "/a/%2e%2e%2f%2e%2e%2fsecret.txt", "/..%5csecret.txt",
    "/a%00/index.html", "/.cxsite-manifest.json", "/%2e%2e", "//etc/passwd", "/assets/../a",
    "/a/..", "/.cxsite-staging/0",
])
def test_traversal_is_refused(path):
    assert locate(FILES, path) == (404, None)


@pytest.mark.parametrize("path, expected", [
    ("/", "index.html"), ("/a/", "a/index.html"), ("/a/index.html", "a/index.html"),
    ("/%E6%83%85%E5%86%B5/", "\u60c5\u51b5/index.html"), ("/./a/", "a/index.html"),
    ("/assets/x.css", "assets/x.css"),
])
def test_files_inside_are_found(path, expected):
    assert locate(FILES, path) == (200, expected)


def test_a_folder_without_its_slash_is_redirected():
    assert locate(FILES, "/a") == (301, "/a/")


def test_traversal_over_a_real_socket(site):
    root = site(SITE)
    (root / "secret.txt").write_text("SECRET")
    dev = DevServer(load_config(root, serve_mode=True), port=0, jobs=1, out=io.StringIO())
    dev.start()
    try:
        host, port = dev.httpd.server_address[:2]
        assert host == "127.0.0.1"
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/..%2f..%2fsecret.txt"):
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", path)  # sent as is: http.client does not normalise paths
            r = conn.getresponse()
            body = r.read()
            assert r.status == 404 and b"SECRET" not in body
            conn.close()
        conn = http.client.HTTPConnection(host, port, timeout=5)
        conn.request("GET", "/a/")
        r = conn.getresponse()
        assert r.status == 200 and r.getheader("Cache-Control") == "no-store"
        assert b"First version." in r.read()
        for path in ("/a/", "/__cxsite/events?token=x"):  # a rebound name gets nothing
            conn = http.client.HTTPConnection(host, port, timeout=5)
            conn.request("GET", path, headers={"Host": f"evil.example:{port}"})
            r = conn.getresponse()
            assert r.status == 421 and b"First version." not in r.read()
    finally:
        dev.stop()


# --- port, browser, command line ------------------------------------------------------------
def test_a_taken_port_moves_to_the_next_free_one():
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    server = None
    try:
        server = bind(port, dev=None)
        assert server.server_address[0] == "127.0.0.1"
        assert port < server.server_address[1] < port + 20
    finally:
        taken.close()
        if server:
            server.server_close()


def test_an_impossible_port_is_a_usage_error():
    with pytest.raises(UsageError, match="from 1 to 65535"):
        bind(70000, dev=None)


@pytest.mark.parametrize("requested, env, expected", [
    (True, {}, True), (False, {}, False), (True, {"CI": "true"}, False), (True, {"CI": "1"}, False),
])
def test_browser_opens_unless_told_not_to_or_on_ci(requested, env, expected):
    assert should_open_browser(requested, env) is expected


@pytest.mark.slow
def test_command_line_serve_prints_the_url_and_stops_cleanly_on_ctrl_c(site):
    root = site(SITE)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "serve", "--source", str(root), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CI": "true"})  # CI=true: no browser even without --no-open
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving the site at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].strip()
        host, port = url.split("//")[1].rstrip("/").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request("GET", "/a/")
        assert b"First version." in conn.getresponse().read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "Traceback" not in err and "Stopped." in out
