"""Generate a benchmark site: sections, links, tables and some Chinese, deterministic."""
from __future__ import annotations

import argparse
import random
from pathlib import Path

WORDS = ("customer experience loyalty promoter feedback journey service frontline team "
         "improve measure culture value proposition empathy outcome").split()
CHINESE = "客户体验转型计划以客户为中心的文化推动业绩和利润员工参与净推荐值"


def _paragraph(rng: random.Random, chinese: bool) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
    text = " ".join(words).capitalize() + "."
    if chinese:
        text += " " + "".join(rng.choice(CHINESE) for _ in range(60)) + "。"
    return text


def make_site(root: Path, pages: int = 1000, sections: int = 10, subsections: int = 5,
              seed: int = 1) -> Path:
    """Write ROOT/content with about `pages` pages in sections and subsections."""
    rng = random.Random(seed)
    content = root / "content"
    content.mkdir(parents=True, exist_ok=True)
    (content / "index.md").write_text("---\ntitle: Benchmark site\n---\nWelcome.\n", encoding="utf-8")
    paths: list[str] = []
    per_leaf = max(1, (pages - 1 - sections - sections * subsections) // (sections * subsections))
    for s in range(sections):
        for sub in range(subsections):
            for p in range(per_leaf):
                paths.append(f"section-{s}/part-{sub}/page-{p}.md")
    while len(paths) + 1 + sections + sections * subsections < pages:
        paths.append(f"section-0/extra-{len(paths)}.md")
    for s in range(sections):
        folder = content / f"section-{s}"
        folder.mkdir(exist_ok=True)
        (folder / "_index.md").write_text(f"---\ntitle: Section {s}\nweight: {s}\n---\nSection {s}.\n",
                                          encoding="utf-8")
        for sub in range(subsections):
            (folder / f"part-{sub}").mkdir(exist_ok=True)
            (folder / f"part-{sub}" / "_index.md").write_text(
                f"---\ntitle: Part {s}.{sub}\n---\nPart.\n", encoding="utf-8")
    for i, rel in enumerate(paths):
        depth = rel.count("/")
        target = rng.choice(paths)
        link = "../" * depth + target
        rows = "\n".join(f"| {rng.choice(WORDS)} | {rng.randint(0, 100)} | {rng.random():.2f} |"
                         for _ in range(8))
        body = (f"---\ntitle: Page {i} {rng.choice(WORDS)}\nweight: {i % 7}\n---\n"
                f"## Overview\n\n{_paragraph(rng, i % 5 == 0)}\n\nSee [a related page]({link}).\n\n"
                f"## Figures\n\n| item | score | share |\n|---|--:|--:|\n{rows}\n\n"
                f"## Notes\n\n{_paragraph(rng, False)}\n\n- point one\n- point **two**\n- `code`\n\n"
                f"!!! note \"Remember\"\n    {_paragraph(rng, False)}\n")
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return root


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("root", type=Path)
    ap.add_argument("--pages", type=int, default=1000)
    args = ap.parse_args()
    make_site(args.root, args.pages)
    print(f"wrote {sum(1 for _ in (args.root / 'content').rglob('*.md'))} pages under {args.root}")
