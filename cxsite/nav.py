"""The navigation tree: sections from folders, order from weights, prev/next and breadcrumbs."""
from __future__ import annotations

from dataclasses import dataclass, field

from .content import Page, title_from_name

MAX_CHILDREN_SHOWN = 40  # an open section with more pages shows these and a link to the rest


@dataclass
class NavNode:
    title: str
    url: str
    weight: int = 0
    is_section: bool = False
    page: Page | None = None  # None for a section with no _index.md (an automatic list page)
    parent: "NavNode | None" = field(default=None, repr=False)
    children: list["NavNode"] = field(default_factory=list)

    def sort_key(self) -> tuple:
        return (self.weight, self.title.lower(), self.url)

    def ancestors(self) -> list["NavNode"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]


@dataclass
class Navigation:
    root: NavNode
    by_url: dict[str, NavNode]
    order: list[NavNode]  # reading order, for previous/next

    def neighbours(self, url: str) -> tuple[NavNode | None, NavNode | None]:
        i = self._index[url]
        return (self.order[i - 1] if i > 0 else None,
                self.order[i + 1] if i + 1 < len(self.order) else None)

    def __post_init__(self) -> None:
        self._index = {n.url: i for i, n in enumerate(self.order)}


def page_title(page: Page) -> str:
    return page.title or title_from_name(page.source.rel)


def build_navigation(pages: list[Page], site_title: str) -> Navigation:
    """Arrange pages into sections by folder; sections without an index page get one made up."""
    by_url: dict[str, NavNode] = {}
    for p in pages:
        by_url[p.url] = NavNode(page_title(p), p.url, p.weight, p.source.is_index or p.url == "", p)
    if "" not in by_url:
        by_url[""] = NavNode(site_title, "", 0, True, None)
    by_url[""].is_section = True
    for p in pages:  # folders with pages but no index page of their own
        section = p.source.section
        while section and section not in by_url:
            name = section.rstrip("/").rsplit("/", 1)[-1]
            by_url[section] = NavNode(title_from_name(name + ".md"), section, 0, True, None)
            section = section.rstrip("/").rpartition("/")[0]
            section = section + "/" if section else ""
    for node in sorted(by_url.values(), key=lambda n: -n.url.count("/")):
        if node.page is None and node.children:  # a made-up section sorts where its pages do
            node.weight = min(c.weight for c in node.children)
        if node.url == "":
            continue
        parent_url = _parent_url(node)
        node.parent = by_url[parent_url]
        node.parent.children.append(node)
    order: list[NavNode] = []

    def walk(node: NavNode) -> None:
        node.children.sort(key=NavNode.sort_key)
        order.append(node)
        for child in node.children:
            walk(child)

    walk(by_url[""])
    return Navigation(by_url[""], by_url, order)


def _parent_url(node: NavNode) -> str:
    if node.page is not None and not node.is_section:
        return node.page.source.section
    trimmed = node.url.rstrip("/").rpartition("/")[0]
    return trimmed + "/" if trimmed else ""


def visible_children(node: NavNode, current_url: str) -> tuple[list[NavNode], int]:
    """The children an open section shows, always including the current page, and how many are hidden."""
    kids = node.children
    if len(kids) <= MAX_CHILDREN_SHOWN:
        return kids, 0
    shown = kids[:MAX_CHILDREN_SHOWN]
    current = _hidden_on_path(node, current_url)
    if current is not None:
        shown = shown + [current]
    return shown, len(kids) - len(shown)


def _hidden_on_path(node: NavNode, current_url: str) -> NavNode | None:
    """The hidden child of node that is, or holds, the current page (a lookup, not a scan:
    this runs for every page of a big section)."""
    hidden = node.__dict__.get("_hidden")
    if hidden is None:
        hidden = node.__dict__["_hidden"] = {k.url: k for k in node.children[MAX_CHILDREN_SHOWN:]
                                             if k.url}
    # the child's URL is a prefix of the current URL ending at a '/'
    end = current_url.find("/")
    while end != -1:
        found = hidden.get(current_url[:end + 1])
        if found is not None:
            return found
        end = current_url.find("/", end + 1)
    return None
