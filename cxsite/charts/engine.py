"""The chart engine: vl-convert in a helper process, one per process that draws charts, started
on the first chart that is not in the cache and kept for the whole build or `serve` session.

Why a helper process: vl-convert runs V8, a JavaScript engine. A chart that needs more memory
than V8 may use (a Vega-Lite `sequence` of 10^8 values) makes V8 abort its whole process, and a
chart can also run for ever. In a helper, such a chart ends in a message naming its page and
block, and the next chart gets a fresh helper. The helper also keeps V8's error log apart from
cxsite's own output, whatever runs cxsite (a terminal, a pool worker, the `serve` threads).

Limits: CXSITE_CHART_TIMEOUT (seconds, default 60) and, where the operating system reports a
process's memory (Linux), CXSITE_CHART_MEMORY_MB (default 2048).
"""
from __future__ import annotations

import atexit
import json
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from ..errors import SiteError

HELPER = Path(__file__).with_name("vlhelper.py")
DEFAULT_TIMEOUT = 60.0
DEFAULT_MEMORY_MB = 2048
_POLL = 0.1  # seconds between memory checks during a call


class ChartFailed(Exception):
    """vl-convert refused a chart; `log` holds what the JavaScript engine logged meanwhile."""

    def __init__(self, message: str, log: list[str]) -> None:
        super().__init__(message)
        self.log = log


def _limit(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
        return value if value > 0 else default
    except ValueError:
        return default


def _rss_mb(pid: int) -> float | None:
    """The resident memory of a process in MB, where the system tells (Linux); else None."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class ChartEngine:
    """A long-lived vl-convert helper; call() runs one function in it, within time and memory limits."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, str(HELPER)]
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.started = 0  # helpers started: a test and a benchmark figure

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: no console window flashes up
            self._proc = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, creationflags=flags)
            self.started += 1
        return self._proc

    def call(self, name: str, **kwargs: Any) -> Any:
        """The result of vl_convert.<name>(**kwargs). Raises ChartFailed when vl-convert refuses
        the chart, SiteError when the chart ran out of time or memory or the engine died."""
        timeout = _limit("CXSITE_CHART_TIMEOUT", DEFAULT_TIMEOUT)
        memory = _limit("CXSITE_CHART_MEMORY_MB", DEFAULT_MEMORY_MB)
        with self._lock:
            proc = self._start()
            data = json.dumps({"call": name, "kwargs": kwargs}, ensure_ascii=False).encode("utf-8")
            stopped: list[str] = []
            done = threading.Event()

            def guard() -> None:
                waited = 0.0
                while not done.wait(_POLL):
                    waited += _POLL
                    rss = _rss_mb(proc.pid)
                    if waited >= timeout or (rss is not None and rss > memory):
                        stopped.append("time" if waited >= timeout else "memory")
                        proc.kill()
                        return

            watcher = threading.Thread(target=guard, daemon=True)
            watcher.start()
            try:
                proc.stdin.write(struct.pack(">I", len(data)) + data)
                proc.stdin.flush()
                head = proc.stdout.read(4)
                body = proc.stdout.read(struct.unpack(">I", head)[0]) if len(head) == 4 else b""
                reply = json.loads(body) if body else None
            except (OSError, ValueError, struct.error):
                reply = None
            finally:
                done.set()
                watcher.join()
        if reply is None:
            self.close()
            raise self._died(stopped[0] if stopped else None, timeout, memory)
        if not reply["ok"]:
            raise ChartFailed(reply["error"], reply.get("log", []))
        return reply["value"]

    def _died(self, reason: str | None, timeout: float, memory: float) -> SiteError:
        if reason == "time":
            return SiteError(f"the chart was still being drawn after {timeout:g} s, so cxsite "
                             "stopped it",
                             hint="the chart probably makes or shows far too many values (a "
                                  "'sequence', a huge data file); make it smaller. The limit is "
                                  "set by the environment variable CXSITE_CHART_TIMEOUT.")
        if reason == "memory":
            return SiteError(f"the chart needed more than {memory:g} MB of memory to draw, so "
                             "cxsite stopped it",
                             hint="the chart probably makes or shows far too many values (a "
                                  "'sequence', a huge data file); make it smaller. The limit is "
                                  "set by the environment variable CXSITE_CHART_MEMORY_MB.")
        return SiteError("the chart engine stopped while drawing this chart (it most likely ran "
                         "out of memory)",
                         hint="the chart probably makes or shows far too many values (a "
                              "'sequence', a huge data file); make it smaller.")

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # the helper ends when its input does
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
        finally:
            proc.stdout.close()


_ENGINE: ChartEngine | None = None


def engine() -> ChartEngine:
    """This process's chart engine (started on first use, stopped when the process exits)."""
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = ChartEngine()
        atexit.register(_ENGINE.close)
    return _ENGINE
