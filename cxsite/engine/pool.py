"""Render pages on every core: worker processes that work under any start method (spawn on
Windows and macOS, and always in `serve`), with the main process rendering too.

The pool is started before the site is loaded, so the workers boot (a fresh interpreter under
spawn) while the main process reads the pages; the site is then shipped once to each worker
(`install`), and chunks of pages are handed out as workers ask for them. The main process
renders chunks itself while it waits, so no core idles during the workers' start, and results
arrive in any order but are returned in page order.

Workers ignore Ctrl+C (the main process stops them), hold their own chart engine, and never
inherit anything that matters from the main process: everything they know arrives as pickled
plain values, so a forked worker and a spawned one behave the same.
"""
from __future__ import annotations

import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence

Chunk = Any  # what the render function takes (a list of URLs and cached bodies)
_POLL = 0.05  # seconds the main process waits for results when it has nothing to render
IN_FLIGHT = 2  # chunks handed to a worker ahead of time
BOOTED = -1  # the chunk index of what a worker's boot function returned


@contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ignore Ctrl+C here while child processes start: they inherit that and stay quiet."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class WorkerFailed(RuntimeError):
    """A worker raised (a bug in cxsite or a block) or died; the message says which pages."""


def _worker(inbox, outbox, ident: int, setup: str, work: str,
            boot: tuple[str, Any] | None) -> None:
    """A worker's life: get ready, receive the site, then render chunks until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the main process's to handle
    import importlib

    if boot is not None:
        module, _, name = boot[0].rpartition(".")
        try:
            ready = getattr(importlib.import_module(module), name)(boot[1])
        except Exception:  # only a head start: what went wrong is met again, and reported
            ready = None
        if ready is not None:  # for the main process (see RenderPool.run's `booted`)
            outbox.put((ident, BOOTED, True, ready))
    module, _, name = setup.rpartition(".")
    install = getattr(importlib.import_module(module), name)
    module, _, name = work.rpartition(".")
    render = getattr(importlib.import_module(module), name)
    state = None
    while True:
        try:
            message = inbox.get()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, index, payload = message
        try:
            if kind == "install":
                state = install(pickle.loads(payload))
                continue
            outbox.put((ident, index, True, render(state, payload)))
        except BaseException:  # reported in the main process, with the worker's traceback
            outbox.put((ident, index, False, traceback.format_exc()))


class RenderPool:
    """`workers` processes plus the main process; see the module's docstring."""

    def __init__(self, workers: int, *, setup: str, work: str, method: str | None = None,
                 boot: tuple[str, Any] | None = None) -> None:
        """setup and work name functions ('module.function'): setup(site) -> state once per
        worker, work(state, chunk) -> results for each chunk; boot (a function's name and its
        argument) is called as each worker starts, before the site arrives."""
        context = multiprocessing.get_context(method)
        self._outbox = context.Queue()
        self._inboxes = []
        self._procs = []
        with _ctrl_c_ignored():  # also while a worker boots, before it can ignore Ctrl+C itself
            for ident in range(workers):
                inbox = context.Queue()
                proc = context.Process(target=_worker, daemon=True, name=f"cxsite-render-{ident}",
                                       args=(inbox, self._outbox, ident, setup, work, boot))
                proc.start()
                self._inboxes.append(inbox)
                self._procs.append(proc)
        self.method = context.get_start_method()

    def install(self, site: Any) -> None:
        """Ship the site to every worker (pickled once; queues send it in the background)."""
        blob = pickle.dumps(site, protocol=pickle.HIGHEST_PROTOCOL)
        for inbox in self._inboxes:
            inbox.put(("install", -1, blob))

    def run(self, chunks: Sequence[Chunk], local: Callable[[Chunk], Any],
            describe: Callable[[Chunk], str] = str,
            booted: Callable[[Any], None] | None = None) -> Iterator[tuple[int, Any]]:
        """Yield (chunk index, result) for every chunk, as they finish; the main process
        renders chunks with `local` whenever no result is waiting. What a worker's boot
        function returned goes to `booted` as it arrives (before the main process renders,
        when the worker was ready first)."""
        todo = list(range(len(chunks)))
        busy: dict[int, list[int]] = {i: [] for i in range(len(self._procs))}
        done = 0

        def hand_out(worker: int, most: int) -> None:
            while todo and len(busy[worker]) < most:
                index = todo.pop(0)  # in order, as the main process takes them: the chunks
                busy[worker].append(index)  # get smaller towards the end (see chunked())
                self._inboxes[worker].put(("render", index, chunks[index]))

        # chunks a worker holds: two, so that it never waits for the main process (busy with a
        # chunk of its own, or writing pages) to send it more; a forked worker is up at once,
        # a spawned one gets one chunk until it has booted
        for worker in busy:
            hand_out(worker, IN_FLIGHT if self.method == "fork" else 1)
        while done < len(chunks):
            try:
                ident, index, ok, result = self._outbox.get(block=not todo, timeout=_POLL)
                if index == BOOTED:
                    if booted is not None:
                        booted(result)
                    continue
            except queue.Empty:
                self._check_alive(busy, chunks, describe)
                if todo:
                    index = todo.pop(0)
                    yield index, local(chunks[index])
                    done += 1
                continue
            if not ok:  # the worker's traceback goes along as a note (seen with CXSITE_DEBUG=1)
                failed = WorkerFailed(f"rendering {describe(chunks[index])} failed: "
                                      f"{result.strip().splitlines()[-1]}")
                failed.add_note(f"in the worker process:\n{result}")
                raise failed
            busy[ident].remove(index)
            hand_out(ident, IN_FLIGHT)
            done += 1
            yield index, result

    def _check_alive(self, busy: dict[int, list[int]], chunks: Sequence[Chunk],
                     describe: Callable[[Chunk], str]) -> None:
        for ident, proc in enumerate(self._procs):
            if busy[ident] and not proc.is_alive():
                raise WorkerFailed(f"a worker process stopped (exit code {proc.exitcode}) while "
                                   f"rendering {describe(chunks[busy[ident][0]])}")

    def close(self, now: bool = False) -> None:
        """Stop the workers; `now` (after Ctrl+C or a failure) does not wait for their chunks:
        they hold nothing that needs saving."""
        for inbox in self._inboxes:
            try:
                inbox.put(None)
            except (OSError, ValueError):
                pass
        for proc in self._procs:
            if now:
                proc.terminate()
            proc.join(timeout=2)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=2)
        for q in (*self._inboxes, self._outbox):
            q.cancel_join_thread()  # never hang on data a dead worker will not read
            q.close()

    def __enter__(self) -> "RenderPool":
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(now=kind is not None)
