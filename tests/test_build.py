"""`build` after `build`: the record in the cache folder makes a build redo only what changed,
and whatever changed (a page, data, a template, the config, cxsite itself, a file in output/
deleted or edited by hand) the output is exactly a clean build's."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cxsite.cli import main
from cxsite.config import load_config
from cxsite.engine import state
from cxsite.engine.output import MANIFEST, DiskWriter
from cxsite.engine.site import build_site

ROOT = Path(__file__).resolve().parent.parent
SITE = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome. See [A](a.md).\n",
    "content/a.md": "---\ntitle: A\nweight: 1\n---\nAbout A.\n",
    "content/sec/_index.md": "---\ntitle: Section\n---\nThe section.\n",
    "content/sec/b.md": "# B heading\n\nBody of b.\n",
    "content/sec/photo.txt": "a file published beside the pages",
}
CHART = "```chart\ndata: x.csv\nmark: bar\nx: k\ny: v\ntitle: Scores\n```\n"


def build(src: Path, out: Path | None = None, **kw):
    config = load_config(src, out, **kw)
    return build_site(config, DiskWriter(config.output, config.source), jobs=1)


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def clean(src: Path, tmp: Path) -> dict[str, bytes]:
    """What a clean build (no record, empty output folder) writes."""
    out, cache = tmp / "clean-out", tmp / "clean-cache"
    build_site(load_config(src, out, cache_dir=cache), DiskWriter(out, src), jobs=1)
    return files(out)


def assert_clean(src: Path, tmp: Path) -> None:
    got, want = files(src / "output"), clean(src, tmp)
    assert sorted(got) == sorted(want)
    for path in want:
        assert got[path] == want[path], path


def edit(path: Path, text: str) -> None:
    """Save a file so that its time surely moves (some file systems count in whole seconds)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, encoding="utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def test_nothing_changed_renders_nothing_and_writes_nothing(site):
    src = site(SITE)
    first = build(src)
    assert first.rendered == 4
    stamps = {p: (src / "output" / p).stat().st_mtime_ns for p in files(src / "output")}
    again = build(src)
    assert again.rendered == 0 and again.pages == 4
    assert again.report.written == [] and again.report.deleted == []
    assert {p: (src / "output" / p).stat().st_mtime_ns for p in files(src / "output")} == stamps


@pytest.mark.slow
def test_a_build_with_nothing_to_do_loads_no_markdown_jinja_or_pandas(site):
    src = site({**SITE, "content/chart.md": CHART, "data/x.csv": "k,v\na,1\n"})
    code = ("import sys; from cxsite.cli import main; rc = main(['--source', sys.argv[1]]); "
            "print(sorted(m for m in ('markdown', 'jinja2', 'pandas', 'altair') if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = lambda: subprocess.run([sys.executable, "-c", code, str(src)], capture_output=True,  # noqa: E731
                                 text=True, env=env, check=True).stdout
    assert "Built 5 pages" in run()
    second = run()
    assert "The site is up to date: nothing changed since the last build (5 pages" in second
    assert second.splitlines()[-1] == "[]"


def test_one_page_edited_renders_that_page(site, tmp_path):
    src = site(SITE)
    build(src)
    edit(src / "content/sec/b.md", "# B heading\n\nA new sentence.\n")
    result = build(src)
    assert result.rendered == 1
    assert sorted(p for p in result.report.written if not p.startswith("assets/")) == [
        "sec/b/index.html"]  # the search page does not name the index, so it stays as it is
    assert "assets/search/entry.js" in result.report.written
    assert_clean(src, tmp_path)


