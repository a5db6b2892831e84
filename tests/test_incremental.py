"""Incremental rebuilds produce exactly the bytes of a clean build, and redo only what changed."""
from __future__ import annotations

import html
import shutil
import sys
import tempfile
import textwrap
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxsite import blocks, markup
from cxsite.config import load_config
from cxsite.errors import BuildFailed
from cxsite.engine.incremental import IncrementalBuild, touches
from cxsite.engine.site import build_site


def _table_block(options: dict, ctx: blocks.BlockContext) -> str:
    """A small data-driven block standing in for charts: reads a data file, publishes a CSV."""
    from cxsite.data import load_table

    df = load_table(options.get("data"), ctx)
    ctx.add_file(ctx.page_url + ctx.next_id("table") + ".csv", df.to_csv(index=False).encode())
    cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in df.iloc[:, 0])
    return f"<table><tr>{cells}</tr></table>"


@pytest.fixture(autouse=True)
def table_block(monkeypatch):
    """Register ```cxtable blocks for these tests only."""
    module = types.ModuleType("cxsite_test_table")
    module.render_block = _table_block
    monkeypatch.setitem(sys.modules, "cxsite_test_table", module)
    monkeypatch.setitem(blocks.BLOCK_TYPES, "cxtable", ("cxsite_test_table", "render_block", True))
    monkeypatch.setattr(markup, "_CONVERTERS", {})  # a converter knows the block names


def _answers(*months: tuple[str, int, int]) -> str:
    """Raw NPS answers (a protected file): (month, answers of segment A, answers of B)."""
    rows = [f"{m}-10,{(i * 7) % 11},{seg}\n" for m, a, b in months
            for seg, count in (("A", a), ("B", b)) for i in range(count)]
    return "date,score,segment\n" + "".join(rows)


# three versions of the answers: the small group moves, so what the site-wide audit withholds
# changes on pages that were not edited
ANSWERS = [_answers(("2026-01", 12, 3), ("2026-02", 11, 12)),
           _answers(("2026-01", 12, 12), ("2026-02", 11, 4)),
           _answers(("2026-01", 5, 12), ("2026-02", 20, 2), ("2026-04", 14, 14))]
DEFINITIONS = ("- kpi: nps\n  name: NPS\n  from: answers.csv\n"
               "- kpi: nps_q\n  name: NPS by quarter\n  from: answers.csv\n  period: quarter\n")
BASE = {
    "content/index.md": "---\ntitle: Home\n---\nWelcome. See [A](a.md).\n",
    "content/a.md": "---\ntitle: A\nweight: 1\n---\nAbout A.\n\n```cxtable\ndata: x.csv\n```\n",
    "content/sec/_index.md": "---\ntitle: Section\ndescription: All about it\n---\nThe section.\n",
    "content/sec/b.md": "# B heading\n\nBody of b.\n",
    "data/x.csv": "v\n1\n2\n",
    "data/answers.csv": ANSWERS[0],
    "data/kpi_definitions.yaml": DEFINITIONS,
}


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make(root: Path, files: dict[str, str] = BASE) -> IncrementalBuild:
    for rel, text in files.items():
        write(root, rel, text)
    inc = IncrementalBuild(load_config(root, root / "out", serve_mode=True), jobs=1,
                           reload_config=lambda: load_config(root, root / "out", serve_mode=True))
    assert inc.update().ok
    inc.finish()
    return inc


def clean(root: Path) -> dict[str, bytes] | None:
    """A clean build's files, None when the site has errors."""
    try:
        return build_site(load_config(root, root / "out", serve_mode=True), None, jobs=1).files
    except BuildFailed:
        return None


def check(inc: IncrementalBuild, root: Path, changed: set[str]):
    """Update, and assert the result is what a clean build gives; returns the Update."""
    update = inc.update(changed)
    expected = clean(root)
    if expected is None:
        assert not update.ok, "the clean build fails, so must the incremental one"
        assert any(p.severity == "error" for p in update.problems)
    else:
        assert update.ok, [p.format() for p in update.problems]
        files = inc.finish()
        assert sorted(files) == sorted(expected)
        for path in files:
            assert files[path] == expected[path], path
    return update


