"""The one door to a protected file: blocks get aggregates, never rows.

`data.open_table()` returns a ProtectedTable for a protected file. A block asks it for groups
(`groups()`: the number of respondents and sums of what the block measures, per group) or, for a
file whose rows are already groups, for those rows (`rows()`). Either way the table

- leaves out every group smaller than the site's minimum (`privacy.min_group_size`);
- within one breakdown shown beside its total, also the smallest others, so that the small
  ones cannot be worked out by subtraction (complementary suppression, privacy.suppression);
- records every group it hands out in the page's ledger, and withholds those the site-wide
  audit says would let a small group be worked out from figures on other pages or blocks;
- says which groups were withheld and why, so the page can tell its readers.

Only sums and counts come out (a mean is a sum over a count), which is what the audit models.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..data import per_frame, require_columns
from ..errors import SiteError
from .ledger import Published, TotalOf
from .policy import Protection
from .query import Grouping, Key, Query, evaluate
from .suppression import withheld as small_and_complement
from .units import units_of

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from ..blocks import BlockContext

SMALL, COMPLEMENT, SITE = "small", "complement", "site"  # why a group is withheld


@dataclass(frozen=True)
class Withheld:
    """A group left out, with only its name kept: never its values."""

    names: dict[str, str]  # column -> the group's label (a key's column, or a group's column)
    reason: str  # SMALL, COMPLEMENT or SITE
    see: tuple[tuple[str, str], ...] = ()  # SITE: pages (URL, title) with the other figures

    def group(self, *columns: str) -> tuple[str, ...]:
        return tuple(self.names[c] for c in columns)


@dataclass
class Groups:
    """The publishable groups of a query: key columns, n and the sums asked for."""

    table: "pd.DataFrame"
    withheld: list[Withheld] = field(default_factory=list)


@dataclass
class Rows:
    """The publishable rows of a file of groups, and the groups withheld."""

    frame: "pd.DataFrame"
    withheld: list[Withheld] = field(default_factory=list)


@dataclass
class _Counted:
    """A query's groups before any withholding (cached: several blocks ask the same)."""

    grouping: Grouping
    n: "np.ndarray"
    sums: "pd.DataFrame"