def test_one_page_edited_is_indexed_alone_from_the_kept_index(site, tmp_path, monkeypatch):
    """The record keeps the search index: an edit re-indexes that page, and writes only the
    index files holding its words, its texts' file and the manifest."""
    from cxsite.search import index as search_index

    pages = {f"content/p{i:02d}.md": f"---\ntitle: Report {i}\nweight: {i}\n---\nShared words "
             f"here, and unique{i} there.\n" for i in range(40)}
    src = site(pages)
    build(src)
    monkeypatch.setattr(search_index.SearchIndex, "_index_all",
                        lambda self: pytest.fail("the whole site was indexed again"))
    edit(src / "content/p07.md", "---\ntitle: Report 7\nweight: 7\n---\nShared words, zebra.\n")
    result = build(src)
    search = [p for p in result.report.written if p.startswith("assets/search/")]
    assert "assets/search/entry.js" in search
    assert len([p for p in search if p.startswith("assets/search/f/")]) == 1  # of its 6
    assert len([p for p in files(src / "output") if p.startswith("assets/search/f/")]) == 6
    monkeypatch.undo()
    assert_clean(src, tmp_path)


def test_a_search_file_deleted_by_hand_is_written_again(site, tmp_path):
    from cxsite.engine.build import SEARCH_FILES
    from cxsite.render import ASSET_DIR
    from cxsite.search.index import FOLDER

    assert SEARCH_FILES == ASSET_DIR + FOLDER
    src = site(SITE)
    build(src)
    index = src / "output/assets/search"
    shard = next((index / "t").iterdir())
    shard.unlink()
    (index / "entry.js").write_text("edited")
    result = build(src)
    assert shard.relative_to(src / "output").as_posix() in result.report.written
    assert_clean(src, tmp_path)


def test_a_fresh_checkout_renders_nothing(site):
    """CI restores the cache, but every file of the checkout has a new time."""
    src = site(SITE)
    build(src)
    later = time.time_ns() + 5_000_000_000
    for path in (src / "content").rglob("*"):
        os.utime(path, ns=(later, later))
    assert build(src).rendered == 0


@pytest.mark.parametrize("change", ["title", "template", "stylesheet", "config", "new page",
                                    "removed page", "content file"])
def test_every_kind_of_change_gives_a_clean_builds_bytes(site, tmp_path, change):
    src = site(SITE)
    build(src)
    if change == "title":
        edit(src / "content/a.md", "---\ntitle: A renamed\nweight: 1\n---\nAbout A.\n")
    elif change == "template":
        (src / "templates").mkdir()
        edit(src / "templates/page.html", "{% extends 'base.html' %}{% block content %}"
                                          "<p>Our own page</p>{{ page.body }}{% endblock %}\n")
    elif change == "stylesheet":
        (src / "templates/static").mkdir(parents=True)
        edit(src / "templates/static/style.css", "body { color: #123456 }\n")
    elif change == "config":
        edit(src / "cxsite.yaml", "title: Customer First\n")
    elif change == "new page":
        edit(src / "content/sec/c.md", "# C\n\nNew.\n")
    elif change == "removed page":
        (src / "content/sec/b.md").unlink()
    else:
        edit(src / "content/sec/photo.txt", "another text")
    result = build(src)
    assert result.rendered > 0 or change in ("stylesheet", "content file")
    assert_clean(src, tmp_path)


def test_a_data_edit_redraws_the_chart_page(site, tmp_path):
    src = site({**SITE, "content/chart.md": CHART, "data/x.csv": "k,v\na,1\nb,2\n"})
    build(src)
    edit(src / "data/x.csv", "k,v\na,1\nb,5\nc,7\n")
    result = build(src)
    assert result.rendered == 1
    assert b"3 rows" in (src / "output/chart/index.html").read_bytes()
    assert_clean(src, tmp_path)


def test_output_files_deleted_or_edited_by_hand_are_written_again(site, tmp_path):
    src = site(SITE)
    build(src)
    out = src / "output"
    (out / "a/index.html").unlink()
    (out / "sec/b/index.html").write_text("edited by hand")
    (out / "404.html").write_text("<p>edited</p>")
    (out / "CNAME").write_text("docs.example.com")  # the user's own file stays
    result = build(src)
    assert sorted(result.report.written) == ["404.html", "a/index.html", "sec/b/index.html"]
    (out / "CNAME").unlink()
    assert_clean(src, tmp_path)


