"""The one writer: it claims its folder first, never touches files it did not write, swaps new
files in only once all of them are complete, and recovers from a build that was killed."""
from __future__ import annotations

import json
import os
import signal

import pytest

from cxsite.engine import output
from cxsite.engine.output import JOURNAL, MANIFEST, STAGING, DiskWriter, MemoryWriter
from cxsite.errors import SiteError


def writer(tmp_path, **kw) -> DiskWriter:
    return DiskWriter(tmp_path / "site" / "output", tmp_path / "site", **kw)


def tree(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_writes_only_changed_files_and_removes_its_own_stale_ones(tmp_path):
    w = writer(tmp_path)
    out = w.output
    r1 = w.write_site({"index.html": b"a", "old/index.html": b"o"})
    assert sorted(r1.written) == ["index.html", "old/index.html"]
    (out / "notes.txt").write_text("the user's own file")
    mtime = (out / "index.html").stat().st_mtime_ns
    r2 = w.write_site({"index.html": b"a", "new.html": b"n"})
    assert r2.written == ["new.html"] and r2.unchanged == 1 and r2.deleted == ["old/index.html"]
    assert (out / "index.html").stat().st_mtime_ns == mtime
    assert not (out / "old").exists()  # emptied folders go too
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert json.loads((out / MANIFEST).read_text())["files"] == ["index.html", "new.html"]
    assert not (out / STAGING).exists()


def test_a_new_writer_compares_with_the_disk(tmp_path):
    writer(tmp_path).write_site({"a.html": b"same", "b.html": b"old"})
    mtime = (tmp_path / "site/output/a.html").stat().st_mtime_ns
    report = writer(tmp_path).write_site({"a.html": b"same", "b.html": b"new"})
    assert report.written == ["b.html"] and report.unchanged == 1
    assert (tmp_path / "site/output/a.html").stat().st_mtime_ns == mtime


def test_the_claim_comes_before_any_file(tmp_path, monkeypatch):
    w = writer(tmp_path)
    seen = []
    real = output._write_file

    def spy(path, data):
        seen.append((path.name, (w.output / MANIFEST).exists()))
        return real(path, data)

    monkeypatch.setattr(output, "_write_file", spy)
    w.write_site({"a.html": b"x"})
    assert seen and all(claimed for _, claimed in seen)


def test_refuses_a_folder_it_did_not_make_and_paths_outside(tmp_path):
    w = writer(tmp_path)
    w.output.mkdir(parents=True)
    (w.output / "thesis.docx").write_text("keep me")
    with pytest.raises(SiteError, match="not empty and was not made by cxsite"):
        w.write_site({"a.html": b"x"})
    assert tree(w.output) == {"thesis.docx": b"keep me"}
    w2 = writer(tmp_path / "other")
    for bad in ("../escape.html", f"{STAGING}/0", MANIFEST):
        with pytest.raises(SiteError, match="outside the output folder"):
            w2.write_site({bad: b"x"})
    assert not (tmp_path / "other/site/escape.html").exists()


def test_a_full_disk_leaves_the_previous_site_and_no_leftovers(tmp_path, monkeypatch):
    w = writer(tmp_path)
    w.write_site({"a.html": b"old", "b.html": b"old"})
    real = output._write_file

    def full(path, data):
        if path.name == "1":
            raise OSError(28, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(output, "_write_file", full)
    with pytest.raises(SiteError) as e:
        w.write_site({"a.html": b"new", "b.html": b"new"})
    assert "No space left on device" in e.value.problem.message
    assert "previous site is untouched" in e.value.problem.hint
    assert {k: v for k, v in tree(w.output).items() if k != MANIFEST} == {"a.html": b"old", "b.html": b"old"}


def test_a_new_folder_left_half_written_is_finished_by_the_next_build(tmp_path, monkeypatch):
    w = writer(tmp_path)
    real = output._write_file

    def full(path, data):
        if path.name == "b.html":
            raise OSError(28, "No space left on device", str(path))
        return real(path, data)

    monkeypatch.setattr(output, "_write_file", full)
    site = {"a.html": b"a", "b.html": b"b", "c.html": b"c"}
    with pytest.raises(SiteError) as e:
        w.write_site(site)
    assert "No space left on device" in e.value.problem.message
    assert "next build writes the rest" in e.value.problem.hint
    monkeypatch.undo()
    report = writer(tmp_path).write_site(site)  # the next build: the folder is cxsite's
    assert sorted(report.written) == ["b.html", "c.html"] and report.unchanged == 1
    assert {k: v for k, v in tree(w.output).items() if k != MANIFEST} == site


def test_pages_are_moved_in_after_the_files_they_link_to(tmp_path, monkeypatch):
    w = writer(tmp_path)
    w.write_site({"index.html": b"v1"})
    moved = []
    real = os.replace

    def spy(src, dst):
        moved.append(os.path.basename(dst))
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", spy)
    w.write_site({"index.html": b"<link href=assets/s.1.css>", "assets/s.1.css": b"x",
                  "data.csv": b"1"})
    files = [m for m in moved if m not in (MANIFEST, JOURNAL)]
    assert files == ["s.1.css", "data.csv", "index.html"]


def test_a_new_folder_is_written_in_place_assets_first(tmp_path, monkeypatch):
    """Nothing to keep in a new folder: no staging and no moves, and still the claim first and
    the pages after the files they link to."""
    w = writer(tmp_path)
    written = []
    real = output._write_file

    def spy(path, data):
        written.append((path.relative_to(w.output).as_posix(), (w.output / MANIFEST).exists()))
        return real(path, data)

    monkeypatch.setattr(output, "_write_file", spy)
    real_replace = os.replace

    def no_moves(src, dst):
        assert os.path.basename(dst) == MANIFEST, f"{dst} was moved"  # only the list is
        real_replace(src, dst)

    monkeypatch.setattr(output.os, "replace", no_moves)
    site = {"index.html": b"<link href=assets/s.1.css>", "a/b/index.html": b"deep",
            "assets/s.1.css": b"x", "a/data.csv": b"1"}
    report = w.write_site(site)
    assert written == [("a/data.csv", True), ("assets/s.1.css", True), ("a/b/index.html", True),
                       ("index.html", True)]
    assert sorted(report.written) == sorted(site) and report.unchanged == 0
    assert {k: v for k, v in tree(w.output).items() if k != MANIFEST} == site
    assert json.loads((w.output / MANIFEST).read_text())["files"] == sorted(site)
    assert w.changed_on_disk(site) == set()  # stamped: the next build trusts them
    monkeypatch.undo()
    assert w.write_site(site).written == []  # and the next write leaves them alone


def test_an_emptied_folder_is_written_in_place_a_used_one_staged(tmp_path):
    w = writer(tmp_path)
    w.output.mkdir(parents=True)
    (w.output / MANIFEST).write_text('{"files": []}')
    w.write_site({"index.html": b"v1"})
    assert tree(w.output)["index.html"] == b"v1"
    (w.output / "notes.txt").write_text("the user's")
    w2 = writer(tmp_path)  # a folder holding anything else is never written in place
    w2.stamps = {}
    w2.write_site({"index.html": b"v2", "new.html": b"n"})
    assert tree(w.output)["notes.txt"] == b"the user's" and tree(w.output)["new.html"] == b"n"


def test_refuses_to_write_through_a_folder_linking_outside(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    w = writer(tmp_path)
    w.write_site({"index.html": b"v1", "inside/index.html": b"v1"})
    os.symlink(outside, w.output / "docs")
    os.symlink(w.output / "inside", w.output / "alias")  # a link that stays inside is fine
    w2 = writer(tmp_path)
    w2.write_site({"index.html": b"v1", "inside/index.html": b"v1", "alias/x.html": b"x"})
    assert (w.output / "inside/x.html").read_bytes() == b"x"
    with pytest.raises(SiteError, match="outside the output folder") as e:
        writer(tmp_path).write_site({"index.html": b"v1", "docs/a/index.html": b"secret"})
    assert "a link" in e.value.problem.hint
    assert list(outside.iterdir()) == []


def killed_after_journal(tmp_path) -> DiskWriter:
    """A write that stopped (kill -9) after its journal was complete, before every move."""
    w = writer(tmp_path)
    w.write_site({"index.html": b"v1", "a/index.html": b"v1", "gone.html": b"v1"})
    staging = w.output / STAGING
    staging.mkdir()
    (staging / "0").write_bytes(b"v2")
    (w.output / "a/index.html").write_bytes(b"v2")  # this one was moved already
    (staging / JOURNAL).write_text(json.dumps({"moves": [["0", "index.html"], ["1", "a/index.html"]],
                                               "deletes": ["gone.html"],
                                               "files": ["a/index.html", "index.html"]}))
    return w


def test_the_next_write_finishes_an_interrupted_one_first(tmp_path):
    w = killed_after_journal(tmp_path)
    fresh = writer(tmp_path)  # the next build
    assert sorted(fresh.prepare()) == ["a/index.html", "index.html"]
    assert {k: v for k, v in tree(w.output).items() if k != MANIFEST} == {
        "index.html": b"v2", "a/index.html": b"v2"}


def test_a_write_killed_before_its_journal_leaves_the_old_site(tmp_path):
    w = writer(tmp_path)
    w.write_site({"index.html": b"v1"})
    (w.output / STAGING).mkdir()
    (w.output / STAGING / "0").write_bytes(b"half a pa")
    fresh = writer(tmp_path)
    fresh.write_site({"index.html": b"v1"})
    assert tree(w.output) == {"index.html": b"v1", MANIFEST: (w.output / MANIFEST).read_bytes()}


def test_leftovers_of_older_versions_do_not_block_the_folder(tmp_path):
    """Older versions left a temporary file (a first build killed) or their chart cache."""
    w = writer(tmp_path)
    w.output.mkdir(parents=True)
    (w.output / ".index.html.cxsite-tmp").write_text("half")
    (w.output / ".cxsite-cache" / "svg").mkdir(parents=True)
    (w.output / ".cxsite-cache" / "svg" / "x").write_text("cached")
    w.write_site({"index.html": b"new"})
    assert sorted(tree(w.output)) == [MANIFEST, "index.html"]


def test_a_hand_edited_or_deleted_file_is_noticed_and_written_again(tmp_path):
    w = writer(tmp_path)
    w.write_site({"a.html": b"aaa", "b.html": b"bbb", "c.html": b"ccc"})
    (w.output / "a.html").write_bytes(b"edited by hand")
    (w.output / "b.html").unlink()
    assert w.changed_on_disk(["a.html", "b.html", "c.html"]) == {"a.html", "b.html"}
    assert w.read("c.html") == b"ccc" and w.read("a.html") is None
    report = w.write_site({"a.html": b"aaa", "b.html": b"bbb", "c.html": None})
    assert sorted(report.written) == ["a.html", "b.html"] and report.unchanged == 1
    assert tree(w.output)["a.html"] == b"aaa"


def test_ctrl_c_during_the_moves_waits_for_them(tmp_path, monkeypatch):
    w = writer(tmp_path)
    w.write_site({"a.html": b"v1", "b.html": b"v1"})
    real = os.replace

    def interrupted(src, dst):
        real(src, dst)
        if dst.name == "a.html":
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C after the first move

    monkeypatch.setattr(output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        w.write_site({"a.html": b"v2", "b.html": b"v2"})
    assert tree(w.output)["a.html"] == b"v2" and tree(w.output)["b.html"] == b"v2"
    assert not (w.output / STAGING).exists()


def test_a_file_held_open_is_replaced_when_it_is_released(tmp_path, monkeypatch):
    """Windows refuses to replace a file another program has open (Excel, a virus scanner)."""
    w = writer(tmp_path)
    w.write_site({"data.csv": b"v1"})
    real = os.replace
    refusals = []

    def busy(src, dst):
        if dst.name == "data.csv" and len(refusals) < 3:
            refusals.append(dst)
            raise PermissionError(13, "The process cannot access the file", str(dst))
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", busy)
    monkeypatch.setattr(output, "RETRY_WAIT", 0.001)
    w.write_site({"data.csv": b"v2"})
    assert len(refusals) == 3 and tree(w.output)["data.csv"] == b"v2"


def test_a_file_held_open_for_good_is_a_message_and_the_next_build_finishes(tmp_path, monkeypatch):
    w = writer(tmp_path)
    w.write_site({"data.csv": b"v1", "index.html": b"v1"})
    real = os.replace

    def locked(src, dst):
        if getattr(dst, "name", "") == "data.csv":
            raise PermissionError(13, "The process cannot access the file", str(dst))
        return real(src, dst)

    monkeypatch.setattr(output.os, "replace", locked)
    monkeypatch.setattr(output, "RETRY_WAIT", 0.001)
    with pytest.raises(SiteError) as e:
        w.write_site({"data.csv": b"v2", "index.html": b"v2"})
    assert "data.csv" in e.value.problem.message and "close it" in e.value.problem.hint
    monkeypatch.setattr(output.os, "replace", real)
    writer(tmp_path).prepare()  # the next build
    assert tree(w.output)["data.csv"] == b"v2" and tree(w.output)["index.html"] == b"v2"


def test_memory_writer_reports_changes():
    w = MemoryWriter()
    w.write_site({"a": b"1"})
    r = w.write_site({"a": b"2", "b": b"3"})
    assert sorted(r.written) == ["a", "b"]
