"""Bounds on what a raw Vega-Lite spec may ask the chart engine to generate.

A spec can make data instead of reading it: `{"sequence": {"start": 0, "stop": 1e8}}` asks for a
hundred million rows, which kills the build with no message. Such generators (sequences,
graticules, imputed key ranges, density steps, bins) are checked here, before the spec reaches
the engine, and refused with a message naming the spec's file and line.
"""
from __future__ import annotations

import math
from typing import Any

from ..errors import SiteError

MAX_GENERATED = 100_000  # rows a sequence or an imputed key range may make
MAX_STEPS = 10_000  # density steps, bins, graticule lines
MAX_DEPTH = 100


def _count(seq: Any) -> float:
    """How many values {start, stop, step} makes (inf when it never ends)."""
    if not isinstance(seq, dict):
        return 0
    try:
        start = float(seq.get("start", 0))
        stop = float(seq["stop"])
        step = float(seq.get("step", 1))
    except (KeyError, TypeError, ValueError):
        return 0
    if step == 0 or math.isnan(step) or (stop - start) / step < 0:
        return math.inf if step == 0 and stop != start else 0
    return (stop - start) / step


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_generators(spec: Any, file: str, line: int) -> None:
    """Raise a SiteError when the spec would generate more data than a chart can show."""
    todo: list[tuple[Any, int]] = [(spec, 0)]
    while todo:
        node, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise SiteError(f"the Vega-Lite spec is nested more than {MAX_DEPTH} deep",
                            file=file, line=line, hint="simplify the spec.")
        if isinstance(node, list):
            todo.extend((item, depth + 1) for item in node)
            continue
        if not isinstance(node, dict):
            continue
        problem = _problem(node)
        if problem:
            raise SiteError(f"the Vega-Lite spec asks for {problem}", file=file, line=line,
                            hint="charts show at most a few thousand points: put the data in a "
                                 "file in data/ and read it with 'data: {url: ...}'.")
        todo.extend((value, depth + 1) for value in node.values())


def _problem(node: dict) -> str | None:
    for key in ("sequence", "keyvals"):
        count = _count(node.get(key))
        if count > MAX_GENERATED:
            what = "a sequence" if key == "sequence" else "imputed keys"
            return f"{what} of {_big(count)} values (at most {MAX_GENERATED:,})"
    graticule = node.get("graticule")
    if isinstance(graticule, dict):
        for key in ("step", "stepMajor", "stepMinor"):
            value = graticule.get(key)
            steps = [v for v in (value if isinstance(value, list) else [value])
                     if _number(v) is not None]
            if any(v <= 0 or 360 / v > MAX_STEPS for v in steps):
                return f"a graticule with lines closer than {360 / MAX_STEPS} degrees"
    for key in ("steps", "maxsteps", "minsteps", "maxbins"):
        value = _number(node.get(key))
        if value is not None and value > MAX_STEPS:
            return f"'{key}: {_big(value)}' (at most {MAX_STEPS:,})"
    return None


def _big(value: float) -> str:
    return "endless" if math.isinf(value) else f"{value:,.0f}"
