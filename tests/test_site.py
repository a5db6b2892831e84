"""End-to-end: whole sites built into a temporary folder, checked as a reader would see them."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from cxsite.config import load_config
from cxsite.errors import BuildFailed
from cxsite.engine.output import DiskWriter, MemoryWriter
from cxsite.engine.site import build_site

ROOT = Path(__file__).resolve().parent.parent

SMALL = {
    "cxsite.yaml": "title: Customer First\n",
    "content/index.md": "---\ntitle: Home\n---\n# Welcome\n\nRead [the roadmap](roadmap.md).\n",
    "content/roadmap.md": "---\ntitle: Roadmap\nweight: 1\ndescription: The plan\n---\n## Stage one\n\n## Stage two\n",
    "content/findings/_index.md": "---\ntitle: Findings\nweight: 2\n---\nAll findings.\n",
    "content/findings/europe.md": "---\ntitle: Europe\n---\n![chart](../img/a.png)\n[back](../index.md)\n",
    "content/findings/draft.md": "---\ntitle: Unfinished\ndraft: true\n---\nSecret plans\n",
    "content/img/a.png": b"\x89PNG fake",
}


def build(src: Path, **kw) -> dict[str, bytes]:
    return build_site(load_config(src, **kw), MemoryWriter()).files


def text(files: dict[str, bytes], path: str) -> str:
    return files[path].decode("utf-8")


def test_pages_sections_and_files(site):
    files = build(site(SMALL))
    assert {"index.html", "roadmap/index.html", "findings/index.html", "findings/europe/index.html",
            "img/a.png", "404.html"} <= files.keys()
    assert not any("draft" in f for f in files)
    assert not any(b"Secret plans" in data for data in files.values())


def test_page_layout_is_accessible(site):
    html = text(build(site(SMALL)), "findings/europe/index.html")
    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html and '<nav id="site-nav" class="site-nav" aria-label="Site">' in html
    assert 'aria-label="Breadcrumb"' in html
    assert re.search(r'<a href="\./" aria-current="page">Europe</a>', html)
    assert '<title>Europe · Customer First</title>' in html
    assert '<img alt="chart" src="../../img/a.png"' in html


def test_breadcrumbs_prev_next_and_toc(site):
    files = build(site(SMALL))
    europe = text(files, "findings/europe/index.html")
    assert re.search(r'<li><a href="../../">Home</a></li><li><a href="../">Findings</a></li>', europe)
    assert 'rel="prev"><span>Previous</span>Findings</a>' in europe
    roadmap = text(files, "roadmap/index.html")
    assert 'rel="next"><span>Next</span>Findings</a>' in roadmap
    assert '<h2 id="toc-heading">On this page</h2>' in roadmap and 'href="#stage-two"' in roadmap
    assert '<p class="lead">The plan</p>' in roadmap
    section = text(files, "findings/index.html")
    assert '<h2 id="in-this-section">In this section</h2>' in section and '>Europe</a>' in section


def test_assets_have_content_hashes_and_no_external_requests(site):
    files = build(site(SMALL))
    css = [f for f in files if f.startswith("assets/style.")]
    assert len(css) == 1 and re.fullmatch(r"assets/style\.[0-9a-f]{10}\.css", css[0])
    for name, data in files.items():
        if name.endswith((".html", ".css", ".js")):
            assert not re.search(rb'(src|href)="(https?:)?//', data), name


def test_base_url_for_404_and_sitemap(site):
    files = build(site(SMALL), base_url="/cx/")
    not_found = text(files, "404.html")
    assert 'href="/cx/assets/style.' in not_found and '<a href="/cx/">Go to the home page</a>' in not_found
    # the sitemap protocol needs absolute addresses: a bare path gives no sitemap
    assert "sitemap.xml" not in files


def test_sitemap_lists_absolute_addresses_when_the_site_has_one(site):
    files = build(site(SMALL), base_url="https://intranet.example/cx/")
    sitemap = text(files, "sitemap.xml")
    locs = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    assert "https://intranet.example/cx/findings/europe/" in locs
    assert locs and all(loc.startswith("https://intranet.example/cx/") for loc in locs)


def test_pages_do_not_depend_on_base_url(site):
    src = site(SMALL)
    a = build(src, base_url="/cx/")
    b = build(src, base_url="/")
    assert a["roadmap/index.html"] == b["roadmap/index.html"]


def test_identical_input_gives_identical_bytes(site, monkeypatch):
    src = site(SMALL)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = build(src)
    second = build(src)
    assert first == second
    assert b"Built on" not in first["index.html"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert b'Built on <time datetime="2026-01-01">' in build(src)["index.html"]


def test_site_with_only_content_uses_the_default_theme(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "index.md").write_text("# Only content")
    files = build(tmp_path)
    assert b"<h1>Only content</h1>" in files["index.html"]


def test_an_empty_content_folder_is_a_warning(tmp_path):
    (tmp_path / "content").mkdir()
    result = build_site(load_config(tmp_path), MemoryWriter())
    assert [p.format() for p in result.problems] == [
        "content/: warning: the content folder has no pages, so the site is empty\n"
        "  hint: add a Markdown page such as content/index.md."]


def test_site_templates_override_the_theme(site):
    src = site({**SMALL, "templates/page.html": '{% extends "base.html" %}{% block content %}'
                                                  '<p class="custom">{{ page.title }}</p>{% endblock %}'})
    assert b'<p class="custom">Roadmap</p>' in build(src)["roadmap/index.html"]


def test_template_syntax_error_names_file_and_line(site):
    src = site({**SMALL, "templates/page.html": "line one\n{% if %}\n"})
    with pytest.raises(BuildFailed) as e:
        build(src)
    p = e.value.problems[0]
    assert (p.file, p.line) == ("templates/page.html", 2)
    assert p.message.startswith("template error:")


def test_untrusted_titles_are_escaped(site):
    src = site({"content/index.md": "---\ntitle: \"<script>alert(1)</script>\"\n---\nHi"})
    html = text(build(src), "index.html")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_drafts_are_shown_when_serving(site):
    src = site(SMALL)
    files = build_site(load_config(src, serve_mode=True), MemoryWriter()).files
    assert b"Draft: this page is not published yet." in files["findings/draft/index.html"]


def test_dependencies_are_recorded_for_each_page(site):
    result = build_site(load_config(site(SMALL)), MemoryWriter())
    deps = result.dependencies["roadmap/index.html"]
    assert {"content/roadmap.md", "templates/page.html", "templates/base.html",
            "templates/partials/nav.html", "cxsite.yaml", "@navigation"} <= deps


@pytest.mark.slow
def test_large_site_builds_in_parallel_with_bounded_navigation(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    from make_site import make_site

    make_site(tmp_path, pages=120, sections=2, subsections=1)
    serial = build_site(load_config(tmp_path), MemoryWriter(), jobs=1).files
    parallel = build_site(load_config(tmp_path), MemoryWriter(), jobs=2).files
    assert serial == parallel
    page = text(parallel, "section-0/part-0/page-3/index.html")
    nav = page.split('<nav id="site-nav"')[1].split("</nav>")[0]
    assert nav.count("<a ") <= 50
    assert "more in Part 0.0" in nav


def test_disk_build_keeps_last_good_output_when_a_page_breaks(site):
    src = site(SMALL)
    config = load_config(src)
    build_site(config, DiskWriter(config.output, src))
    before = (config.output / "roadmap" / "index.html").read_bytes()
    (src / "content" / "roadmap.md").write_text("[x](missing.md)")
    with pytest.raises(BuildFailed):
        build_site(config, DiskWriter(config.output, src))
    assert (config.output / "roadmap" / "index.html").read_bytes() == before


@pytest.mark.slow
def test_installed_package_builds_a_content_only_site(tmp_path):
    """pip-installed cxsite (the wheel, theme included) builds a folder that has only content/."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    str(ROOT), "-w", str(wheel_dir)], check=True, capture_output=True, cwd=tmp_path)
    target = tmp_path / "installed"
    wheel = next(wheel_dir.glob("cxsite-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(target), str(wheel)], check=True, capture_output=True)
    site_dir = tmp_path / "mysite"
    (site_dir / "content").mkdir(parents=True)
    (site_dir / "content" / "index.md").write_text(
        "# Hello from an installed cxsite\n\n```chart\ndata: d.csv\nmark: bar\nx: a\ny: b\n"
        "title: A chart\n```\n")
    (site_dir / "data").mkdir()
    (site_dir / "data" / "d.csv").write_text("a,b\nx,1\ny,2\n")
    proc = subprocess.run([sys.executable, "-m", "cxsite", "--source", str(site_dir)],
                          env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (target / "bin" / "cxsite").is_file()
    html = (site_dir / "output" / "index.html").read_text()
    assert "<h1>Hello from an installed cxsite</h1>" in html
    assets = site_dir / "output" / "assets"
    for name in ("style.*.css", "vega-bundle.*.js", "cx-charts.*.js", "cx-charts.*.css"):
        assert list(assets.glob(name)), name
    assert "<svg" in html


def test_a_theme_can_write_its_own_menu(site):
    menu = ('<ul class="my-menu">{% for n in nav_root.children %}<li{% if n.url in open_urls %} '
            'class="open"{% endif %}><a href="{{ url(n.url) }}">{{ n.title }}</a></li>{% endfor %}</ul>')
    files = build(site({**SMALL, "templates/partials/nav.html": menu}))
    html = text(files, "findings/europe/index.html")
    assert '<ul class="my-menu"><li><a href="../../roadmap/">Roadmap</a></li><li class="open">' in html
