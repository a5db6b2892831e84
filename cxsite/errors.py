"""The one error type users see, and the list that collects them.

Hierarchy:
    SiteError        a problem in the user's site: file, line, message, hint
    UsageError       a bad command line (exit code 2)
    BuildFailed      one or more SiteErrors stopped the build (exit code 1)
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Iterable


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the site, as the user will read it."""

    message: str
    file: str | None = None
    line: int | None = None
    hint: str | None = None
    severity: str = "error"  # "error" or "warning"

    def format(self) -> str:
        where = self.file or ""
        if where and self.line:
            where += f":{self.line}"
        head = f"{where}: {self.severity}: {self.message}" if where else f"{self.severity}: {self.message}"
        return head + (f"\n  hint: {self.hint}" if self.hint else "")

    def sort_key(self) -> tuple:
        return (self.file or "", self.line or 0, self.message)


class SiteError(Exception):
    """Raised when the user's site has a problem they can fix (file, line, message, hint)."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 hint: str | None = None, severity: str = "error") -> None:
        super().__init__(message)
        self.problem = Problem(message, file, line, hint, severity)

    def located(self, file: str | None, line: int | None = None) -> "SiteError":
        """Fill in file and line when the raiser did not know them."""
        p = self.problem
        if p.file:  # about another file (a data file): the page's line would point nowhere
            return self
        return SiteError(p.message, file=file, line=p.line or line, hint=p.hint,
                         severity=p.severity)

    def __str__(self) -> str:
        return self.problem.format()


class UsageError(Exception):
    """Raised for a bad command line; the CLI exits with code 2."""


class BuildFailed(Exception):
    """Raised when a build has errors (or warnings under --strict); carries every problem."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(f"{len(self.problems)} problem(s)")


@dataclass
class Problems:
    """Collects problems from every stage so a build reports them all at once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        if problem not in self.items:
            self.items.append(problem)

    def error(self, message: str, **where) -> None:
        self.add(Problem(message, severity="error", **where))

    def warning(self, message: str, **where) -> None:
        self.add(Problem(message, severity="warning", **where))

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            self.add(p)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def raise_if_failed(self, strict: bool = False) -> None:
        if self.errors or (strict and self.warnings):
            raise BuildFailed(self.items)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest choices, or listing them all when none is close."""
    choices = sorted(set(map(str, choices)))
    close = difflib.get_close_matches(str(word), choices, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"
    if len(choices) <= 12:
        return "choose one of: " + ", ".join(f"'{c}'" for c in choices) + "."
    return f"there are {len(choices)} choices; check the spelling."
