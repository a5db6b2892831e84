"""Parse YAML written by people, turning parser errors into SiteErrors with a line number."""
from __future__ import annotations

from typing import Any

import yaml

from .errors import SiteError

try:  # the C loader is several times faster; fall back when libyaml is absent
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeLoader

_MERGE = "tag:yaml.org,2002:merge"


class _Mistake(yaml.constructor.ConstructorError):
    """Valid YAML that is still a slip: a key written twice, a date that does not exist."""

    def __init__(self, message: str, mark: Any, hint: str) -> None:
        super().__init__(None, None, message, mark)
        self.hint = hint


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """The safe loader, refusing keys written twice (YAML would keep the last one silently)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for key, _value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE:
                    if (key.tag, key.value) in seen:
                        raise _Mistake(f"'{key.value}' is written twice", key.start_mark,
                                       f"keep one '{key.value}:' and delete the other.")
                    seen.add((key.tag, key.value))
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # 2026-02-30 looks like a date but is none
            raise _Mistake(f"'{node.value}' is not a real date", node.start_mark,
                           "check the day and the month; write dates as YYYY-MM-DD, "
                           "for example 2026-02-28.") from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def parse_yaml(text: str, *, file: str, first_line: int = 1, what: str = "YAML") -> Any:
    """Parse YAML; first_line is the file line where text starts, so messages point at the file."""
    try:
        return yaml.load(text, Loader=_Loader)
    except _Mistake as exc:
        raise SiteError(f"in {what}, {exc.problem}", file=file,
                        line=first_line + exc.problem_mark.line, hint=exc.hint) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else first_line
        reason = exc.problem or exc.context or "it is not valid YAML"
        raise SiteError(
            f"{what} is not valid: {reason}",
            file=file, line=line,
            hint="check the indentation and put quotes around text that contains ': ' or starts with a symbol.",
        ) from None
    except yaml.YAMLError as exc:
        raise SiteError(f"{what} is not valid: {exc}", file=file, line=first_line,
                        hint="check the YAML syntax.") from None


def parse_mapping(text: str, *, file: str, first_line: int = 1, what: str = "YAML") -> dict:
    """Parse YAML that must be a mapping of keys to values (empty text gives {})."""
    value = parse_yaml(text, file=file, first_line=first_line, what=what)
    if value is None:
        return {}
    if not isinstance(value, dict):
        kind = type(value).__name__.replace("str", "text").replace("list", "a list")
        raise SiteError(
            f"{what} must be a set of 'key: value' lines, but it is {kind}",
            file=file, line=first_line,
            hint="write one 'key: value' per line, for example 'title: Our roadmap'.",
        )
    return {str(k): v for k, v in value.items()}


def key_lines(text: str, first_line: int = 1) -> dict[str, int]:
    """The file line of each key of valid YAML, nested keys as 'roadmap.min_months'."""
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, prefix: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines.setdefault(prefix + key.value, first_line + key.start_mark.line)
                    walk(value, prefix + key.value + ".")

    walk(yaml.compose(text, Loader=_Loader), "")
    return lines
