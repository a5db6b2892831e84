"""The content-addressed build cache: keys, atomic writes, concurrent workers, check mode."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

from cxsite.engine.cache import CACHE_DIR, Cache, digest
from cxsite.config import load_config
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
    assert not (tmp_path / "c").exists()


def test_an_unwritable_folder_costs_speed_not_the_build(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    Cache(blocker / "c").put("svg", digest("k"), b"x")  # no exception


def _hammer(args: tuple[str, int]) -> int:
    root, n = args
    cache = Cache(Path(root))
    value = (b"%d" % 7) * 100_000
    for i in range(n):
        cache.put("svg", digest("same"), value)
        got = cache.get("svg", digest("same"))
        assert got is None or got == value, "a reader saw a partial file"
    return n


def test_concurrent_writers_never_leave_partial_or_temporary_files(tmp_path):
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert sum(pool.map(_hammer, [(str(tmp_path), 40)] * 4)) == 160
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.name for p in files] == [digest("same")]


def test_the_cache_lives_in_the_output_folder_and_survives_the_writer(site):
    src = site({"content/index.md": CHART_PAGE, "data/x.csv": "k,v\na,1\nb,2\n"})
    config = load_config(src)
    assert Cache.for_config(config).root == config.output / CACHE_DIR
    build_site(config, DiskWriter(config.output, src))  # the cache is written before the manifest
    cached = sorted(p.relative_to(config.output) for p in (config.output / CACHE_DIR).rglob("*")
                    if p.is_file())
    assert cached
    manifest = (config.output / ".cxsite-manifest.json").read_text()
    assert CACHE_DIR not in manifest
    (src / "content" / "index.md").write_text("# No chart any more\n")
    build_site(config, DiskWriter(config.output, src))
    assert all((config.output / p).is_file() for p in cached)


def test_check_mode_writes_no_cache(site):
    src = site({"content/index.md": CHART_PAGE, "data/x.csv": "k,v\na,1\nb,2\n"})
    config = load_config(src)
    result = build_site(config, None)  # `python build.py check`
    assert result.pages == 1
    assert not config.output.exists()


def _locked_append(args: tuple[str, str]) -> None:
    root, log = args
    import time

    with Cache(Path(root)).lock("work"):
        with open(log, "a") as f:
            f.write("start\n")
        time.sleep(0.2)
        with open(log, "a") as f:
            f.write("end\n")


def test_the_lock_lets_one_process_work_at_a_time(tmp_path):
    log = tmp_path / "log"
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(_locked_append, [(str(tmp_path / "c"), str(log))] * 2)
    assert log.read_text() == "start\nend\nstart\nend\n"


def test_a_read_only_cache_does_not_lock(tmp_path):
    with Cache(tmp_path / "c", writable=False).lock("work"):
        pass
    assert not (tmp_path / "c").exists()
