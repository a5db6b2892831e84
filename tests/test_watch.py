"""The watcher reports every kind of change as site paths, and bursts come out as one batch."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from cxsite.serve.watch import ChangeQueue, Watcher, is_ignored, site_path


@pytest.mark.parametrize("rel", [
    "content/.a.md.swp", "content/a.md~", "content/.#a.md", "content/#a.md#", "content/4913",
    "data/~$kpis.xlsx", "content/.hidden/a.md", "content/a.md.tmp", "templates/x.html___jb_tmp___",
    "content/.goutputstream-XYZ1", "content/__pycache__/x.pyc",
])
def test_editor_temp_files_are_ignored(rel):
    assert is_ignored(rel)


@pytest.mark.parametrize("rel", ["content/a.md", "data/kpis.xlsx", "templates/base.html",
                                 "content/情况.md", "content/notes-2024.md"])
def test_ordinary_files_are_not_ignored(rel):
    assert not is_ignored(rel)


def test_site_path(tmp_path):
    out = tmp_path / "output"
    assert site_path(tmp_path / "content/a.md", tmp_path, out) == "content/a.md"
    assert site_path(tmp_path / "cxsite.yaml", tmp_path, out) == "cxsite.yaml"
    assert site_path(tmp_path / "charts/funnel.py", tmp_path, out) == "charts/funnel.py"
    assert site_path(out / "index.html", tmp_path, out) is None
    assert site_path(tmp_path / "README.md", tmp_path, out) is None
    assert site_path(tmp_path.parent / "elsewhere.md", tmp_path, out) is None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_one_batch_after_a_quiet_moment():
    clock = Clock()
    q = ChangeQueue(quiet=0.05, max_wait=1.0, clock=clock)
    assert q.delay(clock.now) is None and not q.pending
    q.add(set())
    assert not q.pending  # an empty report starts no batch
    q.add({"content/a.md"})
    clock.now += 0.03
    q.add({"content/b.md"})  # a second event in the burst restarts the quiet period
    assert q.delay(clock.now) == pytest.approx(0.05)
    clock.now += 0.05
    assert q.delay(clock.now) == 0
    assert q.wait_batch(timeout=0) == {"content/a.md", "content/b.md"}
    assert not q.pending


def test_a_never_ending_burst_is_cut_at_max_wait():
    clock = Clock()
    q = ChangeQueue(quiet=0.05, max_wait=0.2, clock=clock)
    for _ in range(10):
        q.add({"data/x.csv"})
        clock.now += 0.04
    assert q.delay(clock.now) == 0  # 0.4 s of events: taken although events keep coming


def test_wait_batch_returns_none_when_closed():
    q = ChangeQueue()
    threading.Timer(0.01, q.close).start()
    assert q.wait_batch(timeout=5) is None


# --- real file-system events ------------------------------------------------------------------
@pytest.fixture
def watched(tmp_path):
    """A watched site folder, and a function that waits until the given paths were reported."""
    root = tmp_path / "site"
    for rel in ("content/a.md", "content/sec/b.md", "templates/page.html", "output/index.html"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("x\n")
    queue = ChangeQueue(quiet=0.02)
    watcher = Watcher(root, root / "output", queue.add)
    watcher.start()
    seen: set[str] = set()

    def wait_for(*expected: str) -> set[str]:
        while not set(expected) <= seen:
            batch = queue.wait_batch(timeout=5)
            assert batch is not None, f"no event for {set(expected) - seen}; saw {seen}"
            seen.update(batch)
        return seen

    yield root, wait_for
    watcher.stop()


def test_modify(watched):
    root, wait_for = watched
    (root / "content/a.md").write_text("changed\n")
    assert wait_for("content/a.md") == {"content/a.md"}  # the folder's own event is dropped


def test_create_and_delete(watched):
    root, wait_for = watched
    (root / "content/new.md").write_text("new\n")
    (root / "content/sec/b.md").unlink()
    wait_for("content/new.md", "content/sec/b.md")


def test_move(watched):
    root, wait_for = watched
    os.rename(root / "content/a.md", root / "content/sec/moved.md")
    wait_for("content/a.md", "content/sec/moved.md")


def test_save_through_a_temp_file_and_rename(watched):
    root, wait_for = watched
    tmp = root / "content/.a.md.tmp1234"
    tmp.write_text("saved the careful way\n")
    os.replace(tmp, root / "content/a.md")
    assert wait_for("content/a.md") == {"content/a.md"}


def test_directory_rename(watched):
    root, wait_for = watched
    os.rename(root / "content/sec", root / "content/part")
    wait_for("content/sec", "content/part")


def test_folder_created_while_watching(watched):
    root, wait_for = watched
    (root / "data").mkdir()
    wait_for("data")
    (root / "data/x.csv").write_text("a\n1\n")  # the new folder is watched from now on
    wait_for("data/x.csv")


def test_config_file(watched):
    root, wait_for = watched
    (root / "cxsite.yaml").write_text("title: x\n")
    wait_for("cxsite.yaml")


def test_output_and_temp_files_are_not_reported(watched):
    root, wait_for = watched
    (root / "output/page.html").write_text("built\n")
    (root / "content/.a.md.swp").write_text("swap\n")
    (root / "notes.txt").write_text("not part of the site\n")
    (root / "templates/page.html").write_text("sentinel\n")  # reported after the others
    assert wait_for("templates/page.html") == {"templates/page.html"}
