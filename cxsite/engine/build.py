"""`build` and `check`: the whole site, or, when the last build left its record in the cache
folder (engine/state.py), only what changed since.

A build with nothing to do compares fingerprints and stamps and stops: it never loads the
pages, Markdown, Jinja, pandas or Altair. A build with something to do goes on from the last
build's IncrementalBuild, exactly as `serve` does after a save, so both give the bytes of a
clean build.
"""
from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..config import Config
from ..errors import BuildFailed
from .output import DiskWriter, WriteReport, Writer, check_cache_folder, check_output_folder
from .values import TODAY_INPUT, BuildResult, PageOutput
from .state import (Fingerprint, Index, Saved, StateStore, collector_relaxed, content_files,
                    environment_key, fingerprint, template_files)

if TYPE_CHECKING:  # imported when there is something to render: Markdown, Jinja and the rest
    from .incremental import IncrementalBuild, Update

SEARCH_FILES = "assets/search/"  # the search index's files (ASSET_DIR + search FOLDER)
TRACKED = ("data", "charts", "locales")  # besides content/ and the templates: folders blocks
# read from, and the site's own translation catalogues
OUTPUT_RACY_NS = 100_000_000  # output files written this close to the record are compared by
                              # content: a program could have changed them within a clock tick


def build(config: Config, writer: Writer | None, *, jobs: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> BuildResult:
    if isinstance(writer, DiskWriter):
        with collector_relaxed():  # the pages, the index and the record: millions of objects
            return _to_disk(config, writer, jobs, progress)
    from .incremental import IncrementalBuild

    if writer is None:  # check: nothing may be written, not even the chart cache
        config = dataclasses.replace(config, write_cache=False)
    inc = IncrementalBuild(config, jobs=jobs)
    inc.progress = progress
    try:
        update = inc.update(None)
    except BaseException:
        inc.close(now=True)
        raise
    inc.close()
    _raise_if_failed(update)
    files = inc.finish()
    report = writer.write_site(files) if writer is not None else None
    return _result(inc, files, update, report)


@dataclass
class Stock:
    """Where a build to disk starts from: the last build's record (None: none usable), and the
    fingerprints of the sources now, taken before anything is read."""

    key: str
    index: Index | None
    inputs: dict[str, Fingerprint]
    templates: dict[str, str]
    changed: set[str]  # sources changed since the record
    broken: set[str]  # output files deleted or edited since the record
    read: dict[str, tuple[tuple, bytes]] = dataclasses.field(default_factory=dict)
    # content files read for their fingerprints: rel -> (their stat key, their bytes)

    @property
    def nothing_to_do(self) -> bool:
        i = self.index
        return i is not None and not (self.changed or self.broken or i.redo or i.problems)


def take_stock(config: Config, writer: DiskWriter) -> Stock:
    """Check the folders, read the record, finish an interrupted write, compare the sources."""
    check_output_folder(config.output, config.source)
    check_cache_folder(config.cache_dir, config.source, config.output)
    key = environment_key(config)
    index = StateStore(config).load_index()
    if index is not None and (index.key != key or index.output != str(config.output)):
        index = None
    writer.stamps = dict(index.stamps) if index is not None else {}
    writer.prepare()  # finishes or clears an interrupted write
    read: dict[str, tuple[tuple, bytes]] = {}
    inputs, templates = fingerprints(config, index, read=read)
    changed: set[str] = set()
    broken: set[str] = set()
    if index is not None:
        changed = {rel for rel in inputs.keys() | index.inputs.keys()
                   if _digest(inputs.get(rel)) != _digest(index.inputs.get(rel))}
        broken = writer.changed_on_disk(index.stamps, index.saved_ns - OUTPUT_RACY_NS)
        if index.today is not None and index.today != config.effective_today():
            changed.add(TODAY_INPUT)  # a page shows the date, and it is another day
    return Stock(key, index, inputs, templates, changed, broken, read)


def resume(config: Config, writer: DiskWriter, stock: Stock, inc: "IncrementalBuild") -> set[str] | None:
    """Make `inc` the last build's, from its record; returns what changed since, or None when
    there is no usable record (everything must be rendered)."""
    saved = StateStore(config).load_saved(stock.index) if stock.index is not None else None
    inc.read_output = writer.read
    if saved is None:
        writer.stamps = {}  # nothing known: the writer compares with what is on disk
        return None
    inc.restore(saved.fields, StateStore(config).bodies())
    inc.confirm((rel[len("content/"):] for rel in stock.inputs
                 if rel.startswith("content/") and rel not in stock.changed),
                {rel[len("content/"):]: (fp.size, fp.mtime_ns) for rel, fp in stock.inputs.items()
                 if rel.startswith("content/")})
    inc.redo({stock.index.owners[p] for p in stock.broken if p in stock.index.owners})
    if any(p.startswith(SEARCH_FILES) for p in stock.broken):
        inc.reindex()  # the kept index trusts its files on disk
    return set(stock.changed)


def record(config: Config, writer: DiskWriter, stock: Stock, inc: "IncrementalBuild",
           update: "Update", sources: tuple[dict[str, Fingerprint], dict[str, str]] | None = None,
           live: set[str] = frozenset(), written: Callable[[], object] = lambda: None) -> None:
    """After a good write: remove the cache entries no page uses any more (`live`: entries
    used elsewhere, such as serve's draft pages), and keep the record for the next build
    (`sources`: fingerprints() taken later than the stock's). `written` waits for the write,
    when it is still going on: the record's pages are saved meanwhile, its index after."""
    from .cache import Cache

    if update.rendered or stock.index is None:
        used = set(live).union(*(o.cache_keys for o in inc.outputs.values()))
        Cache.for_config(config).prune(used)
    owners = {path: o.url for o in inc.outputs.values() for path in (o.path, *o.files)}
    store = StateStore(config)
    try:
        snapshot = inc.snapshot(store.bodies())
    except OSError:  # a full disk costs the next build its speed, never this build
        store.clear()
        written()
        return
    dated = any(TODAY_INPUT in o.inputs for o in inc.outputs.values())
    inputs, templates = sources or (stock.inputs, stock.templates)

    def index() -> Index:
        written()  # the stamps of every file written
        return Index("", stock.key, str(config.output), inputs, templates,
                     dict(writer.stamps), owners, update.problems,
                     len(inc.outputs), {o.url for o in inc.outputs.values() if o.problems},
                     today=inc.today if dated else None)

    store.save(index, Saved("", snapshot))


def _to_disk(config: Config, writer: DiskWriter, jobs: int | None,
             progress: Callable[[int, int], None] | None) -> BuildResult:
    stock = take_stock(config, writer)
    if stock.nothing_to_do:  # without loading a page, or importing what renders them
        index = stock.index
        return BuildResult({}, list(index.problems), {}, index.pages,
                           WriteReport([], len(index.stamps), []))
    from .incremental import IncrementalBuild

    inc = IncrementalBuild(config, jobs=jobs)
    inc.progress = progress
    inc.preread = stock.read
    early = writer.start_new()  # a new or empty output folder: pages are written as made
    if early:
        inc.expect = writer.expect
        inc.rendered = lambda outputs, more: writer.put({**_page_files(outputs), **more})
        inc.early_log = StateStore(config).bodies()
    try:
        update = inc.update(resume(config, writer, stock, inc))
        if not update.ok:
            writer.abandon()
    except BaseException:
        inc.close(now=True)
        writer.abandon()
        raise
    inc.close()
    _raise_if_failed(update)
    files = inc.finish()
    # the last files are written while the record is made (its pages are pickled: CPU work,
    # while writing is mostly the system's, which does not hold Python's lock)
    writing = _Background(lambda: writer.write_site(files))
    try:
        record(config, writer, stock, inc, update, written=writing.result)
    finally:
        report = writing.result()
    inc.wrote()
    return _result(inc, files, update, report)


class _Background:
    """A function run in a thread; result() waits for it and gives what it returned, or
    raises what it raised."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self._work, self._value, self._error = work, None, None
        self._thread = threading.Thread(target=self._run, name="cxsite-write", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as exc:  # noqa: BLE001 (given to the caller of result())
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _page_files(outputs: list[PageOutput]) -> dict[str, bytes]:
    """The files of rendered pages, for writing before the rest of the site is made."""
    files: dict[str, bytes] = {}
    for o in outputs:
        files.update({p: d for p, d in o.files.items() if d is not None})
        if o.html is not None:
            files[o.path] = o.html
    return files


def fingerprints(config: Config, index: Index | None, newer_than: int | None = None,
                 read: dict[str, tuple[tuple, bytes]] | None = None
                 ) -> tuple[dict[str, Fingerprint], dict[str, str]]:
    """The fingerprint of every file a build may read, taken before it reads any (a file saved
    during the build is then seen as changed by the next one): content/, the templates (the
    site's and the built-in theme's), data/, charts/. Files modified at `newer_than` (ns since
    the epoch) or later are left out, so the next build takes them as changed. `read` receives
    the bytes of the pages read meanwhile (those without a fingerprint to compare with)."""
    old = index.inputs if index is not None else {}
    old_templates = index.templates if index is not None else {}
    content = content_files(config.content_dir) if config.content_dir.is_dir() else frozenset()
    templates = template_files(config)
    content_dir = config.content_dir
    paths: dict[str, Path] = {"content/" + rel: content_dir / rel for rel in content}
    for name, root in templates.items():
        paths["templates/" + name] = Path(root) / name
    for folder in TRACKED:
        for rel in content_files(config.source / folder) if (config.source / folder).is_dir() else ():
            paths[f"{folder}/{rel}"] = config.source / folder / rel
    found: dict[str, Fingerprint] = {}
    now = time.time_ns()
    for rel, path in paths.items():
        same_place = not rel.startswith("templates/") or \
            old_templates.get(rel[len("templates/"):]) == templates.get(rel[len("templates/"):])
        keep = None
        if read is not None and rel.endswith(".md") and rel.startswith("content/"):
            keep = lambda st, data, rel=rel[len("content/"):]: read.__setitem__(  # noqa: E731
                rel, ((st.st_mtime_ns, st.st_size, st.st_ino), data))
        fp = fingerprint(path, old.get(rel) if same_place else None, now, newer_than, keep)
        if fp is not None:
            found[rel] = fp
    return found, templates


def _digest(fp: Fingerprint | None) -> str | None:
    return fp.digest if fp is not None else None


def _raise_if_failed(update: Update) -> None:
    if not update.ok:
        raise BuildFailed(update.problems)


def _result(inc: IncrementalBuild, files: dict[str, bytes | None], update: Update,
            report: WriteReport | None) -> BuildResult:
    outputs: dict[str, PageOutput] = dict(inc.outputs)
    return BuildResult(files, update.problems, {o.path: o.inputs for o in outputs.values()},
                       len(outputs), report, outputs, update.rendered)

