"""Every word the privacy rules show: the notes under blocks that say which groups were withheld
and why, the short text in place of a withheld number, and the messages refusing a protected
file. Kept in one place so they can go through the translation catalogue together."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

from .. import fmt
from ..errors import SiteError
from .table import COMPLEMENT, SITE, SMALL, Withheld

if TYPE_CHECKING:
    from ..blocks import BlockContext
    from .policy import Protection

AGGREGATES = "a chart block with 'aggregate: mean' (or sum, count), a kpi block or a survey block"


def small(min_n: int) -> str:
    """Why a group is missing: too few people answered."""
    return f"fewer than {min_n} responses"


def short(reason: str, min_n: int) -> str:
    """What a card or a sentence shows instead of a withheld number."""
    if reason == SMALL:
        return small(min_n)
    return "withheld so that a smaller group cannot be worked out"


def no_comparison(period: str, reason: str, min_n: int) -> str:
    """A card's change line when the period it compares with is withheld."""
    return f"{period}: {short(reason, min_n)}, no comparison"


def note(withheld: Sequence[tuple[str, Withheld]], ctx: "BlockContext") -> str:
    """The note under a block, as HTML: which groups (label, Withheld) were left out and why.
    Empty when nothing was."""
    from ..content import relative_url

    min_n = ctx.config.min_group_size
    by_reason: dict[str, list[str]] = {SMALL: [], COMPLEMENT: [], SITE: []}
    see: list[tuple[str, str]] = []
    for label, w in withheld:
        if label not in by_reason[w.reason]:
            by_reason[w.reason].append(label)
        see.extend(s for s in w.see if s not in see)
    parts = []
    if by_reason[SMALL]:
        parts.append(f"Not shown, {small(min_n)} (to protect privacy): {_listed(by_reason[SMALL])}.")
    if by_reason[COMPLEMENT]:
        parts.append("Also not shown, so that those cannot be worked out from the totals: "
                     f"{_listed(by_reason[COMPLEMENT])}.")
    if by_reason[SITE]:
        here = [s for s in see if s[0] == ctx.page_url]
        elsewhere = [s for s in see if s[0] != ctx.page_url]
        where = []
        if elsewhere:
            links = ", ".join(f'<a href="{fmt.html(relative_url(ctx.page_url, url))}">'
                              f"{fmt.html(title)}</a>" for url, title in elsewhere)
            where.append(f"on {links}")
        if here or not elsewhere:
            where.append("on this page")
        head = "Also not shown" if parts else "Not shown"
        parts.append(f"{head}, so that a group of fewer than {min_n} people cannot be worked out "
                     f"from figures published {' and '.join(where)}: {_listed(by_reason[SITE])}.")
    if not parts:
        return ""
    return f'<p class="cx-suppressed">{" ".join(parts)}</p>'


def _listed(labels: Iterable[str]) -> str:
    return fmt.html(", ".join(_named(label) for label in labels))


def _named(label: str) -> str:
    """A group's name in a list: in quotes when it holds a comma, so "Comma, Ltd" reads as one."""
    return f"“{label}”" if any(c in label for c in ",;、，") else label


def refused(found: "Protection", what: str, ctx: "BlockContext") -> SiteError:
    """A block that would publish a protected file's rows."""
    return SiteError(f"{found.rel} is protected: {found.reason}, so {what} cannot show it",
                     file=ctx.file, line=ctx.line,
                     hint=f"show it with {AGGREGATES}: they publish only groups of at least "
                          f"{ctx.config.min_group_size} respondents (see 'Privacy' in the README)."
                          + found.rename_hint)


def needs_aggregate(found: "Protection", ctx: "BlockContext") -> SiteError:
    return SiteError(f"{found.rel} is protected: {found.reason}, so a chart must show groups of "
                     "answers, not the answers themselves", file=ctx.file, line=ctx.line,
                     hint="add 'aggregate: mean' (or sum, count) to the block: each bar or point then "
                          f"covers a group of at least {ctx.config.min_group_size} respondents."
                          + found.rename_hint)


def not_linear(found: "Protection", how: str, ctx: "BlockContext") -> SiteError:
    return SiteError(f"'{how}' cannot be shown for {found.rel}: it is protected ({found.reason}), and "
                     f"the {how} of a group is one person's answer", file=ctx.file, line=ctx.line,
                     hint="use mean, sum or count.")
