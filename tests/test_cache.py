"""The content-addressed chart cache: keys, atomic writes, concurrent workers on every system,
its place outside the output folder, and the entries a build no longer uses going away."""
from __future__ import annotations

import pytest

import multiprocessing
from pathlib import Path

from cxsite.config import load_config
from cxsite.engine.cache import CHARTS, Cache, digest, recording
from cxsite.engine.output import DiskWriter
from cxsite.engine.site import build_site

CHART_PAGE = """\
# Chart
```chart
data: x.csv
mark: bar
x: k
y: v
title: A chart
```
"""


def test_digest_is_stable_and_parts_do_not_run_together():
    assert digest("a", {"b": 1, "c": [2]}) == digest("a", {"c": [2], "b": 1})
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(b"x") == digest("x")
    assert len(digest("x")) == 64


def test_put_then_get(tmp_path):
    cache = Cache(tmp_path / "c")
    assert cache.get("svg", digest("k")) is None
    cache.put("svg", digest("k"), b"<svg/>")
    assert cache.get("svg", digest("k")) == b"<svg/>"
    cache.put_json("figure", digest("j"), {"a": [1, "é"]})
    assert cache.get_json("figure", digest("j")) == {"a": [1, "é"]}


def test_a_damaged_entry_is_a_miss(tmp_path):
    cache = Cache(tmp_path / "c")
    cache.put("figure", digest("j"), b"{not json")
    assert cache.get_json("figure", digest("j")) is None


def test_a_read_only_cache_writes_nothing(tmp_path):
    cache = Cache(tmp_path / "c", writable=False)
    cache.put("svg", digest("k"), b"x")
    with cache.lock("work"):
        pass
    assert cache.prune(set()) == 0
    assert not (tmp_path / "c").exists()


def test_an_unwritable_folder_costs_speed_not_the_build(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    Cache(blocker / "c").put("svg", digest("k"), b"x")  # no exception


def test_what_a_page_reads_or_writes_is_recorded(tmp_path):
    cache = Cache(tmp_path / "c")
    cache.put("svg", "a" * 64, b"1")
    with recording() as used:
        cache.get("svg", "a" * 64)
        cache.get("svg", "b" * 64)  # a miss uses nothing
        cache.put("figure", "c" * 64, b"2")
        cache.note("bundle", "d" * 64)
    assert used == {"svg/" + "a" * 64, "figure/" + "c" * 64, "bundle/" + "d" * 64}


def test_prune_keeps_exactly_the_entries_in_use(tmp_path):
    cache = Cache(tmp_path / "c")
    for kind, key in (("svg", "a" * 64), ("svg", "b" * 64), ("figure", "c" * 64)):
        cache.put(kind, key, b"x")
    assert cache.prune({"svg/" + "a" * 64}) == 2
    assert cache.get("svg", "a" * 64) == b"x"
    assert cache.get("svg", "b" * 64) is None and cache.get("figure", "c" * 64) is None


def _hammer(args: tuple[str, int]) -> int:
    root, n = args
    cache = Cache(Path(root))
    value = (b"%d" % 7) * 100_000
    for i in range(n):
        cache.put("svg", digest("same"), value)
        got = cache.get("svg", digest("same"))
        assert got is None or got == value, "a reader saw a partial file"
    return n


@pytest.mark.slow
def test_concurrent_writers_never_leave_partial_or_temporary_files(tmp_path):
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert sum(pool.map(_hammer, [(str(tmp_path), 40)] * 4)) == 160
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [digest("same")]


def _locked_append(args: tuple[str, str]) -> None:
    root, log = args
    import time

    with Cache(Path(root)).lock("work"):
        with open(log, "a") as f:
            f.write("start\n")
        time.sleep(0.2)
        with open(log, "a") as f:
            f.write("end\n")


@pytest.mark.slow
def test_the_lock_lets_one_process_work_at_a_time(tmp_path):
    """filelock: the same on Windows, macOS and Linux (no fcntl)."""
    log = tmp_path / "log"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_locked_append, [(str(tmp_path / "c"), str(log))] * 2)
    assert log.read_text() == "start\nend\nstart\nend\n"


def test_the_cache_lives_outside_the_output_folder(site):
    src = site({"content/index.md": CHART_PAGE, "data/x.csv": "k,v\na,1\nb,2\n"})
    config = load_config(src)
    assert Cache.for_config(config).root == src / ".cxsite" / CHARTS
    build_site(config, DiskWriter(config.output, src))
    assert [p for p in (src / ".cxsite" / CHARTS).rglob("*") if p.is_file() and p.suffix != ".lock"]
    published = [p.relative_to(config.output).as_posix() for p in config.output.rglob("*")]
    assert not [p for p in published if "cache" in p or "state" in p]
    moved = load_config(src, cache_dir=src.parent / "ci-cache")
    assert Cache.for_config(moved).root == (src.parent / "ci-cache" / CHARTS).resolve()


def test_check_mode_writes_no_cache(site):
    src = site({"content/index.md": CHART_PAGE, "data/x.csv": "k,v\na,1\nb,2\n"})
    config = load_config(src)
    result = build_site(config, None)  # `python build.py check`
    assert result.pages == 1
    assert not config.output.exists() and not config.cache_dir.exists()