class ProtectedTable:
    """A protected data file as a block sees it (see the module's docstring)."""

    def __init__(self, frame: "pd.DataFrame", protection: Protection, ctx: "BlockContext") -> None:
        self._frame = frame
        self.protection = protection
        self.rel = protection.rel
        self._ctx = ctx
        ctx.private = True  # what this page renders may hold nothing the site will not publish

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self._frame.columns]

    @property
    def min_n(self) -> int:
        return self._ctx.config.min_group_size

    def require(self, columns: Sequence[str], option: str | None = None) -> None:
        require_columns(self._frame, columns, self.rel, ctx=self._ctx, option=option)

    def kind(self, column: str) -> str:
        """'number', 'date' or 'text': what a column holds (data.column_kind)."""
        from ..data import column_kind

        return column_kind(self._frame, column)

    def names(self, column: str) -> list[str]:
        """The distinct labels of a column that names groups (segment, country), in file order:
        names of groups, which pages show anyway; never answers or sizes."""
        from .query import key_codes

        self.require([column])
        if column in (self.protection.size, "value", "score"):
            raise SiteError(f"the column '{column}' of {self.rel} holds answers, not names of groups",
                            file=self._ctx.file, line=self._ctx.line)
        return key_codes(self._frame, Key(column), self.rel)[1]

    def identity(self) -> "pd.DataFrame":
        """For a file of groups: the columns naming each row's group (kpi, period, country...),
        which pages show anyway; never the values, sizes or answers."""
        if self.protection.answers:
            from .notices import refused

            raise refused(self.protection, "this block", self._ctx)
        return self._frame[self.protection.identity(self._frame.columns)].copy()

    # --- aggregates ---------------------------------------------------------------------------
    def groups(self, *, where: Any = None, keys: Sequence[Key] = (), needs: Sequence[str] = (),
               measure: Callable[["pd.DataFrame"], "pd.DataFrame"] | None = None,
               measure_id: str = "", check: Callable[["pd.DataFrame"], None] | None = None,
               total: tuple[int, str] | None = None,
               label: Callable[[tuple[str, ...]], str] | None = None,
               only: Callable[[list[tuple[str, ...]]], Any] | None = None) -> Groups:
        """Per group of `keys` over the rows `where` selects (and whose `needs` columns hold a
        value): n, the respondents, and the sums of the columns `measure` computes from the rows.

        `check` validates the file's rows first (it raises SiteError). `total` = (position of a
        key, value) names the group shown as the total of the others in its breakdown: the groups
        that differ from it in that key alone; the smallest of them are withheld too when one is
        small. `only` picks, from the labels of all groups, the ones the block shows (a sentence
        quoting the latest month): the others are neither given nor recorded. Groups of a file of
        groups never mix statements.
        """
        import pandas as pd

        query = Query.of(where, keys, needs)
        counted = self._count(query, measure, measure_id, check)
        names = [k.column for k in keys]
        table = pd.DataFrame([list(g) for g in counted.grouping.labels] or None,
                             columns=names or None)
        if not names:
            table = pd.DataFrame(index=range(len(counted.grouping)))
        table["n"] = counted.n
        within = [c for i, c in enumerate(names) if total is None or i != total[0]]
        spare = table[names[total[0]]].eq(total[1]) if total is not None else None
        small, extra = small_and_complement(table, self.min_n, within, complement=total is not None,
                                            spare=spare)
        if total is not None:
            self._ctx.privacy.totals.append(TotalOf(self.rel, names[total[0]], total[1]))
        gone: list[Withheld] = []
        keep = []
        shown = set(only(list(counted.grouping.labels))) if only is not None else None
        for i, group in enumerate(counted.grouping.labels):
            named = dict(zip(names, group))
            if shown is not None and group not in shown:
                keep.append(False)
                continue
            if small.iat[i] or extra.iat[i]:
                gone.append(Withheld(named, SMALL if small.iat[i] else COMPLEMENT))
                keep.append(False)
                continue
            verdict = self._publish(query, group, label)
            keep.append(verdict is None)
            if verdict is not None:
                gone.append(Withheld(named, SITE, verdict.see))
        for col in counted.sums.columns:
            table[col] = counted.sums[col].to_numpy()
        return Groups(table[keep].reset_index(drop=True), gone)

    def rows(self, *, where: Any = None, pick: Callable[["pd.DataFrame"], Sequence] | None = None,
             label: Callable[[tuple[str, ...]], str] | None = None) -> Rows:
        """The rows `where` selects of a file whose rows are groups (an n or count column), each
        group whole or not at all. `pick` may choose some of the selected rows (it gets them and
        returns their index labels); only the groups of those are published."""
        import numpy as np

        if self.protection.answers:
            raise SiteError(f"{self.rel} holds individual answers, so its rows cannot be shown",
                            file=self._ctx.file, line=self._ctx.line)
        units = units_of(self._frame, self.protection)
        query = Query.of(where, [Key(c) for c in units.columns])
        grouping = self._count(query, None, "", None).grouping
        selected = grouping.codes >= 0
        if pick is not None:
            chosen = np.zeros(len(self._frame), dtype=bool)
            chosen[self._frame.index.get_indexer(list(pick(self._frame[selected])))] = True
            selected &= chosen
        published = np.zeros(len(grouping), dtype=bool)
        gone: list[Withheld] = []
        for g in np.unique(grouping.codes[selected]):
            group = grouping.labels[g]
            n = int(units.sizes[units.ids[grouping.codes == g][0]])
            named = dict(zip(units.columns, group))
            if n < self.min_n:
                gone.append(Withheld(named, SMALL))
                continue
            verdict = self._publish(query, group, label)
            if verdict is not None:
                gone.append(Withheld(named, SITE, verdict.see))
            else:
                published[g] = True
        keep = selected & published[np.maximum(grouping.codes, 0)]
        return Rows(self._frame[keep], gone)

    # --- internals --------------------------------------------------------------------------
    def _publish(self, query: Query, group: tuple[str, ...],
                 label: Callable[[tuple[str, ...]], str] | None) -> Any:
        """Record a group the page publishes; the site's verdict on it (None: publish it)."""
        ctx = self._ctx
        record = Published(self.rel, query.text, tuple(group), ctx.page_url, ctx.line,
                           label(group) if label else ", ".join(group))
        ctx.privacy.published.append(record)
        return ctx.privacy.lookup(ctx.verdict, record.key)

    def _count(self, query: Query, measure: Callable | None, measure_id: str,
               check: Callable | None) -> _Counted:
        def make() -> _Counted:
            if check is not None:
                check(self._frame)
            return count(self._frame, self.protection, self.rel, query, self._ctx, measure)

        return per_frame(self._frame, ("counted", self.rel, query.text, measure_id), make)