def test_body_edit_renders_only_that_page(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "content/sec/b.md", "# B heading\n\nA new sentence.\n")
    update = check(inc, tmp_path, {"content/sec/b.md"})
    assert update.rendered == 1
    assert list(update.pages) == ["sec/b/index.html"]
    assert b"A new sentence." in update.pages["sec/b/index.html"]


def test_title_change_updates_navigation_on_every_page(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "content/a.md", BASE["content/a.md"].replace("title: A", "title: Renamed A"))
    update = check(inc, tmp_path, {"content/a.md"})
    assert update.full and update.rendered == 4
    assert all(b"Renamed A" in update.pages[p] for p in ("index.html", "sec/index.html"))


def test_h1_title_change_counts_as_navigation(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "content/sec/b.md", "# Better heading\n\nBody of b.\n")
    update = check(inc, tmp_path, {"content/sec/b.md"})
    assert update.full
    assert b"Better heading" in update.pages["sec/index.html"]  # the section lists it


def test_description_change_updates_the_section_list(tmp_path):
    inc = make(tmp_path, {**BASE, "content/sec/b.md": "---\ndescription: old words\n---\nB.\n"})
    write(tmp_path, "content/sec/b.md", "---\ndescription: new words\n---\nB.\n")
    update = check(inc, tmp_path, {"content/sec/b.md"})
    assert b"new words" in update.pages["sec/index.html"]


def test_data_edit_renders_the_pages_that_read_it(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "data/x.csv", "v\n41\n42\n")
    update = check(inc, tmp_path, {"data/x.csv"})
    assert update.rendered == 1
    assert sorted(update.pages) == ["a/index.html", "a/table-1.csv"]
    assert b"<td>42</td>" in update.pages["a/index.html"]


def test_unused_data_file_renders_nothing(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "data/unused.csv", "v\n1\n")
    update = check(inc, tmp_path, {"data/unused.csv"})
    assert update.rendered == 0 and update.pages == {}


def test_missing_data_file_then_created(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "content/a.md", "---\ntitle: A\nweight: 1\n---\n```cxtable\ndata: y.csv\n```\n")
    update = check(inc, tmp_path, {"content/a.md"})
    assert [p.message for p in update.problems] == ["there is no data file 'y.csv' in data/"]
    write(tmp_path, "data/y.csv", "v\n99\n")  # the page never recorded y.csv: it had no such file
    update = check(inc, tmp_path, {"data/y.csv"})
    assert b"<td>99</td>" in update.pages["a/index.html"]


def test_template_edit_renders_the_pages_using_it(tmp_path):
    inc = make(tmp_path, {**BASE, "templates/plain.html": "<p>{{ page.title }}</p>\n",
                          "content/sec/b.md": "---\ntemplate: plain\n---\nB.\n"})
    write(tmp_path, "templates/plain.html", "<main>{{ page.title }}</main>\n")
    update = check(inc, tmp_path, {"templates/plain.html"})
    assert update.rendered == 1 and update.pages == {"sec/b/index.html": b"<main>B</main>\n"}


def test_overriding_a_theme_template(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "templates/page.html", "{% extends 'base.html' %}{% block content %}"
                                           "OVERRIDDEN{% endblock %}\n")
    update = check(inc, tmp_path, {"templates/page.html"})
    assert b"OVERRIDDEN" in update.pages["a/index.html"]
    assert not update.full  # only the pages whose templates use page.html


def test_a_stylesheet_edit_gives_every_page_its_new_name_without_rendering(tmp_path, monkeypatch):
    inc = make(tmp_path)
    write(tmp_path, "templates/static/style.css", "body { color: black }\n")
    real = inc.renderer.render

    def render(model, work, *args):
        assert not work.urls, "a page was rendered again"
        return real(model, work, *args)

    monkeypatch.setattr(inc.renderer, "render", render)
    update = check(inc, tmp_path, {"templates/static/style.css"})  # byte-equal to a clean build
    assert update.rendered == 4 and not update.full
    assert all(b"style." in update.pages[p] for p in ("index.html", "a/index.html"))


def test_a_new_stylesheet_renders_every_page(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "templates/static/extra.css", "p { margin: 0 }\n")
    update = check(inc, tmp_path, {"templates/static/extra.css"})
    assert update.full and update.rendered == 4


