"""Read a block's options: unknown names, wrong kinds and bad choices become SiteErrors
that name the option and say what to write instead."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Iterable

from ..errors import did_you_mean

if TYPE_CHECKING:
    from . import BlockContext


class Options:
    """A block's options, checked against the names the block knows."""

    def __init__(self, options: dict, ctx: "BlockContext", block: str, known: Iterable[str]) -> None:
        self.values = options
        self.ctx = ctx
        self.block = block
        known = sorted(known)
        for key in options:
            if key not in known:
                self.fail(f"the {block} block has no option '{key}'",
                          did_you_mean(str(key), known), key=str(key))

    def fail(self, message: str, hint: str | None = None, *, key: str | None = None) -> None:
        """Stop with a message at the line of option `key` (else the block's line)."""
        raise self.ctx.error(message, hint, key=key)

    def text(self, key: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"the {self.block} block needs '{key}'",
                          f"add a line such as '{key}: ...' to the block.")  # no line of its own
            return default
        if isinstance(value, (dict, list)):
            kind = "a list" if isinstance(value, list) else "a group of settings"
            self.fail(f"'{key}' must be a single value, not {kind}",
                      f"write one value after '{key}:'.", key=key)
        return str(value).strip()

    def names(self, key: str) -> list[str] | None:
        """A list of names; a single name is accepted as a list of one."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, (str, int, float)):
            value = [value]
        if not isinstance(value, list) or not value or any(isinstance(v, (dict, list)) or v is None
                                                           for v in value):
            self.fail(f"'{key}' must be a name or a list of names",
                      f"write for example '{key}: [first, second]'.", key=key)
        return [str(v).strip() for v in value]

    def labels(self, key: str = "labels") -> dict[str, str]:
        """What readers see for values of the data file: {Business: 企业客户}. A page in another
        language gives its own words, so one data file serves every language."""
        value = self.values.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or any(isinstance(v, (dict, list)) or v is None
                                              for v in value.values()):
            self.fail(f"'{key}' must map values of the data to the words to show",
                      f"write for example '{key}: {{Business: 企业客户, Residential: 家庭客户}}', "
                      "or one 'value: label' per line below it.")
        return {str(k).strip(): str(v).strip() for k, v in value.items()}

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.values.get(key, default)
        if not isinstance(value, bool):
            self.fail(f"'{key}' must be true or false, not {value!r}", f"write '{key}: true'.",
                      key=key)
        return value

    def choice(self, key: str, choices: Iterable[str], default: str) -> str:
        choices = list(choices)
        value = self.text(key, default)
        if value not in choices:
            close = did_you_mean(value, choices)  # the choices are in the message already
            self.fail(f"'{key}: {value}' is not possible; choose one of: {', '.join(choices)}",
                      close if close.startswith("did you mean") else
                      f"write for example '{key}: {choices[0]}'.", key=key)
        return value

    def month(self, key: str) -> date | None:
        """A month or day such as 2026-03 or 2026-03-15 (YAML may already have made it a date)."""
        value = self.values.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):  # 'from: 2026-03-01 09:00': YAML made it a time
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            return date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            self.fail(f"'{key}: {text}' is not a date",
                      f"write a month as YYYY-MM (for example '{key}: 2026-03') or a day as YYYY-MM-DD.",
                      key=key)
        return None

