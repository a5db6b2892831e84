"""The example site on every surface an employee reads it on, measured in Chromium: opened from
a file share, on a phone, printed, without JavaScript, in dark mode, with a screen reader."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from httpfolder import served_folder
from cxsite.config import load_config
from cxsite.engine.output import DiskWriter
from cxsite.engine.site import build_site

pytestmark = pytest.mark.slow  # browser and end-to-end

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def example_out(tmp_path_factory) -> Path:
    """The example site, built once into a temporary folder; its output folder."""
    src = tmp_path_factory.mktemp("surfaces") / "site"
    src.mkdir()
    for name in ("content", "data", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name)
    shutil.copy(ROOT / "cxsite.yaml", src / "cxsite.yaml")
    config = load_config(src, src.parent / "out")
    build_site(config, DiskWriter(config.output, src))
    return config.output


@pytest.fixture(scope="module")
def served(example_out):
    """The example served over http from 127.0.0.1 under a sub-path (/cx/), as an intranet
    would; yields the site's base URL."""
    mount = example_out.parent / "cx"
    if not mount.exists():
        mount.symlink_to(example_out, target_is_directory=True)
    with served_folder(example_out.parent, "cx/") as url:
        yield url


def pages(out: Path) -> list[str]:
    """Every page of the site, as paths relative to its root ('' is the home page)."""
    return sorted(str(p.parent.relative_to(out)).replace(".", "") + "/" if p.parent != out else ""
                  for p in out.rglob("index.html"))


def open_page(browser, url: str, **context):
    """A page with every request, failed response and console message recorded."""
    ctx = browser.new_context(**context)
    p = ctx.new_page()
    p.requests, p.failed, p.console = [], [], []
    p.on("request", lambda r: p.requests.append(r.url))
    p.on("response", lambda r: p.failed.append(r.url) if r.status >= 400 else None)
    p.on("requestfailed", lambda r: p.failed.append(r.url))
    p.on("console", lambda m: p.console.append((m.type, m.text)))
    p.on("pageerror", lambda e: p.console.append(("error", str(e))))
    p.goto(url)
    return p


# --- 1. from a file share ----------------------------------------------------------------------
def _file_target(href: str) -> Path | None:
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(href)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def test_from_a_file_share_every_link_opens_a_page(browser, example_out):
    """Menu, breadcrumbs, pager, section lists and search results: each link opened from disk
    names a file that exists (a folder would show its listing)."""
    checked = 0
    for rel in pages(example_out):
        url = (example_out / rel / "index.html").as_uri()
        p = open_page(browser, url)
        p.wait_for_load_state("load")
        hrefs = p.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        for href in hrefs:
            target = _file_target(href.split("#")[0].split("?")[0])
            if target is None:
                continue
            assert target.is_file(), f"{rel or 'home'}: a link opens {target}, not a page"
            checked += 1
        action = p.eval_on_selector_all("form[role=search]", "fs => fs.map(f => f.action)")
        for a in action:
            assert _file_target(a).is_file(), a
        p.context.close()
    assert checked > 100

    # following links with the mouse, and a search result added by the script
    p = open_page(browser, (example_out / "index.html").as_uri())
    p.click("nav.site-nav a[href*='roadmap']")
    p.wait_for_load_state("load")
    assert p.url.endswith("/roadmap/index.html") and "roadmap" in p.title().lower()
    p.click("a.pager-next")
    p.wait_for_load_state("load")
    assert p.url.endswith("/index.html") and p.query_selector("main h1") is not None
    p.fill("#site-search-q", "roadmap")
    p.wait_for_selector(".search-popup [role=option] a", timeout=10000)
    p.click(".search-popup [role=option] a >> nth=0")
    p.wait_for_load_state("load")
    assert p.url.split("#")[0].endswith("index.html") and p.query_selector("main h1") is not None
    p.context.close()


def test_over_http_links_stay_clean(browser, served):
    p = open_page(browser, served)
    hrefs = p.eval_on_selector_all("nav.site-nav a[href]", "els => els.map(a => a.getAttribute('href'))")
    assert hrefs and not any(h.endswith("index.html") for h in hrefs)
    p.context.close()