def test_a_new_cxsite_version_starts_cold(site, monkeypatch):
    src = site(SITE)
    build(src)
    assert build(src).rendered == 0
    monkeypatch.setattr(state, "__version__", "99.0")
    assert build(src).rendered == 4


def test_another_output_folder_gets_the_whole_site(site, tmp_path):
    src = site(SITE)
    build(src)
    result = build(src, tmp_path / "public")
    assert len(result.report.written) == len(files(src / "output")) - 1  # all but the manifest
    assert files(tmp_path / "public") == files(src / "output")


def test_the_cache_folder_can_be_moved_and_is_never_published(site, tmp_path, capsys):
    src = site({**SITE, "content/chart.md": CHART, "data/x.csv": "k,v\na,1\n"})
    cache = tmp_path / "ci-cache"
    assert main(["--source", str(src), "--cache-dir", str(cache)]) == 0
    assert (cache / "state" / "index.pickle").is_file() and list((cache / "charts").rglob("*"))
    assert not (src / ".cxsite").exists()
    assert main(["--source", str(src), "--cache-dir", str(cache)]) == 0
    assert "nothing changed since the last build" in capsys.readouterr().out
    published = files(src / "output")
    assert not [p for p in published if "state" in p or "charts/" in p or p.endswith(".pickle")]


def test_a_cache_folder_inside_the_output_or_the_content_is_refused(site, capsys):
    src = site(SITE)
    assert main(["--source", str(src), "--cache-dir", str(src / "output" / "cache")]) == 1
    assert "the cache folder" in capsys.readouterr().err
    assert main(["--source", str(src), "--cache-dir", str(src / "content" / "cache")]) == 1
    assert "inside the site's content/ folder" in capsys.readouterr().err


def test_check_reads_the_record_but_writes_nothing(site, capsys):
    src = site({**SITE, "content/chart.md": CHART, "data/x.csv": "k,v\na,1\n"})
    assert main(["--source", str(src)]) == 0
    cache = src / ".cxsite"
    before = {p: p.stat().st_mtime_ns for p in cache.rglob("*")}
    edit(src / "content/a.md", "---\ntitle: A\nweight: 1\n---\nChanged.\n")
    assert main(["check", "--source", str(src)]) == 0
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*")} == before


def test_a_failed_build_keeps_the_record_and_the_site(site, tmp_path):
    src = site(SITE)
    build(src)
    site_before = files(src / "output")
    edit(src / "content/a.md", "---\ntitle: A\n---\n[broken](missing.md)\n")
    with pytest.raises(Exception):
        build(src)
    assert files(src / "output") == site_before
    edit(src / "content/a.md", "---\ntitle: A\nweight: 1\n---\nFixed.\n")
    assert build(src).rendered == 1
    assert_clean(src, tmp_path)


def test_a_first_build_writes_pages_as_they_are_made_and_takes_them_back_if_it_fails(site, monkeypatch):
    """Into a new folder the pages are written while the others are being rendered; when a
    later page turns out to have an error, the folder is left as it was: not there."""
    from cxsite.engine import output

    pages = {f"content/p{i}.md": f"---\ntitle: P{i}\nweight: {i}\n---\nText {i}.\n" for i in range(6)}
    src = site({**pages, "content/p5.md": "---\ntitle: P5\nweight: 5\n---\n[broken](missing.md)\n"})
    seen = []
    real = output._write_file
    monkeypatch.setattr(output, "_write_file", lambda path, data: (seen.append(path.name), real(path, data))[1])
    with pytest.raises(Exception):
        build(src)
    assert "index.html" in seen  # pages were written before the last one was rendered
    assert not (src / "output").exists()
    (src / "output").mkdir()  # an empty folder stays empty
    with pytest.raises(Exception):
        build(src)
    assert list((src / "output").iterdir()) == []
    edit(src / "content/p5.md", "---\ntitle: P5\nweight: 5\n---\nFixed.\n")
    result = build(src)
    assert result.rendered == 7 and not result.problems
    assert sorted(files(src / "output")) == sorted(
        [MANIFEST, "index.html", "404.html", "search/index.html"]
        + [f"p{i}/index.html" for i in range(6)]
        + [p for p in files(src / "output") if p.startswith("assets/")])


