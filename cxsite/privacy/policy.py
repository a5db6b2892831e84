"""Which data files are protected, and why.

A file is protected when it holds respondents' answers or the sizes of groups of respondents:

- a `score` column: one row per answer (raw Net Promoter answers), each row a person;
- `response` and `count` columns: a Likert distribution, how many people of a group gave each answer;
- an `n` column: results of groups of people, each with its number of respondents;
- or the site's cxsite.yaml lists it under `privacy: protected:` (then, without `n` or `count`,
  each row is taken to be one respondent).

What matters for privacy is decided here, from the file's columns and the config, so every block
that reads the file sees the same answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from ..config import Config

SCORE, RESPONSE, COUNT, SIZE, VALUE = "score", "response", "count", "n", "value"
STATEMENT = "statement"  # people answer every statement: groups of different statements overlap


@dataclass(frozen=True)
class Protection:
    """Why a file is protected and how its rows relate to respondents."""

    rel: str  # data/x.csv
    answers: bool  # True: each row is one respondent; False: each row is a group with a size
    reason: str  # words for messages, e.g. "it holds individual answers (column 'score')"
    size: str | None = None  # the column holding a row's number of respondents (n or count)
    parts: tuple[str, ...] = ()  # columns splitting one group's respondents by answer (response)
    column: str | None = None  # the column that made it protected (None: declared in the config)

    @property
    def rename_hint(self) -> str:
        """How to lift a protection that a column's name set by mistake."""
        if self.column is None:
            return ""
        if self.column == SCORE:
            return (f" If the column '{SCORE}' holds no one's answers (a team's points, say), give "
                    "it another name.")
        return (f" If the column '{self.column}' is not a number of respondents, give it another "
                "name.")

    def identity(self, columns: Iterable[str]) -> list[str]:
        """The columns naming the group of people a row belongs to (for files of groups)."""
        skip = {VALUE, SIZE, COUNT, *self.parts}
        return [c for c in columns if c not in skip]


def protection(rel: str, columns: Iterable[str], config: "Config") -> Protection | None:
    """The protection of data/NAME with these columns, or None when it is not protected."""
    cols = set(columns)
    declared = config.declares_protected(rel)
    listed = " (and cxsite.yaml lists it under privacy: protected)" if declared else ""
    if SCORE in cols:
        return Protection(rel, True, f"it holds individual answers (column '{SCORE}'){listed}",
                          column=None if declared else SCORE)
    if RESPONSE in cols and COUNT in cols:
        return Protection(rel, False, f"it holds counts of answers by group (columns '{RESPONSE}' "
                                      f"and '{COUNT}'){listed}", COUNT, (RESPONSE,),
                          None if declared else COUNT)
    if SIZE in cols:
        return Protection(rel, False, f"it holds results of groups of respondents with their "
                                      f"sizes (column '{SIZE}'){listed}", SIZE,
                          column=None if declared else SIZE)
    if declared:
        return Protection(rel, True, "cxsite.yaml lists it under privacy: protected")
    return None
