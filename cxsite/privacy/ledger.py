"""What each page publishes from protected files, as plain values that cross process boundaries
(pages render in worker processes), and what the site-wide audit decided about them.

A page records every aggregate of a protected file it would publish (a `Published`: the file, the
query, the group, its size and where it is shown), whether or not the site's verdict then
withholds it, so the record depends only on the page's own inputs. The audit reads the records
of every page and returns a `Verdict`: the aggregates withheld so that no small group can be
worked out from the others. A page records which parts of the verdict it was rendered with
(`used`); it is rendered again when they change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

AggregateKey = tuple[str, str, tuple[str, ...]]  # (data/x.csv, query text, group labels)


@dataclass(frozen=True)
class Published:
    """One aggregate of a protected file a page publishes (or would, but for the verdict)."""

    file: str  # data/x.csv
    query: str  # Query.text
    group: tuple[str, ...]  # (its size is not kept: the audit counts from the data itself)
    page: str  # the page's URL
    line: int | None  # the block's line in the page's file
    label: str  # the group as readers see it, e.g. "Business, Feb 2026"

    @property
    def key(self) -> AggregateKey:
        return (self.file, self.query, self.group)


@dataclass(frozen=True)
class TotalOf:
    """A block shows `value` of `column` as the total of the other groups of that column
    (a survey's reference group), so the audit treats it as their sum everywhere on the site."""

    file: str
    column: str
    value: str


@dataclass(frozen=True)
class SiteWithheld:
    """The audit's reason to withhold an aggregate: with it, a group smaller than the minimum
    could be worked out from figures on these pages (URL, title)."""

    see: tuple[tuple[str, str], ...] = ()


Verdict = Mapping[AggregateKey, SiteWithheld]


@dataclass
class PagePrivacy:
    """A page's record: what it publishes from protected files and what it was told."""

    published: list[Published] = field(default_factory=list)
    totals: list[TotalOf] = field(default_factory=list)
    used: dict[AggregateKey, SiteWithheld | None] = field(default_factory=dict)

    def lookup(self, verdict: Verdict, key: AggregateKey) -> SiteWithheld | None:
        """The verdict on one aggregate, remembered so the page knows what it depended on."""
        found = verdict.get(key)
        self.used[key] = found
        return found

    def agrees(self, verdict: Verdict) -> bool:
        """Whether the page was rendered with what this verdict says about its aggregates."""
        return all(verdict.get(key) == seen for key, seen in self.used.items())

    def __bool__(self) -> bool:
        return bool(self.published or self.totals or self.used)
