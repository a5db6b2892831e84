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
    lang: str = ""  # the code of the language whose menu this node is in ('' for the default)

    @property
    def key(self) -> str:
        """The node in every language: its URL without the language's prefix."""
        return self.url[len(self.lang) + 1:] if self.lang else self.url

    @property
    def fallback(self) -> bool:
        """A default-language page shown in another language's site until it is translated (a
        section made up from a folder is one when everything in it is)."""
        if self.page is None:
            return bool(self.lang and self.children) and all(c.fallback for c in self.children)
        return self.page.fallback

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
    """The menu of each language of the site: trees of nodes, found by URL."""

    root: NavNode  # the default language's home
    by_url: dict[str, NavNode]  # every node of every language
    order: list[NavNode]  # reading order, for previous/next: each language's in turn
    roots: dict[str, NavNode] = field(default_factory=dict)  # language code -> its home

    def neighbours(self, url: str) -> tuple[NavNode | None, NavNode | None]:
        """The previous and next page in reading order, in the same language."""
        i = self._index[url]
        lang = self.order[i].lang
        prev = self.order[i - 1] if i > 0 and self.order[i - 1].lang == lang else None
        nxt = self.order[i + 1] if i + 1 < len(self.order) and self.order[i + 1].lang == lang else None
        return prev, nxt

    def root_of(self, node: NavNode | None) -> NavNode:
        """The home of a node's language."""
        return self.roots.get(node.lang, self.root) if node is not None else self.root

    def version(self, node: NavNode, prefix: str) -> NavNode | None:
        """The same page in the language whose URLs start with `prefix`, if the site has it."""
        return self.by_url.get(prefix + node.key)

    def __post_init__(self) -> None:
        self._index = {n.url: i for i, n in enumerate(self.order)}
        self.roots = self.roots or {self.root.lang: self.root}


def merge(trees: list[Navigation]) -> Navigation:
    """One Navigation over the menus of several languages, the default language's first."""
    by_url: dict[str, NavNode] = {}
    order: list[NavNode] = []
    for t in trees:
        by_url.update(t.by_url)
        order.extend(t.order)
    return Navigation(trees[0].root, by_url, order, {t.root.lang: t.root for t in trees})


def page_title(page: Page) -> str:
    return page.title or title_from_name(page.source.key or page.source.rel)


def build_navigation(pages: list[Page], site_title: str, *, lang: str = "") -> Navigation:
    """Arrange one language's pages into sections by folder; sections without an index page
    get one made up. The default language's home is '', another's is '<code>/'."""
    home = lang + "/" if lang else ""
    by_url: dict[str, NavNode] = {}
    for p in pages:
        by_url[p.url] = NavNode(page_title(p), p.url, p.weight, p.source.is_index or p.url == home,
                                p, lang=lang)
    if home not in by_url:
        by_url[home] = NavNode(site_title, home, 0, True, None, lang=lang)
    by_url[home].is_section = True
    for p in pages:  # folders with pages but no index page of their own
        section = p.source.section
        while section and section != home and section not in by_url:
            name = section.rstrip("/").rsplit("/", 1)[-1]
            by_url[section] = NavNode(title_from_name(name + ".md"), section, 0, True, None, lang=lang)
            section = section.rstrip("/").rpartition("/")[0]
            section = section + "/" if section else ""
    for node in sorted(by_url.values(), key=lambda n: -n.url.count("/")):
        if node.page is None and node.children:  # a made-up section sorts where its pages do
            node.weight = min(c.weight for c in node.children)
        if node.url == home:
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

    walk(by_url[home])
    return Navigation(by_url[home], by_url, order)


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