# --- 2. on a phone -----------------------------------------------------------------------------
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
MEASURE_CHARTS = """() => {
  const main = document.querySelector('main').getBoundingClientRect();
  return [...document.querySelectorAll('main figure.cx-chart svg.marks')].filter(s => s.getBoundingClientRect().width > 0).map(svg => {
    const r = svg.getBoundingClientRect();
    const sizes = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
      const m = t.getScreenCTM();
      return parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    });
    return {id: svg.closest('figure').id, left: r.left, right: r.right, mainLeft: main.left,
            mainRight: main.right, minText: Math.min(...sizes), texts: sizes.length};
  });
}"""


def charts_ready(p) -> None:
    """Wait until every chart of the page is interactive (or there are none)."""
    p.wait_for_load_state("load")
    p.wait_for_function("[...document.querySelectorAll('figure.cx-chart')].every(f => "
                        "f.classList.contains('cx-chart--live'))", timeout=20000)


def test_on_a_phone_pages_fit_and_chart_text_is_legible(browser, served, example_out):
    seen = 0
    for rel in pages(example_out):
        p = open_page(browser, served + rel, **PHONE)
        charts_ready(p)
        assert p.evaluate("document.documentElement.scrollWidth") <= 390, f"{rel}: the page scrolls sideways"
        for chart in p.evaluate(MEASURE_CHARTS):
            seen += 1
            assert chart["mainLeft"] - 1 <= chart["left"] and chart["right"] <= chart["mainRight"] + 1, (rel, chart)
            assert chart["texts"] and chart["minText"] >= 11, (rel, chart)
        p.context.close()
    assert seen >= 8


def test_on_a_phone_the_roadmap_is_a_list_by_stage(browser, served, example_out):
    import csv

    p = open_page(browser, served + "roadmap/", **PHONE)
    charts_ready(p)
    listing = p.locator(".cx-roadmap-list")
    assert listing.is_visible()
    assert not p.locator(".cx-roadmap .cx-chart-view").is_visible()
    text = listing.inner_text()
    rows = list(csv.DictReader((example_out / "roadmap" / "roadmap.csv").open(encoding="utf-8")))
    stages = [r["Item"] for r in rows if r["Type"] == "phase"]
    assert stages and all(s in text for s in stages)
    for r in rows:
        if r["Type"] != "phase":
            assert r["Item"] in text and r["Status"] in text
    # its text is body size, and it fits the screen
    sizes = p.eval_on_selector_all(".cx-roadmap-list li", "ls => ls.map(l => parseFloat(getComputedStyle(l).fontSize))")
    assert min(sizes) >= 14
    assert p.evaluate("document.documentElement.scrollWidth") <= 390
    p.context.close()

    desktop = open_page(browser, served + "roadmap/", viewport={"width": 1280, "height": 900})
    assert not desktop.locator(".cx-roadmap-list").is_visible()
    assert desktop.locator(".cx-roadmap .cx-chart-view").is_visible()
    desktop.context.close()


def test_on_a_phone_without_javascript_nothing_scrolls_the_page(browser, served, example_out):
    for rel in pages(example_out):
        p = open_page(browser, served + rel, java_script_enabled=False, **PHONE)
        assert p.evaluate("document.documentElement.scrollWidth") <= 390, rel
        sizes = p.evaluate(MEASURE_CHARTS)
        assert all(s["minText"] >= 11 for s in sizes), (rel, sizes)
        p.context.close()


