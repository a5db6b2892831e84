"""The README never lies: its block examples build against the example site's data."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.engine.output import MemoryWriter
from cxsite.engine.site import build_site

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"^````markdown\n(.*?)^````$", re.M | re.S)
CITATION = re.compile(r"`?(\{\{(?:value|kpi) [^}]*\}\})`?")


@pytest.mark.slow
def test_readme_examples_build_with_the_example_data(tmp_path):
    blocks = [b for b in EXAMPLE.findall(README) if b.startswith("```")]
    data = {p.name for p in (ROOT / "data").iterdir()}
    usable = [b for b in blocks if (m := re.search(r"^data: (\S+)", b, re.M)) is None or m.group(1) in data]
    assert len(usable) >= 8, "the README should show the main blocks"
    shutil.copytree(ROOT / "data", tmp_path / "data")
    shutil.copy(ROOT / "cxsite.yaml", tmp_path / "cxsite.yaml")
    module = re.search(r"```python\n(# charts/(\S+)\n.*?)```", README, re.S)
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / module.group(2)).write_text(module.group(1), encoding="utf-8")
    citations = sorted({c for c in CITATION.findall(README) if "..." not in c})
    assert citations
    pages = tmp_path / "content"
    pages.mkdir()
    (pages / "index.md").write_text("# README examples\n", encoding="utf-8")
    for i, block in enumerate(usable):
        (pages / f"block-{i}.md").write_text(f"# Example {i}\n\n{block}", encoding="utf-8")
    (pages / "citations.md").write_text("# Citations\n\n" + "\n\n".join(citations), encoding="utf-8")
    result = build_site(load_config(tmp_path), MemoryWriter())
    assert [p for p in result.problems if p.severity == "error"] == []
    assert b"cx-block-error" not in result.files["citations/index.html"]
