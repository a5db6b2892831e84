"""Parse YAML written by people, turning parser errors into SiteErrors with a line number."""
from __future__ import annotations

from typing import Any

import yaml

from .errors import SiteError

try:  # the C loader is several times faster; fall back when libyaml is absent
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def parse_yaml(text: str, *, file: str, first_line: int = 1, what: str = "YAML") -> Any:
    """Parse YAML; first_line is the file line where text starts, so messages point at the file."""
    try:
        return yaml.load(text, Loader=_Loader)
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