# --- 3. static pictures: the browser's font, nothing clipped ------------------------------------
STATIC_TEXT = r"""() => {
  const out = [];
  for (const svg of document.querySelectorAll('figure.cx-chart .cx-chart-static svg')) {
    const fig = svg.closest('figure');
    const W = svg.viewBox.baseVal.width, H = svg.viewBox.baseVal.height;
    const box = svg.getBoundingClientRect(), s = box.width / W;
    const squeeze = s => s.replace(/\s+/g, '');
    const cells = [...fig.querySelectorAll('td, th, caption, figcaption')].map(c => squeeze(c.textContent));
    for (const t of svg.querySelectorAll('text')) {
      const lines = [...t.querySelectorAll('tspan')].map(s => s.textContent);
      const text = (lines.length ? lines.join(' ') : t.textContent).trim();
      if (!text) continue;
      const r = t.getBoundingClientRect();
      out.push({fig: fig.id, text, x0: (r.left - box.left) / s, x1: (r.right - box.left) / s,
                y0: (r.top - box.top) / s, y1: (r.bottom - box.top) / s, W, H,
                full: text.endsWith('…') ? cells.some(c => c.startsWith(squeeze(text.slice(0, -1)))) : true});
    }
  }
  return out;
}"""


def test_static_charts_keep_every_label_whole_inside_the_picture(browser, served, example_out):
    """Without JavaScript (and in print) the build-time SVG shows: drawn with the font the page
    loads, each label lies inside its picture, and a shortened one ends in '…' with its full
    text in the chart's table."""
    seen = 0
    for rel in pages(example_out):
        p = open_page(browser, served + rel, java_script_enabled=False,
                      viewport={"width": 1280, "height": 900})
        p.evaluate("document.fonts.ready.then(() => true)")
        texts = p.evaluate(STATIC_TEXT)
        for t in texts:
            inside = t["x0"] >= -0.5 and t["y0"] >= -0.5 and t["x1"] <= t["W"] + 0.5 and t["y1"] <= t["H"] + 0.5
            assert inside, f"{rel or 'home'}: '{t['text']}' spills out of chart {t['fig']}: {t}"
            assert t["full"], f"{rel}: '{t['text']}' is shortened and its full text is nowhere in {t['fig']}"
        seen += len(texts)
        if texts:
            assert p.evaluate("document.fonts.check('12px \"Noto Sans\"')")
            loaded = [u for u in p.requests if u.endswith(".woff2")]
            assert loaded and all(u.startswith(served) for u in loaded)
        p.context.close()
    assert seen > 200


# --- 4. print -------------------------------------------------------------------------------------
A4 = {"width": 794, "height": 1123}  # CSS px at 96 dpi; page.pdf prints without margins


def pdf_pages(p, path: Path) -> list[str]:
    """The page printed to PDF by Chromium, as the text of each PDF page (poppler's pdftotext)."""
    import subprocess

    exe = shutil.which("pdftotext")
    if exe is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdftotext is not installed; scripts/test installs poppler-utils")
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    p.pdf(path=str(path), format="A4", print_background=True)
    text = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          encoding="utf-8", check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")]


def check_printed_charts(p, pages: list[str]) -> int:
    """Each chart lies within the page's width and height, and is printed on one page."""
    p.emulate_media(media="print")
    sizes = p.eval_on_selector_all("figure.cx-chart", """fs => fs.map(f => {
        const s = f.querySelector('.cx-chart-static svg').getBoundingClientRect();
        const m = document.querySelector('main').getBoundingClientRect();
        return {id: f.id, w: s.width, h: s.height, right: s.right, mainRight: m.right,
                texts: [...f.querySelectorAll('.cx-chart-static svg text')].flatMap(t => t.querySelector('tspan')
                    ? [...t.querySelectorAll('tspan')].map(s => s.textContent.trim()) : [t.textContent.trim()])
                    .filter(t => t.length > 3 && !t.endsWith('…'))};
    })""")
    for chart in sizes:
        assert chart["w"] > 100 and chart["right"] <= chart["mainRight"] + 1, chart["id"]
        assert chart["h"] <= A4["height"] * 0.9, chart["id"]
        # the PDF page with most of the chart's labels has all of them: it is not split
        assert len(chart["texts"]) >= 3, chart
        best = max(pages, key=lambda page: sum(t in page for t in chart["texts"]))
        assert [t for t in chart["texts"] if t not in best] == [], f"{chart['id']} is split across PDF pages"
    return len(sizes)


