from __future__ import annotations

import json

import pytest

from cxsite.errors import SiteError
from cxsite.engine.output import MANIFEST, DiskWriter, MemoryWriter


def test_writes_only_changed_files_and_removes_its_own_stale_ones(tmp_path):
    out = tmp_path / "site" / "output"
    w = DiskWriter(out, tmp_path / "site")
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
    assert not list(out.rglob("*.cxsite-tmp"))


def test_refuses_paths_outside_the_output(tmp_path):
    w = DiskWriter(tmp_path / "s" / "output", tmp_path / "s")
    with pytest.raises(SiteError):
        w.write_site({"../escape.html": b"x"})
    assert not (tmp_path / "s" / "escape.html").exists()


def test_failed_write_leaves_previous_files(tmp_path, monkeypatch):
    out = tmp_path / "s" / "output"
    w = DiskWriter(out, tmp_path / "s")
    w.write_site({"a.html": b"old", "b.html": b"old"})
    real = type(out).write_bytes

    def flaky(self, data):
        if self.name.startswith(".b.html"):
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(type(out), "write_bytes", flaky)
    with pytest.raises(SiteError) as e:
        w.write_site({"a.html": b"new", "b.html": b"new"})
    assert "No space left on device" in e.value.problem.message
    assert (out / "a.html").read_bytes() == b"old" and (out / "b.html").read_bytes() == b"old"


def test_memory_writer_reports_changes():
    w = MemoryWriter()
    w.write_site({"a": b"1"})
    r = w.write_site({"a": b"2", "b": b"3"})
    assert sorted(r.written) == ["a", "b"]