def test_a_first_build_reads_each_page_once_and_a_page_saved_meanwhile_is_seen(site, tmp_path, monkeypatch):
    from cxsite.engine import build as engine_build

    src = site(SITE)
    opened = []
    real_read, real_stock = state.read_file, engine_build.take_stock
    monkeypatch.setattr(state, "read_file", lambda path: (opened.append(Path(path).name), real_read(path))[1])
    monkeypatch.setattr(Path, "read_bytes", lambda self: (opened.append(self.name), real_read(self))[1][1])

    def stock_then_save(config, writer):  # a.md is saved after its fingerprint was taken
        stock = real_stock(config, writer)
        path = src / "content/a.md"
        path.write_text("---\ntitle: A\nweight: 1\n---\nSaved during the build.\n", encoding="utf-8")
        os.utime(path, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))
        return stock

    monkeypatch.setattr(engine_build, "take_stock", stock_then_save)
    build(src)
    assert opened.count("index.md") == 1 and opened.count("b.md") == 1 and opened.count("a.md") == 2
    assert b"Saved during the build." in (src / "output/a/index.html").read_bytes()
    monkeypatch.undo()
    assert build(src).rendered == 1  # its fingerprint is the old one: the next build looks again
    assert_clean(src, tmp_path)


def test_cache_entries_the_site_stopped_using_are_removed(site):
    """Raising the minimum group size must not leave the small group's values in the cache."""
    findings = ("statement,country,value,n\nI know,UK,56,1200\nI know,Germany,52,1100\n"
                "I know,Small,61.37,8\n")
    block = "```survey\ndata: findings.csv\nstatement: I know\nby: country\n```\n"
    src = site({"content/index.md": block, "data/findings.csv": findings,
                "cxsite.yaml": "survey:\n  min_group_size: 5\n"})
    build(src)
    cached = lambda: b"".join(p.read_bytes() for p in (src / ".cxsite/charts").rglob("*")  # noqa: E731
                              if p.is_file())
    assert b"(n=8)" in cached()  # its bar's label, in the chart's picture
    edit(src / "cxsite.yaml", "survey:\n  min_group_size: 10\n")
    build(src)
    assert b"(n=8)" not in cached() and b"(n=8)" not in b"".join(files(src / "output").values())


def test_a_damaged_record_is_no_record(site, tmp_path):
    src = site(SITE)
    build(src)
    (src / ".cxsite/state/pages.pickle").write_bytes(b"not a pickle")
    assert build(src).rendered == 0  # the index alone says nothing changed
    edit(src / "content/a.md", "---\ntitle: A\nweight: 1\n---\nNew.\n")
    assert build(src).rendered == 4  # the pages' record is needed now: everything again
    assert_clean(src, tmp_path)


def test_the_manifest_lists_exactly_the_site(site):
    src = site(SITE)
    build(src)
    listed = json.loads((src / "output" / MANIFEST).read_text())["files"]
    assert sorted(listed) == sorted(p for p in files(src / "output") if p != MANIFEST)


# --- the property: builds after any edits give the bytes of a clean build -----------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from test_incremental import BASE, PAGES, apply, ops, table_block, write  # noqa: E402,F401

build_ops = st.one_of(
    ops,
    st.tuples(st.just("css"), st.sampled_from(["body { color: red }\n", "p { margin: 0 }\n"])),
    st.tuples(st.just("touch"), st.sampled_from(PAGES)),
    st.tuples(st.just("output"), st.sampled_from(["delete", "edit", "same size"]),
              st.integers(0, 30)),
)


