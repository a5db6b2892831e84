"""Every word the privacy rules show: the notes under blocks that say which groups were withheld
and why, the short text in place of a withheld number (both in the page's language), and the
messages refusing a protected file (for authors, in English). Kept in one place so they go
through the translation catalogue together."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

from markupsafe import Markup

from .. import fmt
from ..errors import SiteError
from ..i18n import _, ngettext
from .table import COMPLEMENT, SITE, SMALL, Withheld

if TYPE_CHECKING:
    from ..blocks import BlockContext
    from .policy import Protection

AGGREGATES = "a chart block with 'aggregate: mean' (or sum, count), a kpi block or a survey block"


def small(min_n: int) -> str:
    """Why a group is missing: too few people answered ('fewer than 10 responses')."""
    return ngettext("fewer than %(num)s response", "fewer than %(num)s responses", min_n,
                    num=fmt.integer(min_n))


def short(reason: str, min_n: int) -> str:
    """What a card or a sentence shows instead of a withheld number."""
    if reason == SMALL:
        return small(min_n)
    return _("withheld so that a smaller group cannot be worked out")


def no_comparison(period: str, reason: str, min_n: int) -> str:
    """A card's change line when the period it compares with is withheld."""
    return _("%(period)s: %(reason)s, no comparison", period=period, reason=short(reason, min_n))


def note(withheld: Sequence[tuple[str, Withheld]], ctx: "BlockContext") -> str:
    """The note under a block, as HTML: which groups (label, Withheld) were left out and why.
    Empty when nothing was."""
    from ..content import relative_url

    min_n = ctx.config.min_group_size
    lang = ctx.config.language_of_url(ctx.page_url)  # a note points to pages in its own language
    by_reason: dict[str, list[str]] = {SMALL: [], COMPLEMENT: [], SITE: []}
    see: list[tuple[str, str]] = []
    for label, w in withheld:
        if label not in by_reason[w.reason]:
            by_reason[w.reason].append(label)
        see.extend(s for s in w.see if s not in see and ctx.config.language_of_url(s[0]) == lang)
    # the catalogue's sentences are trusted markup (as in templates); every value is escaped
    parts: list[Markup] = []
    if by_reason[SMALL]:
        parts.append(Markup(_("Not shown, %(reason)s (to protect privacy): %(groups)s.",
                              reason=fmt.html(small(min_n)), groups=_listed(by_reason[SMALL]))))
    if by_reason[COMPLEMENT]:
        parts.append(Markup(_("Also not shown, so that those cannot be worked out from the totals: "
                              "%(groups)s.", groups=_listed(by_reason[COMPLEMENT]))))
    if by_reason[SITE]:
        here = [s for s in see if s[0] == ctx.page_url]
        elsewhere = [s for s in see if s[0] != ctx.page_url]
        where: list[str] = []
        if elsewhere:
            links = fmt.join([Markup('<a href="{}">{}</a>').format(relative_url(ctx.page_url, url),
                                                                   title) for url, title in elsewhere])
            where.append(_("on %(pages)s", pages=links))
        if here or not elsewhere:
            where.append(_("on this page"))
        values = dict(num=fmt.integer(min_n), where=fmt.join(where), groups=_listed(by_reason[SITE]))
        if parts:
            sentence = ngettext("Also not shown, so that a group of fewer than %(num)s person cannot "
                                "be worked out from figures published %(where)s: %(groups)s.",
                                "Also not shown, so that a group of fewer than %(num)s people cannot "
                                "be worked out from figures published %(where)s: %(groups)s.",
                                min_n, **values)
        else:
            sentence = ngettext("Not shown, so that a group of fewer than %(num)s person cannot be "
                                "worked out from figures published %(where)s: %(groups)s.",
                                "Not shown, so that a group of fewer than %(num)s people cannot be "
                                "worked out from figures published %(where)s: %(groups)s.",
                                min_n, **values)
        parts.append(Markup(sentence))
    if not parts:
        return ""
    return f'<p class="cx-suppressed">{" ".join(parts)}</p>'


def _listed(labels: Iterable[str]) -> str:
    """'UK, Spain and France', escaped for HTML; a name holding a comma is quoted, so that
    "Comma, Ltd" reads as one group."""
    return fmt.html(fmt.join([_named(label) for label in labels]))


def _named(label: str) -> str:
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