@pytest.mark.parametrize("javascript", [True, False])
def test_the_printed_roadmap_lists_every_item_and_keeps_the_chart_whole(browser, served, example_out,
                                                                         tmp_path, javascript):
    import csv

    p = open_page(browser, served + "roadmap/", viewport=A4, java_script_enabled=javascript)
    if javascript:
        charts_ready(p)
    pages = pdf_pages(p, tmp_path / "roadmap.pdf")
    words = set(" ".join(pages).split())
    ids = [r["ID"] for r in csv.DictReader((example_out / "roadmap" / "roadmap.csv").open(encoding="utf-8"))]
    assert len(ids) == 31 and [i for i in ids if i not in words] == []
    assert check_printed_charts(p, pages) == 1
    p.context.close()


def test_the_printed_kpi_page_names_every_kpi_and_keeps_charts_whole(browser, served, tmp_path):
    import yaml

    p = open_page(browser, served + "kpis/", viewport=A4)
    charts_ready(p)
    pages = pdf_pages(p, tmp_path / "kpis.pdf")
    definitions = yaml.safe_load((ROOT / "data" / "kpi_definitions.yaml").read_text(encoding="utf-8"))
    names = [d["name"]["en"] if isinstance(d["name"], dict) else d["name"] for d in definitions]
    whole = " ".join(pages)
    assert len(names) == 5 and [n for n in names if n not in whole] == []
    assert check_printed_charts(p, pages) >= 3
    p.context.close()


# --- 5. favicon, console, axe-core, screen readers ------------------------------------------------
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def test_every_page_is_quiet_and_has_its_own_favicon(browser, served, example_out):
    """No console error or warning, no failed request, and the icon comes from the site itself
    (linked relative, so it works under a sub-path such as /cx/)."""
    for rel in pages(example_out) + ["search/?q=nps"]:
        p = open_page(browser, served + rel, viewport={"width": 1280, "height": 900})
        charts_ready(p)
        p.wait_for_timeout(300)
        assert p.console == [], (rel, p.console)
        assert p.failed == [], (rel, p.failed)
        icon = p.eval_on_selector("link[rel=icon]", "l => l.href")
        assert icon.startswith(served) and p.request.get(icon).ok
        assert not any(u.endswith("/favicon.ico") for u in p.requests), rel
        p.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_wcag_aa_violation_on_any_page(browser, served, example_out, scheme):
    failures = {}
    for rel in pages(example_out) + ["search/?q=nps", "no-such-page/"]:
        p = open_page(browser, served + rel, viewport={"width": 1280, "height": 900}, color_scheme=scheme)
        if rel != "no-such-page/":
            charts_ready(p)
        p.add_script_tag(path=str(AXE))
        found = p.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                           ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))",
                           WCAG_AA)
        if found:
            failures[rel or "home"] = found
        p.context.close()
    assert failures == {}


def test_a_screen_reader_hears_the_roadmap_in_words(browser, served, example_out):
    """The live Gantt chart is one image named by its caption and description (as the static
    one is), never its marks' field names; its table gives each item's real dates in words."""
    import csv

    items = [r for r in csv.DictReader((example_out / "roadmap" / "roadmap.csv").open(encoding="utf-8"))
             if r["Type"] != "phase"]
    p = open_page(browser, served + "roadmap/", viewport={"width": 1280, "height": 900})
    charts_ready(p)
    fig = p.locator(".cx-roadmap figure.cx-chart")
    svg = fig.locator(".cx-chart-live svg.marks")
    assert svg.get_attribute("role") == "img"
    name = p.evaluate("id => document.getElementById(id).textContent",
                      svg.get_attribute("aria-labelledby"))
    assert name.startswith("Programme roadmap") and "Gantt chart of 5 workstreams" in name
    said = " ".join(p.eval_on_selector_all(".cx-roadmap [aria-label]", "es => es.map(e => e.getAttribute('aria-label'))"))
    assert not any(raw in said for raw in ("done_to", "start:", "end:", "row:", "status:"))
    # the table: each item's last day as in the data (the chart draws bars to the next midnight)
    cells = p.eval_on_selector_all(".cx-roadmap .cx-chart-data tbody tr",
                                   "trs => trs.map(tr => [...tr.cells].map(c => c.textContent))")
    ends = {row[1]: row[5] for row in cells}
    assert all(ends[r["ID"]] == r["End"] for r in items) and len(items) == 28
    p.context.close()