def test_config_change_rebuilds_everything(tmp_path):
    inc = make(tmp_path)
    config = lambda: load_config(tmp_path, tmp_path / "out", serve_mode=True)  # noqa: E731
    inc.reload_config = config
    write(tmp_path, "cxsite.yaml", "title: Our CX site\n")
    update = check(inc, tmp_path, {"cxsite.yaml"})
    assert update.full and b"Our CX site" in update.pages["index.html"]


def test_bad_config_fails_until_fixed(tmp_path):
    inc = make(tmp_path)
    inc.reload_config = lambda: load_config(tmp_path, tmp_path / "out", serve_mode=True)
    write(tmp_path, "cxsite.yaml", "titel: x\n")
    update = inc.update({"cxsite.yaml"})
    assert not update.ok and update.problems[0].message == "unknown setting 'titel'"
    write(tmp_path, "content/sec/b.md", "# B heading\n\nOther.\n")
    assert not inc.update({"content/sec/b.md"}).ok  # the config is still broken
    write(tmp_path, "cxsite.yaml", "title: x\n")
    check(inc, tmp_path, {"cxsite.yaml"})


@pytest.mark.parametrize("op", ["create", "delete", "rename", "rename folder"])
def test_structure_changes(tmp_path, op):
    inc = make(tmp_path)
    if op == "create":
        write(tmp_path, "content/new.md", "New page.\n")
        changed = {"content/new.md"}
    elif op == "delete":
        (tmp_path / "content/a.md").unlink()
        changed = {"content/a.md"}
    elif op == "rename":
        (tmp_path / "content/sec/b.md").rename(tmp_path / "content/c.md")
        changed = {"content/sec/b.md", "content/c.md"}
    else:
        (tmp_path / "content/sec").rename(tmp_path / "content/part")
        changed = {"content/sec", "content/part"}  # a folder event alone is enough
    update = check(inc, tmp_path, changed)
    assert update.full


def test_error_then_fix(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "content/sec/b.md", "# B heading\n\n[broken](nope.md)\n")
    update = check(inc, tmp_path, {"content/sec/b.md"})
    assert [p.message for p in update.problems] == ["link to a missing page 'nope.md'"]
    write(tmp_path, "content/a.md", "---\ntitle: A\nweight: 1\n---\nEdited while broken.\n")
    check(inc, tmp_path, {"content/a.md"})
    write(tmp_path, "content/sec/b.md", "# B heading\n\n[fixed](../a.md)\n")
    update = check(inc, tmp_path, {"content/sec/b.md"})
    # both pages changed since the last good site, so both are written first
    assert {"a/index.html", "sec/b/index.html"} <= set(update.pages)


def test_front_matter_error_then_fix(tmp_path):
    inc = make(tmp_path)
    write(tmp_path, "data/x.csv", "v\n7\n")
    write(tmp_path, "content/sec/b.md", "---\ntitle: [unclosed\n---\nB.\n")
    update = check(inc, tmp_path, {"content/sec/b.md", "data/x.csv"})
    assert update.rendered == 0  # nothing is rendered while the front matter is broken
    write(tmp_path, "content/sec/b.md", "# B heading\n\nBody of b.\n")
    update = check(inc, tmp_path, {"content/sec/b.md"})
    assert b"<td>7</td>" in update.pages["a/index.html"]  # the earlier data change is applied


def test_a_page_whose_privacy_verdict_changes_is_rendered_again(tmp_path):
    """February: total 15 answers on C, segment A (11) on D; 15 - 11 gives B's 4 away, so D
    withholds A's February. Once C no longer shows the total, D shows it again, unedited."""
    files = {**BASE, "data/answers.csv": ANSWERS[1],
             "content/c.md": "---\ntitle: C\n---\n```kpi\nshow: nps\n```\n",
             "content/sec/d.md": "---\ntitle: D\n---\n```kpi\nshow: nps\nsegment: A\n```\n"}
    inc = make(tmp_path, files)
    assert "withheld so that a smaller group" in inc.files["sec/d/index.html"].decode()
    write(tmp_path, "content/c.md", "---\ntitle: C\n---\nNo figures.\n")
    update = check(inc, tmp_path, {"content/c.md"})
    assert "sec/d/index.html" in update.pages
    assert "withheld so that a smaller group" not in update.pages["sec/d/index.html"].decode()


def test_touches_folders():
    assert touches({"data/sub/x.csv"}, {"data/sub"})
    assert not touches({"data/subway.csv"}, {"data/sub"})
    assert touches({"content/a.md"}, {"content/a.md"}, ())