def apply_build_op(root: Path, op: tuple) -> None:
    if op[0] == "css":
        write(root, "templates/static/style.css", op[1])
    elif op[0] == "touch":
        if (root / op[1]).exists():
            os.utime(root / op[1], ns=(time.time_ns(), time.time_ns() + 3_000_000_000))
    elif op[0] == "output":
        out = sorted(p for p in (root / "output").rglob("*") if p.is_file() and p.name != MANIFEST)
        if out:
            target = out[op[2] % len(out)]
            if op[1] == "delete":
                target.unlink()
            else:
                data = target.read_bytes()
                target.write_bytes(b"x" * len(data) if op[1] == "same size" else data + b"<!-- -->")
    else:
        apply(root, op)


def try_build(src: Path, out: Path, cache: Path) -> dict[str, bytes] | None:
    try:
        build_site(load_config(src, out, cache_dir=cache), DiskWriter(out, src), jobs=1)
    except Exception as exc:  # noqa: BLE001 - the site has errors: nothing may change
        if type(exc).__name__ != "BuildFailed":
            raise
        return None
    return {k: v for k, v in files(out).items() if k != MANIFEST}


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(build_ops, min_size=1, max_size=4), min_size=1, max_size=4))
def test_builds_after_random_edits_give_clean_builds_bytes(rounds):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        for rel, text in BASE.items():
            write(root, rel, text)
        last = try_build(root, root / "output", root / ".cxsite")
        for n, edits in enumerate(rounds):
            for op in edits:
                apply_build_op(root, op)
            got = try_build(root, root / "output", root / ".cxsite")
            want = try_build(root, Path(tmp) / f"clean{n}", Path(tmp) / f"cache{n}")
            if want is None:
                assert got is None, "a clean build fails, so must this one"
                if last is not None:  # the last good site stays, but for what the edits did to it
                    continue
            else:
                assert got is not None
                assert sorted(got) == sorted(want)
                for path in want:
                    assert got[path] == want[path], path
            last = got


def test_a_menu_change_takes_the_other_pages_bodies_from_the_record(site, tmp_path, monkeypatch):
    from cxsite.engine import site as engine_site

    src = site(SITE)
    build(src)
    edit(src / "content/a.md", "---\ntitle: A renamed\nweight: 1\n---\nAbout A.\n")
    made = []
    real = engine_site.render_body
    monkeypatch.setattr(engine_site, "render_body", lambda m, n: made.append(n.url) or real(m, n))
    assert build(src).rendered == 4  # every page shows the menu...
    assert made == ["a/"]  # ...but only a.md's Markdown was converted again
    monkeypatch.undo()
    assert_clean(src, tmp_path)


def test_a_page_that_shows_todays_date_is_redone_the_next_day(site, monkeypatch, tmp_path):
    """The roadmap's 'today' line comes from the real date when cxsite.yaml sets none."""
    import datetime as real_datetime

    from cxsite import config as config_module

    roadmap = ("id,workstream,item,type,start,end,status,owner,progress,depends_on\n"
               "P1,Core,Programme,phase,2025-01-01,2026-10-31,on-track,Ann,50,\n"
               "A1,Core,Surveys,initiative,2025-02-01,2026-09-30,on-track,Ben,40,\n")
    src = site({**SITE, "content/plan.md": "```roadmap\ndata: roadmap.csv\n```\n",
                "data/roadmap.csv": roadmap})

    class Day(real_datetime.date):
        current = real_datetime.date(2026, 3, 1)

        @classmethod
        def today(cls):
            return cls.current

    monkeypatch.setattr(config_module, "date", Day)
    build(src)
    assert b"Mar 1, 2026" in (src / "output/plan/index.html").read_bytes()  # en: American dates
    assert build(src).rendered == 0  # the same day: nothing to do
    Day.current = real_datetime.date(2026, 3, 2)
    result = build(src)
    assert result.rendered == 1  # only the roadmap page
    assert b"Mar 2, 2026" in (src / "output/plan/index.html").read_bytes()