# --- 6. the Gantt chart on a desktop ----------------------------------------------------------
def test_the_gantt_chart_shows_whole_names_at_body_size_across_the_column(browser, served, example_out):
    import csv

    rows = list(csv.DictReader((example_out / "roadmap" / "roadmap.csv").open(encoding="utf-8")))
    p = open_page(browser, served + "roadmap/", viewport={"width": 1280, "height": 900})
    charts_ready(p)
    fig = p.locator(".cx-roadmap figure.cx-chart")
    labels = p.evaluate("""() => [...document.querySelectorAll('.cx-roadmap .cx-chart-live .role-axis-label text')]
        .map(t => [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' ') || t.textContent)""")
    squeezed = {"".join(label.split()) for label in labels}
    for r in rows:
        if r["Type"] != "phase":  # the whole name, in one or two lines
            assert "".join(r["Item"].split()) in squeezed, r["Item"]
    stages = p.evaluate("""() => [...document.querySelectorAll('.cx-roadmap .cx-chart-live .role-mark text')]
        .map(t => [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' ') || t.textContent)""")
    for r in rows:
        if r["Type"] == "phase":  # a stage name from the data, shortened with '…' only where its band is narrow
            assert any(r["Item"].startswith(s.rstrip("…").strip()) and len(s) > 8 for s in stages), r["Item"]
    sizes = p.evaluate(MEASURE_CHARTS)
    assert sizes and min(s["minText"] for s in sizes) >= 12
    width = fig.locator(".cx-chart-live svg.marks").bounding_box()["width"]
    column = p.locator("main article").bounding_box()["width"]
    assert width >= 0.95 * column
    quiet = p.evaluate("""() => [...document.querySelectorAll('.cx-roadmap .cx-chart-live .mark-rule line')]
        .filter(l => l.getAttribute('stroke-dasharray')).map(l => parseFloat(l.getAttribute('stroke-opacity') || l.getAttribute('opacity') || 1))""")
    assert quiet and max(quiet) <= 0.35  # dependency lines stay in the background
    # the table's dates stay on one line
    p.click(".cx-roadmap details.cx-chart-data summary")
    lines = p.eval_on_selector_all(".cx-roadmap td.date", """tds => tds.filter(td => td.textContent).map(td => {
        const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length; })""")
    assert len(lines) > 40 and set(lines) == {1}
    p.context.close()


# --- 7. chart defaults ----------------------------------------------------------------------------
LIVE_TEXT = """() => [...document.querySelectorAll('.cx-chart-live svg.marks')].map(svg => ({
    id: svg.closest('figure').id,
    titles: [...svg.querySelectorAll('.role-axis-title text, .role-legend-title text')].map(t => t.textContent),
    labels: [...svg.querySelectorAll('.role-axis-label text')].map(t => t.textContent),
    sizes: [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => parseFloat(getComputedStyle(t).fontSize)),
}))"""


