"""The build's record: fingerprints that see through a fresh checkout, racy files, the log of
page bodies, and a key that changes with anything else the output depends on."""
from __future__ import annotations

import gc
import os
import time

from cxsite.config import load_config
from cxsite.engine import state
from cxsite.engine.state import BodyLog, collector_relaxed, environment_key, fingerprint


def test_a_file_touched_but_not_changed_keeps_its_fingerprint(tmp_path):
    f = tmp_path / "a.md"
    f.write_text("same")
    old = fingerprint(f, now_ns=time.time_ns() + 10 * state.RACY_NS)
    os.utime(f, ns=(time.time_ns() + 10**10, time.time_ns() + 10**10))
    new = fingerprint(f, old)
    assert new.digest == old.digest and new.mtime_ns != old.mtime_ns
    f.write_text("else")
    assert fingerprint(f, old).digest != old.digest
    assert fingerprint(tmp_path / "gone.md") is None


def test_a_file_saved_just_now_is_compared_by_content_next_time(tmp_path):
    """Saved again within the same tick of the file clock, with the same size, its time would
    not move: its fingerprint must not trust the time."""
    f = tmp_path / "a.md"
    f.write_text("one")
    racy = fingerprint(f, now_ns=time.time_ns())
    assert racy.mtime_ns == -1
    st = f.stat()
    f.write_text("two")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same time
    assert fingerprint(f, racy).digest != racy.digest


def test_the_key_changes_with_the_config_and_source_date_epoch(tmp_path, monkeypatch):
    base = environment_key(load_config(tmp_path))
    (tmp_path / "cxsite.yaml").write_text("title: Other\n")
    assert environment_key(load_config(tmp_path)) != base
    (tmp_path / "cxsite.yaml").unlink()
    assert environment_key(load_config(tmp_path)) == base
    assert environment_key(load_config(tmp_path, strict=True)) == base  # strictness: not output
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert environment_key(load_config(tmp_path)) != base


def test_the_body_log_appends_reads_and_compacts(tmp_path, monkeypatch):
    log = BodyLog(tmp_path)
    refs = log.append({"a/": {"html": "A" * 1000}, "b/": {"html": "B"}})
    assert BodyLog(tmp_path).get(refs["a/"]) == {"html": "A" * 1000}
    for i in range(5):  # a.md edited five times: the old bodies are garbage
        refs.update(log.append({"a/": {"html": str(i) * 1000}}))
    monkeypatch.setattr(state, "COMPACT_BYTES", 100)
    before = log.ident
    refs = log.compact(refs)
    assert log.ident != before and (tmp_path / "bodies.log").stat().st_size < 1200
    assert log.get(refs["a/"]) == {"html": "4" * 1000} and log.get(refs["b/"]) == {"html": "B"}


def test_a_damaged_log_gives_no_body(tmp_path):
    log = BodyLog(tmp_path)
    ref = log.append({"a/": {"html": "x"}})["a/"]
    (tmp_path / "bodies.log").write_bytes(b"garbage")
    assert BodyLog(tmp_path).ident is None and log.get(ref) is None


def test_the_cycle_collector_runs_less_often_while_a_build_runs_and_as_before_after():
    """A program that builds a site (serve, tests) gets its collector's setting back, also
    when the build fails."""
    before = gc.get_threshold()
    with collector_relaxed():
        assert gc.get_threshold()[0] >= 20_000 and gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before
    try:
        with collector_relaxed():
            raise ValueError("a failed build")
    except ValueError:
        pass
    assert gc.get_threshold() == before
