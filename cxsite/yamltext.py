"""Parse YAML written by people, turning parser errors into SiteErrors with a line number."""
from __future__ import annotations

import re
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


# YAML written by people is small. These bounds stop a file that expands without end (anchors
# '&a' reused by aliases '*a' inside each other: "billion laughs") or nests without end.
MAX_VALUES = 200_000  # values after every alias is expanded
MAX_DEPTH = 100  # lists and mappings inside each other


class _TooBig(Exception):
    def __init__(self, message: str, mark: Any, hint: str) -> None:
        super().__init__(message)
        self.message, self.mark, self.hint = message, mark, hint


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node) -> None:
    """Refuse a document that expands to more than MAX_VALUES values, nests deeper than
    MAX_DEPTH or refers to itself; counts each node once however many aliases name it."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            on_path.discard(key)
            if size[key] > MAX_VALUES:
                raise _TooBig(f"is too large: it expands to more than {MAX_VALUES:,} values",
                              node.start_mark,
                              "an anchor (&name) is reused by aliases (*name) inside each other; "
                              "write the values out, or use fewer aliases.")
            if depth[key] > MAX_DEPTH:
                raise _TooBig(f"is nested too deeply: more than {MAX_DEPTH} lists or settings "
                              "inside each other", node.start_mark, "flatten the structure.")
            continue
        if key in size:
            continue
        if key in on_path:
            raise _TooBig("has an alias that refers to the value that holds it", node.start_mark,
                          "an alias (*name) cannot point at the list or setting it is inside.")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


def _small(text: str) -> bool:
    """True when the text cannot expand or nest past the bounds (most front matter): without
    an alias ('*') it holds at most one value per character, and every level of nesting needs
    a line, a bracket or an indicator of its own."""
    if "*" in text:
        return False
    marks = sum(text.count(c) for c in "\n[{-:?")
    return marks < MAX_DEPTH and len(text) < MAX_VALUES


def _key_lines_of(root: yaml.Node, first_line: int) -> dict[str, int]:
    """The file line of each key, nested keys as 'roadmap.min_months' (mappings only)."""
    lines: dict[str, int] = {}
    todo: list[tuple[yaml.Node, str]] = [(root, "")]
    while todo:
        node, prefix = todo.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    name = prefix + key.value
                    if name not in lines:
                        lines[name] = first_line + key.start_mark.line
                        todo.append((value, name + "."))
    return lines


# The YAML most front matter and block options are: 'key: value' lines whose values are quoted
# text without escapes, whole numbers or plain words. Read with a regular expression, the same
# values (tests/test_yamltext.py compares with the parser on random documents) in a tenth of
# the time: a page's front matter cost a 1,000-page build 50 ms before its first page.
# what YAML refuses in a document (reader.NON_PRINTABLE), a line break ('\r' is one) or a BOM:
# never inside a quoted text read here (a class of what is left out compiles in microseconds,
# one of what is allowed in milliseconds)
_NOT_TEXT = "\x00-\x08\x0a-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff"
_SIMPLE_LINE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]*): +"
    rf'(?:"([^"\\{_NOT_TEXT}]*)"'  # "text" (no '"' or '\' inside)
    rf"|'([^'{_NOT_TEXT}]*)'"  # 'text' (no "'" inside)
    r"|(0|[1-9][0-9]{0,17})"  # a whole number
    r"|([A-Za-z][A-Za-z0-9 ]*?)) *")  # words
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


def _is_text(plain: str) -> bool:
    """Whether a plain scalar is text to YAML (not true, no, null...)."""
    return _RESOLVER.resolve(yaml.ScalarNode, plain, (True, False)) == _STR


def _simple_mapping(text: str, first_line: int, lines: dict[str, int] | None) -> dict | None:
    """The mapping of simple 'key: value' lines, or None when the text is anything else (the
    parser reads it then, and reports its mistakes)."""
    found: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for i, line in enumerate(text.split("\n")):
        if not line:
            continue
        m = _SIMPLE_LINE.fullmatch(line)
        if m is None:
            return None
        key, double, single, number, plain = m.groups()
        if key in found or not _is_text(key) or plain is not None and not _is_text(plain):
            return None
        found[key] = int(number) if number is not None else \
            next(v for v in (double, single, plain) if v is not None)
        key_lines[key] = first_line + i
    if not found:
        return None
    if lines is not None:
        lines.update(key_lines)
    return found


def parse_yaml(text: str, *, file: str, first_line: int = 1, what: str = "YAML",
               lines: dict[str, int] | None = None) -> Any:
    """Parse YAML; first_line is the file line where text starts, so messages point at the file.

    When `lines` is given, it receives the file line of every key ('a.b' for nested keys).
    """
    simple = _simple_mapping(text, first_line, lines)
    if simple is not None:
        return simple
    return _parsed(text, file=file, first_line=first_line, what=what, lines=lines)


def _parsed(text: str, *, file: str, first_line: int, what: str,
            lines: dict[str, int] | None) -> Any:
    """parse_yaml() by the YAML parser, for any YAML."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if not _small(text):
            _measure(node)
        if lines is not None:
            lines.update(_key_lines_of(node, first_line))
        return loader.construct_document(node)
    except _TooBig as exc:
        raise SiteError(f"{what} {exc.message}", file=file,
                        line=first_line + exc.mark.line if exc.mark else first_line,
                        hint=exc.hint) from None
    except RecursionError:
        raise SiteError(f"{what} is nested too deeply to read", file=file, line=first_line,
                        hint="flatten the lists and settings inside each other.") from None
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
    finally:
        loader.dispose()


def parse_mapping(text: str, *, file: str, first_line: int = 1, what: str = "YAML",
                  lines: dict[str, int] | None = None) -> dict:
    """Parse YAML that must be a mapping of keys to values (empty text gives {})."""
    value = parse_yaml(text, file=file, first_line=first_line, what=what, lines=lines)
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
    parse_yaml(text, file="", first_line=first_line, lines=lines)
    return lines