def test_chart_defaults_read_as_a_designer_would_set_them(browser, served, example_out):
    import re
    import statistics

    months = re.compile(r"^[A-Z][a-z]{2,3} \d{4}$")  # 'Jul 2024' ('Sept' in British English)
    for rel in ["kpis/", "why-cx-pays/", "findings/ama-survey/", "findings/gallup-europe/"]:
        p = open_page(browser, served + rel, viewport={"width": 1280, "height": 900})
        charts_ready(p)
        for chart in p.evaluate(LIVE_TEXT):
            for title in chart["titles"]:  # written for readers, not raw column names
                assert "_" not in title and title[:1] == title[:1].upper(), (rel, chart["id"], title)
            for label in chart["labels"]:  # one date style: 'Jul 2024'
                if re.search(r"\b(19|20)\d\d\b", label) or label in ("January", "April", "July", "October"):
                    assert months.match(label), (rel, chart["id"], label)
            assert min(chart["sizes"]) >= 12 and statistics.median(chart["sizes"]) >= 13, (rel, chart["id"])
        p.context.close()

    p = open_page(browser, served + "kpis/", viewport={"width": 1280, "height": 900})
    one_line = """els => els.map(e => {  // lines of visible text (screen-reader-only words aside)
        const tops = new Set(), walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            if (n.parentElement.closest('.visually-hidden') || !n.textContent.trim()) continue;
            const r = document.createRange(); r.selectNodeContents(n);
            for (const x of r.getClientRects()) tops.add(Math.round(x.bottom));
        }
        return tops.size; })"""
    assert set(p.eval_on_selector_all(".cx-kpi-value, .cx-kpi-change", one_line)) == {1}
    assert set(p.eval_on_selector_all(".cx-kpi-status", one_line)) == {1}
    widths = p.eval_on_selector_all(".cx-spark", "ss => ss.map(s => s.getBoundingClientRect().width)")
    assert widths and min(widths) >= 200  # trend lines big enough to read
    p.context.close()


# --- 8. dark mode -----------------------------------------------------------------------------
def _luminance(css: str) -> float:
    import re

    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@pytest.mark.parametrize("javascript", [True, False])
def test_dark_mode_follows_the_system_and_keeps_charts_legible(browser, served, javascript):
    """With the system in dark mode the page turns dark (axe checks contrast on every page in
    both schemes above); each chart, static or live, keeps its colours on a light card."""
    for rel, scheme in [("kpis/", "dark"), ("kpis/", "light")]:
        p = open_page(browser, served + rel, viewport={"width": 1280, "height": 900}, color_scheme=scheme,
                      java_script_enabled=javascript)
        if javascript:
            charts_ready(p)
        body = _luminance(p.evaluate("getComputedStyle(document.body).backgroundColor"))
        text = _luminance(p.evaluate("getComputedStyle(document.body).color"))
        contrast = (max(body, text) + 0.05) / (min(body, text) + 0.05)
        assert contrast >= 7
        assert (body < 0.05) == (scheme == "dark")
        cards = p.eval_on_selector_all("figure.cx-chart .cx-chart-view",
                                       "vs => vs.map(v => getComputedStyle(v).backgroundColor)")
        if scheme == "dark":
            assert cards and all(_luminance(c) > 0.9 for c in cards)
        p.context.close()


# --- 9. the home page at a glance -------------------------------------------------------------
def test_the_home_page_answers_where_do_we_stand(browser, served, example_out):
    import csv

    items = [r for r in csv.DictReader((example_out / "roadmap" / "roadmap.csv").open(encoding="utf-8"))
             if r["Type"] != "phase"]
    p = open_page(browser, served, viewport={"width": 1280, "height": 900})
    charts_ready(p)
    # headline KPI cards, above the fold's second screen
    cards = p.locator("main .cx-kpi")
    assert cards.count() == 4 and "Net Promoter Score" in cards.first.inner_text()
    assert cards.first.bounding_box()["y"] < 1200
    # the roadmap's status: counts that add up to every item, the next milestones, what is at risk
    counts = p.eval_on_selector_all(".cx-roadmap-status .cx-count", "cs => cs.map(c => c.innerText)")
    assert sum(int(c.split()[0]) for c in counts) == len(items)
    for status in ("done", "on track", "at risk"):
        n = sum(1 for r in items if r["Status"] == status)
        assert f"{n} {status}" in [" ".join(c.split()) for c in counts]
    summary = p.locator(".cx-roadmap-status .cx-roadmap-aside").inner_text()
    assert "Upcoming milestones" in summary and "Stage 2 review with the executive committee" in summary
    # latest findings as big numbers
    assert "56%" in p.locator(".cx-highlights").inner_text()
    # no section listed twice: the automatic list is the only list of the site's sections
    lists = p.eval_on_selector_all("main article ul, main article dl",
                                   "ls => ls.filter(l => l.querySelector('a[href*=\"why-cx-pays\"]') && l.querySelector('a[href*=\"kpis\"]')).length")
    assert lists == 1
    p.context.close()
