"""Every word the privacy rule shows readers: the note under a block naming the groups that
were withheld and why, and the short text in place of a withheld number, in the page's
language."""
from __future__ import annotations

from .. import fmt
from ..i18n import _, ngettext


def small(min_n: int) -> str:
    """Why a group is missing: 'fewer than 10 responses'."""
    return ngettext("fewer than %(num)s response", "fewer than %(num)s responses", min_n,
                    num=fmt.integer(min_n))


def no_comparison(period: str, min_n: int) -> str:
    """A card's change line when the period it compares with is withheld."""
    return _("%(period)s: %(reason)s, no comparison", period=period, reason=small(min_n))


def note(too_small: list[str], complementary: list[str], min_n: int) -> str:
    """The note under a block, as HTML; empty when nothing was withheld."""
    parts = []
    if too_small:
        parts.append(_("Not shown, %(reason)s (to protect privacy): %(groups)s.",
                       reason=small(min_n), groups=fmt.join(too_small)))
    if complementary:
        parts.append(_("Also not shown, so that those cannot be worked out from the totals: %(groups)s.",
                       groups=fmt.join(complementary)))
    return f'<p class="cx-suppressed">{fmt.html(" ".join(parts))}</p>' if parts else ""