# --- the property: any sequence of edits gives the bytes of a clean build -------------------
PAGES = ["content/index.md", "content/a.md", "content/c.md", "content/sec/_index.md",
         "content/sec/b.md", "content/sec/d.md"]
DATA = ["data/x.csv", "data/y.csv"]
BODIES = ["Plain text.", "Other words here.", "See [A](a.md) and [B](sec/b.md).",
          "```cxtable\ndata: x.csv\n```", "```cxtable\ndata: y.csv\n```", "# A heading\n\nText.",
          # blocks over the protected answers: totals, segments, quarters on different pages
          "```kpi\nshow: nps\n```", "```kpi\nshow: nps\nsegment: A\n```",
          "B in January: {{kpi nps segment=B period=2026-01}}.", "```kpi\nshow: nps_q\n```"]
TABLES = ["v\n1\n2\n", "v\n3\n", "w\n<b>5</b>\n", ""]

front_matter = st.fixed_dictionaries({}, optional={
    "title": st.sampled_from(["One", "Two", "Zed"]), "weight": st.integers(0, 2),
    "draft": st.just(True), "description": st.sampled_from(["d1", "d2"])})
ops = st.one_of(
    st.tuples(st.just("page"), st.sampled_from(PAGES), front_matter, st.sampled_from(BODIES)),
    st.tuples(st.just("delete"), st.sampled_from(PAGES + DATA)),
    st.tuples(st.just("rename"), st.sampled_from(PAGES), st.sampled_from(PAGES)),
    st.tuples(st.just("data"), st.sampled_from(DATA), st.sampled_from(TABLES)),
    st.tuples(st.just("data"), st.just("data/answers.csv"), st.sampled_from(ANSWERS)),
    st.tuples(st.just("rename"), st.sampled_from(DATA), st.sampled_from(DATA)),
    st.tuples(st.just("folder"), st.sampled_from(["content/sec", "content/sec2"])),
    st.tuples(st.just("asset"), st.sampled_from(["content/pic.txt", "content/sec/pic.txt"])),
    st.tuples(st.just("file"), st.sampled_from(["templates/page.html"]), st.sampled_from([
        None, "{% extends 'base.html' %}{% block content %}<div>{{ page.body|safe }}</div>"
              "{% endblock %}\n", "{% extends 'base.html' %}{% block content %}{% endblock %}\n"])),
    st.tuples(st.just("file"), st.sampled_from(["cxsite.yaml"]),
              st.sampled_from([None, "title: Site one\n", "title: Site two\n", "titel: typo\n"])),
)


def apply(root: Path, op: tuple) -> set[str]:
    """Perform one edit the way a user would; return the paths the watcher reports."""
    kind, target = op[0], op[1]
    path = root / target
    if kind == "page":
        meta = "".join(f"{k}: {v}\n" for k, v in op[2].items())
        write(root, target, (f"---\n{meta}---\n" if meta else "") + op[3] + "\n")
    elif kind == "data":
        write(root, target, op[2])
    elif kind == "file":  # a template or the config: written, or removed when None
        if op[2] is not None:
            write(root, target, op[2])
        elif path.exists():
            path.unlink()
        else:
            return set()
    elif kind == "asset":
        if path.exists():
            path.unlink()
        else:
            write(root, target, "a file to link to\n")
    elif kind == "delete":
        if not path.exists():
            return set()
        path.unlink()
    elif kind == "rename":
        dest = root / op[2]
        if not path.exists() or dest.exists():
            return set()
        dest.parent.mkdir(parents=True, exist_ok=True)
        path.rename(dest)
        return {target, op[2]}
    elif kind == "folder":
        other = "content/sec2" if target == "content/sec" else "content/sec"
        if not path.is_dir() or (root / other).exists():
            return set()
        path.rename(root / other)
        return {target, other}
    return {target}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=8))
def test_incremental_equals_clean_build(edits):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        inc = make(root)
        for op in edits:
            changed = apply(root, op)
            if changed:
                check(inc, root, changed)