def test_a_cold_build_writes_the_search_texts_of_pages_while_pages_render(tmp_path, monkeypatch):
    """The index's files of pages' texts (search/f/, eight pages each) are written with the
    pages that complete them, not all at the end, and are the files the index then names."""
    from cxsite.engine.output import MemoryWriter

    src = tmp_path / "site"
    (src / "content").mkdir(parents=True)
    for i in range(40):
        (src / f"content/p{i:02d}.md").write_text(f"---\ntitle: Page {i}\nweight: {i}\n---\nText {i}.\n")
    puts: list[set[str]] = []
    real_put = DiskWriter.put
    monkeypatch.setattr(DiskWriter, "put", lambda self, fs: (puts.append(set(fs)), real_put(self, fs))[1])
    config = load_config(src)
    build_site(config, DiskWriter(config.output, config.source), jobs=1)
    on_disk = files(src / "output")
    texts = {p for p in on_disk if p.startswith("assets/search/f/")}
    assert len(texts) == 6  # 41 pages (the home page is made for the folder), 8 to a file
    early = [p for batch in puts[:-1] for p in batch if p.startswith("assets/search/f/")]
    assert sorted(early) == sorted(texts)  # each once, with the pages that complete it
    assert all(any(p.endswith("index.html") for p in batch) for batch in puts[:-1] if batch & texts)
    on_disk.pop(MANIFEST)
    assert on_disk == {p: d for p, d in build_site(load_config(src), MemoryWriter(), jobs=1).files.items()
                       if d is not None}


def test_a_full_disk_while_the_record_is_made_is_reported_and_the_next_build_mends_it(site, tmp_path, monkeypatch):
    """The last files (search index, assets) are written while the build record is pickled; a
    write that fails then is the build's error, and no record claims the files it never wrote."""
    from cxsite.engine import output
    from cxsite.errors import SiteError

    def full(path, data):  # the pages of an edit are written by write_site, with the rest
        raise OSError(28, "No space left on device", str(path))

    src = site(SITE)
    build(src)
    edit(src / "content/a.md", "---\ntitle: A\nweight: 1\n---\nAbout A, edited.\n")
    monkeypatch.setattr(output, "_write_file", full)
    with pytest.raises(SiteError, match="No space left on device"):
        build(src)
    monkeypatch.undo()
    assert build(src).rendered >= 1  # the record kept from before the failure is not trusted
    assert_clean(src, tmp_path)


def test_a_cold_build_logs_each_body_once_as_pages_are_made_and_the_next_reads_them(site, monkeypatch):
    """The bodies of a build's pages go into the record's log while other pages render (not
    all after the site is made), each once; a template edit then takes them from the log."""
    from cxsite.engine import site as engine_site
    from cxsite.engine.state import BodyLog

    src = site(SITE)
    appended: list[list[str]] = []
    real_append = BodyLog.append
    monkeypatch.setattr(BodyLog, "append", lambda self, bodies: (appended.append(list(bodies)),
                                                                 real_append(self, bodies))[1])
    snapshots = []
    real_snapshot = engine_site.flush_cache  # called once rendering is over, before the record

    def rendering_over(*args):
        snapshots.append(sum(map(len, appended)))
        return real_snapshot(*args)

    monkeypatch.setattr("cxsite.engine.incremental.flush_cache", rendering_over)
    first = build(src)
    logged = [url for batch in appended for url in batch]
    assert sorted(logged) == sorted(set(logged)) and len(logged) == first.pages
    assert snapshots == [len(logged)]  # all of them before the site was finished
    (src / "templates").mkdir()
    edit(src / "templates/page.html", (ROOT / "templates/page.html").read_text().replace(
        '<div class="prose">', '<div class="prose edited">'))
    converted = []
    monkeypatch.setattr(engine_site, "convert", lambda *a, **k: converted.append(a) or None)
    again = build(src)
    assert again.rendered == first.pages and converted == []  # every body from the log
    assert 'class="prose edited"' in (src / "output/a/index.html").read_text()
