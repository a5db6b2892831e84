"""The render pool: works under 'spawn' (Windows, macOS, serve), keeps the main process busy
while the workers start, returns results in order, and says which pages a failure was in."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.engine.output import MemoryWriter
from cxsite.engine.pool import RenderPool, WorkerFailed
from cxsite.engine.site import Renderer, Work, build_site, load
from cxsite.errors import Problems

ROOT = Path(__file__).resolve().parent.parent


def setup(site: dict) -> dict:
    return {"site": site, "pid": os.getpid()}


def work(state: dict, chunk: list[int]) -> list[tuple[int, int, str]]:
    if -1 in chunk:
        raise ValueError("a block went wrong")
    if -9 in chunk:
        os._exit(9)
    return [(n * n, state["pid"], state["site"]["name"]) for n in chunk]


def pool(method: str = "spawn") -> RenderPool:
    return RenderPool(1, setup="test_pool.setup", work="test_pool.work", method=method)


def test_results_come_in_order_from_the_workers_and_the_main_process():
    chunks = [[i, i + 100] for i in range(40)]
    local = []

    def here(chunk):
        local.append(chunk)
        return [(n * n, os.getpid(), "main") for n in chunk]

    with pool() as p:
        assert p.method == "spawn"
        p.install({"name": "the site"})
        results = dict(p.run(chunks, here))
    assert sorted(results) == list(range(40))
    assert [r[0] for i in range(40) for r in results[i]] == [n * n for c in chunks for n in c]
    workers = {pid for i in range(40) for _, pid, who in results[i] if who == "the site"}
    assert workers and os.getpid() not in workers  # the worker got the site once, by value
    assert local, "the main process renders while the worker starts"


@pytest.mark.slow
def test_a_failure_in_a_worker_names_its_pages():
    with pool() as p:
        p.install({"name": "s"})
        with pytest.raises(WorkerFailed) as exc:
            # the spawned worker is handed the first chunk; the main process takes the next
            list(p.run([[-1]] + [[1]] * 3, lambda c: [], describe=lambda c: "content/broken.md"))
    assert str(exc.value) == "rendering content/broken.md failed: ValueError: a block went wrong"
    assert "Traceback" in exc.value.__notes__[0]  # for CXSITE_DEBUG=1


@pytest.mark.slow
def test_a_worker_that_dies_names_its_pages():
    with pool() as p:
        p.install({"name": "s"})
        with pytest.raises(WorkerFailed, match=r"stopped \(exit code 9\) while rendering content/x.md"):
            list(p.run([[-9]], lambda c: [], describe=lambda c: "content/x.md"))


@pytest.mark.slow
def test_a_site_rendered_by_spawned_workers_is_byte_identical(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from make_site import make_site

    make_site(tmp_path, pages=150, sections=2, subsections=1)
    config = load_config(tmp_path)
    serial = build_site(config, MemoryWriter(), jobs=1).files
    model = load(config, Problems())
    renderer = Renderer(2, method="spawn")
    try:
        outputs = renderer.render(model, Work([n.url for n in model.nav.order]))
        assert renderer.pool is not None
    finally:
        renderer.close()
    assert {o.path: o.html for o in outputs} == {p: d for p, d in serial.items()
                                                 if p.endswith("index.html") and p != "search/index.html"}


def test_chunks_shrink_towards_the_end_so_no_process_waits_long_for_the_last(tmp_path):
    """Pages go out in order, each once, in chunks of at most MAX_CHUNK pages that get smaller
    as the work runs out: the last chunks take a few pages, so when one process takes the last,
    the others are busy for no longer than that."""
    from cxsite.engine.site import MAX_CHUNK, MIN_CHUNK, chunked

    sys.path.insert(0, str(ROOT / "bench"))
    from make_site import make_site

    make_site(tmp_path, pages=600, sections=2, subsections=1)
    model = load(load_config(tmp_path), Problems())
    urls = [n.url for n in model.nav.order]
    chunks = chunked(model, Work(urls), processes=2)
    assert [u for c in chunks for u in c.urls] == urls
    sizes = [len(c.urls) for c in chunks]
    assert max(sizes) <= MAX_CHUNK and sizes[0] == MAX_CHUNK
    assert sizes[-3:] == [MIN_CHUNK] * 2 + [sizes[-1]] and sizes[-1] <= MIN_CHUNK
    assert sizes == sorted(sizes, reverse=True)[:-1] + sizes[-1:]  # never larger again
