"""The README and the editing guide never lie: every fenced example that is a block, a page, a
KPI definition or a site setting is built against the example site, so a documented example that
stops working fails CI; the guide's sample message is the one the tool prints."""
from __future__ import annotations

import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from cxsite.config import _KEYS as CONFIG_KEYS
from cxsite.config import load_config
from cxsite.engine.output import MemoryWriter
from cxsite.engine.site import build_site
from cxsite.errors import BuildFailed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DOCS = ("README.md", "content/how-to-edit.md")
FENCE = re.compile(r"^(`{3,})([\w-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
CITATION = re.compile(r"`?(\{\{(?:value|kpi) [^}]*\}\})`?")
# Files the documentation names that the example site does not have: small stand-ins.
STAND_INS = {
    "channels.csv": "channel,share\nPhone,41\nWeb,33\nEmail,26\n",
    "pulse.csv": "statement,department,value,n\nI know what we stand for,Sales,62.5,40\n",
}
CI_KEYS = {"jobs", "pages", "on", "name", "stages", "image"}  # CI files shown for publishing


@dataclass
class Example:
    doc: str
    line: int
    info: str
    body: str

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def examples() -> list[Example]:
    found = []
    for doc in DOCS:
        text = (ROOT / doc).read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            found.append(Example(doc, text[:m.start()].count("\n") + 1, m.group(2), m.group(3)))
    return found


def kind(ex: Example) -> str:
    """block, page, definitions, config, module, or other (commands, data samples, messages)."""
    if ex.info == "markdown":
        return "block" if ex.body.startswith("```") else "page"
    if ex.info == "yaml":
        if ex.body.startswith("---"):
            return "page"
        data = yaml.safe_load(ex.body)
        if isinstance(data, list) and data and all(isinstance(d, dict) and "kpi" in d for d in data):
            return "definitions"
        if isinstance(data, dict) and not set(data) & CI_KEYS:
            return "config"
    if ex.info == "python" and ex.body.startswith("# charts/"):
        return "module"
    return "other"


def example_site(tmp_path: Path) -> Path:
    src = tmp_path / "site"
    for name in ("content", "data"):
        shutil.copytree(ROOT / name, src / name)
    shutil.copy(ROOT / "cxsite.yaml", src / "cxsite.yaml")
    for name, text in STAND_INS.items():
        (src / "data" / name).write_text(text, encoding="utf-8")
    (src / "charts").mkdir()
    for ex in examples():
        if kind(ex) == "module":
            (src / ex.body.splitlines()[0][2:].strip()).write_text(ex.body, encoding="utf-8")
    return src


def build_or_explain(src: Path, origin: dict[str, str]) -> dict[str, bytes]:
    """Build the site; a problem names the documentation example it comes from."""
    try:
        result = build_site(load_config(src), MemoryWriter())
    except BuildFailed as exc:
        lines = []
        for p in exc.problems:
            from_doc = next((o for f, o in origin.items() if p.file and p.file.endswith(f)), "?")
            lines.append(f"[example at {from_doc}] {p.format()}")
        pytest.fail("a documented example does not build:\n" + "\n".join(lines))
    return result.files


def test_the_documentation_has_examples_of_every_kind():
    kinds = [kind(ex) for ex in examples()]
    assert kinds.count("block") >= 10 and kinds.count("page") >= 5
    assert kinds.count("config") >= 3 and kinds.count("definitions") >= 2 and "module" in kinds


def test_every_block_and_page_example_builds_in_the_example_site(tmp_path):
    src = example_site(tmp_path)
    origin = {}
    for i, ex in enumerate(e for e in examples() if kind(e) in ("block", "page")):
        body = ex.body
        if ex.info == "yaml":  # front matter alone: a page that has it
            body = ex.body.rstrip("\n") + "\n\nText.\n"
        elif not body.startswith("---"):
            body = f"---\ntitle: Example {i}\n---\n\n{body}"
        name = f"doc-example-{i}.md"
        (src / "content" / name).write_text(body, encoding="utf-8")
        origin[f"content/{name}"] = ex.where
    citations = sorted({c for doc in DOCS for c in CITATION.findall((ROOT / doc).read_text("utf-8"))
                        if "..." not in c})
    assert citations
    (src / "content" / "doc-citations.md").write_text(
        "---\ntitle: Citations\n---\n\n" + "\n\n".join(citations), encoding="utf-8")
    origin["content/doc-citations.md"] = "a {{...}} quoted in the documentation"
    files = build_or_explain(src, origin)
    for name in origin:
        page = files[name[len("content/"):-3] + "/index.html"]
        assert b"cx-block-error" not in page, origin[name]


def test_every_kpi_definition_example_gives_a_card(tmp_path):
    src = example_site(tmp_path)
    path = src / "data" / "kpi_definitions.yaml"
    defs = {d["kpi"]: d for d in yaml.safe_load(path.read_text(encoding="utf-8"))}
    shown = []
    for ex in examples():
        if kind(ex) == "definitions":
            for d in yaml.safe_load(ex.body):  # an example may show only some fields
                defs[d["kpi"]] = {**defs.get(d["kpi"], {}), **d}
                shown.append(d["kpi"])
    path.write_text(yaml.safe_dump(list(defs.values()), allow_unicode=True), encoding="utf-8")
    (src / "content" / "doc-kpis.md").write_text(
        f"---\ntitle: KPIs\n---\n\n```kpi\nshow: [{', '.join(dict.fromkeys(shown))}]\n```\n",
        encoding="utf-8")
    files = build_or_explain(src, {"data/kpi_definitions.yaml": "a KPI definition example"})
    page = files["doc-kpis/index.html"].decode("utf-8")
    assert page.count('<article class="cx-kpi') == len(set(shown))


def test_every_settings_example_is_a_valid_cxsite_yaml(tmp_path):
    checked = 0
    for ex in examples():
        if kind(ex) != "config":
            continue
        src = example_site(tmp_path / f"c{checked}")
        (src / "cxsite.yaml").write_text(ex.body, encoding="utf-8")
        for name in yaml.safe_load(ex.body).get("privacy", {}).get("protected", []):
            if not (src / "data" / name).exists():
                (src / "data" / name).write_bytes(b"")  # a named file must exist: it does here
        assert set(yaml.safe_load(ex.body)) <= CONFIG_KEYS, ex.where
        try:
            load_config(src)
        except BuildFailed as exc:
            pytest.fail(f"the settings example at {ex.where} is refused: "
                        + "; ".join(p.format() for p in exc.problems))
        checked += 1
    assert checked >= 3


def test_the_guide_shows_the_message_the_tool_prints(tmp_path):
    """The editing guide's sample error is what a build prints for that mistake, word for word."""
    guide = (ROOT / "content/how-to-edit.md").read_text(encoding="utf-8")
    sample = next(ex.body for ex in examples() if ex.doc.endswith("how-to-edit.md")
                  and ex.info == "text" and ": error: " in ex.body).strip()
    page, line = re.match(r"(content/\S+?):(\d+): error", sample).groups()
    column = re.search(r"the column '(\w+)'", sample).group(1)
    src = example_site(tmp_path)
    lines = ["---", "title: KPIs", "---"] + [""] * (int(line) - 8) + [
        "```chart", "data: kpi_monthly.csv", "where: {kpi: retention}", "mark: line",
        f"x: {column}", "y: value", "```"]
    (src / page).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        build_site(load_config(src), MemoryWriter())
    assert [p.format() for p in exc.value.problems] == [sample]
    assert "python build.py serve" in guide
