"""Windows and macOS, simulated on Linux: processes start with 'spawn' (there is no fork),
fcntl does not exist, and os.fork fails. The example site builds, a save in `serve` rebuilds it,
and both give exactly the bytes of a normal build."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.engine.output import MANIFEST, DiskWriter
from cxsite.engine.site import build_site

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow

SITECUSTOMIZE = """
import multiprocessing, os, sys
sys.modules["fcntl"] = None  # as on Windows: 'import fcntl' fails
multiprocessing.set_start_method("spawn", force=True)

def _no_fork(*args, **kwargs):
    raise OSError("fork is not available on this system")

os.fork = _no_fork
"""
DRIVER = """
import json, sys, time
from pathlib import Path
from cxsite.config import load_config
from cxsite.engine import pool
from cxsite.engine.output import DiskWriter


def main():
    methods = []
    real = pool.RenderPool.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        methods.append(self.method)

    pool.RenderPool.__init__ = spy
    src, out, cache, mode = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    try:
        import fcntl  # noqa: F401
        fcntl_available = True
    except ImportError:
        fcntl_available = False
    if mode == "build":
        from cxsite.engine.site import build_site
        build_site(load_config(src, out, cache_dir=cache), DiskWriter(out, src), jobs=2)
    else:
        import io
        from cxsite.serve.server import DevServer
        dev = DevServer(load_config(src, out, serve_mode=True, cache_dir=cache), port=0, jobs=2,
                        out=io.StringIO())
        dev.start()
        page = src / "content" / "kpis.md"
        page.write_text(page.read_text(encoding="utf-8") + "\\nA sentence saved while serving.\\n",
                        encoding="utf-8")
        data = src / "data" / "kpi_monthly.csv"
        data.write_text(data.read_text(encoding="utf-8").replace("retention,2026-02,89.4", "retention,2026-02,91.7"),
                        encoding="utf-8")
        deadline = time.monotonic() + 60
        while not all(t in dev.respond("/kpis/").body for t in (b"saved while serving", b"91.7")):
            assert time.monotonic() < deadline, "the save was never served"
            time.sleep(0.05)
        dev.stop()
    print(json.dumps({"methods": methods, "fcntl": fcntl_available}))


if __name__ == "__main__":  # a spawned worker imports this file again: nothing to run then
    main()
"""


def example(tmp: Path) -> Path:
    src = tmp / "site"
    for name in ("content", "data"):
        shutil.copytree(ROOT / name, src / name)
    shutil.copy(ROOT / "cxsite.yaml", src / "cxsite.yaml")
    return src


def portable(tmp: Path, *args: str) -> dict:
    custom = tmp / "portable"
    custom.mkdir(exist_ok=True)
    (custom / "sitecustomize.py").write_text(textwrap.dedent(SITECUSTOMIZE))
    (custom / "driver.py").write_text(textwrap.dedent(DRIVER))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(custom), str(ROOT)])}
    proc = subprocess.run([sys.executable, str(custom / "driver.py"), *args], capture_output=True,
                          text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def normal(src: Path, out: Path) -> dict[str, bytes]:
    build_site(load_config(src, out, cache_dir=out.parent / (out.name + "-cache")),
               DiskWriter(out, src), jobs=1)
    return site_files(out)


def site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != MANIFEST}


def test_the_example_builds_and_serves_with_spawn_and_without_fcntl(tmp_path):
    src = example(tmp_path)
    run = portable(tmp_path, str(src), str(tmp_path / "out"), str(tmp_path / "cache"), "build")
    assert run == {"methods": ["spawn"], "fcntl": False}  # the workers did render
    assert site_files(tmp_path / "out") == normal(src, tmp_path / "expected")

    run = portable(tmp_path, str(src), str(tmp_path / "served"), str(tmp_path / "cache2"), "serve")
    assert run["fcntl"] is False and set(run["methods"]) <= {"spawn"}
    served = site_files(tmp_path / "served")
    assert b"A sentence saved while serving." in served["kpis/index.html"]
    assert b"91.7" in served["kpis/index.html"]  # the data edit too
    assert served == normal(src, tmp_path / "expected-after-edit")
    assert json.loads((tmp_path / "served" / MANIFEST).read_text())["files"]