def test_a_value_in_a_heading_title_follows_its_data(tmp_path):
    """The menu shows a heading's {{value}}: changing the data changes every page's menu,
    exactly as a clean build would."""
    files = {**BASE, "content/sec/b.md": "# Top score {{value data=x.csv column=v pick=max}}\n\nB.\n"}
    inc = make(tmp_path, files)
    write(tmp_path, "data/x.csv", "v\n1\n7\n")
    update = check(inc, tmp_path, {"data/x.csv"})
    assert update.full and b"Top score 7" in update.pages["sec/index.html"]


def test_after_a_page_markdown_cannot_read_the_next_builds_still_have_paragraphs(tmp_path):
    """serve keeps one process: a page that broke Python-Markdown (300-deep list) must not
    leave later pages without their <p> (the converter is made anew after any failure)."""
    inc = make(tmp_path)
    write(tmp_path, "content/sec/b.md", "# B\n\n" + "".join("  " * i + "- x\n" for i in range(300)))
    update = check(inc, tmp_path, {"content/sec/b.md"})
    assert any("nested too deeply" in p.message and p.file == "content/sec/b.md"
               for p in update.problems)
    write(tmp_path, "content/sec/b.md", "# B heading\n\nBody of b.\n")
    check(inc, tmp_path, {"content/sec/b.md"})
    write(tmp_path, "content/a.md", BASE["content/a.md"].replace("About A.", "About A, again."))
    update = check(inc, tmp_path, {"content/a.md"})
    assert b"<p>About A, again.</p>" in update.pages["a/index.html"]


@pytest.mark.slow
def test_a_large_site_compiles_its_templates_before_the_workers_start_and_reports_as_a_small_one(site):
    """A site big enough to start its workers early makes its theme first (so they inherit
    it): a broken template no page uses still does not stop the build; one in use is reported
    as in a small site."""
    from blocksite import build, page, problems
    from cxsite.engine.incremental import EARLY_POOL_PAGES

    pages = {f"content/p{i}.md": page(f"Text {i}.", f"P{i}") for i in range(EARLY_POOL_PAGES + 5)}
    src = site({**pages, "templates/unused.html": "{% if %}"})
    files = build(src)
    assert "Text 7." in files["p7/index.html"].decode()
    (src / "templates/page.html").write_text("{% extends 'base.html' %}{% block content %}{{ page.body|safe }}{% endblock %}{% if %}")
    small = site({"content/p1.md": page("Text.", "P1"), "templates/page.html":
                  (src / "templates/page.html").read_text()})
    assert problems(src) == problems(small) == [
        "templates/page.html:1: error: template error: Expected an expression, got 'end of "
        "statement block'\n  hint: check the {{ }} and {% %} tags on that line."]


def _vega_block(options: dict, ctx: blocks.BlockContext) -> str:
    ctx.needs.add("vega")  # as a chart does: the page loads the chart script and styles
    return "<p>chart</p>"


@pytest.mark.slow
def test_an_edited_chart_script_reaches_every_chart_page(tmp_path, monkeypatch):
    """A developer edits the theme's templates/charts/cx-charts.js while serving the checkout:
    chart pages must link to its new hashed name, which is the one written."""
    import cxsite.render

    module = types.ModuleType("cxsite_test_vega")
    module.render_block = _vega_block
    monkeypatch.setitem(sys.modules, "cxsite_test_vega", module)
    monkeypatch.setitem(blocks.BLOCK_TYPES, "vegaish", ("cxsite_test_vega", "render_block", True))
    theme = Path(cxsite.render.default_theme_dir())
    shutil.copytree(theme, tmp_path / "templates")  # the checkout's case: the site is the theme
    monkeypatch.setattr(cxsite.render, "default_theme_dir", lambda: tmp_path / "templates")
    inc = make(tmp_path, {**BASE, "content/a.md": "---\ntitle: A\n---\n```vegaish\nkind: demo\n```\n"})
    before = [n for n in clean(tmp_path) if "/cx-charts." in n and n.endswith(".js")]
    script = tmp_path / "templates" / "charts" / "cx-charts.js"
    script.write_text(script.read_text(encoding="utf-8") + "// edited\n", encoding="utf-8")
    update = check(inc, tmp_path, {"templates/charts/cx-charts.js"})  # byte-equal to a clean build
    after = [n for n in clean(tmp_path) if "/cx-charts." in n and n.endswith(".js")]
    assert len(after) == 1 and after != before
    assert after[0].encode() in update.pages["a/index.html"]