class OpenTable:
    """A file that is not protected, behind the same groups() as a ProtectedTable, so a block
    has one way to read either: every group is given, nothing is recorded or withheld."""

    def __init__(self, frame: "pd.DataFrame", rel: str, ctx: "BlockContext") -> None:
        self._frame, self.rel, self._ctx = frame, rel, ctx

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self._frame.columns]

    def require(self, columns: Sequence[str], option: str | None = None) -> None:
        require_columns(self._frame, columns, self.rel, ctx=self._ctx, option=option)

    def names(self, column: str) -> list[str]:
        from .query import key_codes

        self.require([column])
        return key_codes(self._frame, Key(column), self.rel)[1]

    def groups(self, *, where: Any = None, keys: Sequence[Key] = (), needs: Sequence[str] = (),
               measure: Callable | None = None, measure_id: str = "", check: Callable | None = None,
               total: Any = None, label: Any = None) -> Groups:
        import pandas as pd

        if check is not None:
            check(self._frame)
        counted = count(self._frame, None, self.rel, Query.of(where, keys, needs), self._ctx, measure)
        names = [k.column for k in keys]
        table = pd.DataFrame([list(g) for g in counted.grouping.labels] or None, columns=names or None) \
            if names else pd.DataFrame(index=range(len(counted.grouping)))
        table["n"] = counted.n
        for col in counted.sums.columns:
            table[col] = counted.sums[col].to_numpy()
        return Groups(table)


def grouping_of(frame: "pd.DataFrame", rel: str, query: Query, ctx: Any) -> Grouping:
    """evaluate(), once per loaded file: the audit asks again what the blocks asked."""
    return per_frame(frame, ("grouping", rel, query.text), lambda: evaluate(frame, rel, query, ctx))


def count(frame: "pd.DataFrame", found: Protection | None, rel: str, query: Query, ctx: Any,
          measure: Callable | None = None) -> _Counted:
    """Group the rows and count the respondents of each group (rows, for a file that is not
    protected), and sum the columns `measure` computes."""
    import numpy as np
    import pandas as pd

    grouping = grouping_of(frame, rel, query, ctx)
    codes = grouping.codes
    selected = codes >= 0
    size = len(grouping)
    if found is None or found.answers:
        n = np.bincount(codes[selected], minlength=size).astype(np.int64)
    else:
        units = units_of(frame, found)
        pairs = np.unique(np.stack([codes[selected], units.ids[selected]]), axis=1)
        n = np.bincount(pairs[0], weights=units.sizes[pairs[1]], minlength=size).astype(np.int64)
        if units.statements is not None:
            mixed = np.unique(np.stack([pairs[0], units.statements[pairs[1]]]), axis=1)[0]
            if len(mixed) != len(np.unique(mixed)):
                raise SiteError(
                    f"this block adds up answers to different statements of {rel}",
                    file=ctx.file, line=ctx.line,
                    hint="the same people answer every statement, so their numbers cannot be "
                         "added: choose one statement with 'where: {statement: ...}', or show "
                         "'statement' on an axis, as colours or as rows.")
    sums = pd.DataFrame(index=range(size))
    if measure is not None:
        values = measure(frame[selected])
        for col in values.columns:
            weights = np.nan_to_num(values[col].to_numpy(dtype="float64"))
            sums[col] = np.bincount(codes[selected], weights=weights, minlength=size)
    return _Counted(grouping, n, sums)
