"""Loading YAML into Pydantic models with errors that point at the file and line.

``policy.yaml:7: organization.industry: 'banking' is not one of general, finance, health,
government``: every problem says where it is, what was found and what is expected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from hashtags.errors import Message, Phrase, Translatable, fill

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file: where (file, line, key) and what.

    ``message`` is English with ``%(name)s`` placeholders, filled in from ``params`` (the
    message id the web app's policy editor translates, as for domain errors).
    """

    file: str
    line: int | None
    key: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    @property
    def text(self) -> str:
        """What is wrong, in English, filled in."""
        return fill(self.message, self.params)

    @property
    def where(self) -> str:
        """The file, the line and the key: ``policy.yaml:12: rules.confidential``."""
        at = f"{self.file}:{self.line}" if self.line else self.file
        return f"{at}: {self.key}" if self.key else at

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


class PolicyError(Exception):
    """A policy (or rule pack) that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def read_source(path: str | Path) -> str:
    """Read a UTF-8 file, turning OS errors into a :class:`PolicyError` that names it."""
    name = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([Problem(name, None, "", "file not found")]) from None
    except IsADirectoryError:
        raise PolicyError([Problem(name, None, "", "is a folder, not a file")]) from None
    except UnicodeDecodeError as exc:
        raise PolicyError(
            [Problem(name, None, "", "not UTF-8 text (byte %(byte)s)", {"byte": exc.start})]
        ) from None
    except OSError as exc:
        raise PolicyError([Problem(name, None, "", exc.strerror or str(exc))]) from None


def load_yaml_model(source: str, model: type[M], *, text: str) -> M:
    """Validate the YAML ``text`` against ``model``; ``source`` names it in errors."""
    name = source
    node, data = _parse(name, text)
    if data is None:
        raise PolicyError([Problem(name, None, "", "the file is empty")])
    if not isinstance(data, dict):
        raise PolicyError(
            [
                Problem(
                    name,
                    _line(node),
                    "",
                    "expected a mapping of keys, found %(found)s",
                    {"found": _kind(data)},
                )
            ]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(name, node, model, err) for err in exc.errors()]
        problems.sort(key=lambda p: (p.line or 0, p.key))
        raise PolicyError(problems) from None


def locate(node: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or of its nearest existing parent)."""
    line = _line(node)
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
        line = _line(node)
    return line


def _parse(name: str, text: str) -> tuple[yaml.Node | None, Any]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or exc.context
        if what is None:
            raise PolicyError([Problem(name, line, "", "invalid YAML")]) from None
        problem = YAML_PROBLEMS.get(what, what)
        raise PolicyError(
            [Problem(name, line, "", "invalid YAML: %(problem)s", {"problem": problem})]
        ) from None
    except yaml.YAMLError as exc:
        raise PolicyError(
            [Problem(name, None, "", "invalid YAML: %(problem)s", {"problem": str(exc)})]
        ) from None
    finally:
        loader.dispose()
    return node, data


def _child(node: yaml.Node | None, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if str(key_node.value) == str(part):
                return value_node  # type: ignore[no-any-return]
    elif (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


YAML_PROBLEMS = {
    str(phrase): phrase
    for phrase in (
        Phrase("mapping values are not allowed here"),
        Phrase("could not find expected ':'"),
        Phrase("expected <block end>, but found '<block mapping start>'"),
        Phrase("expected <block end>, but found '?'"),
        Phrase("expected <block end>, but found '-'"),
        Phrase("expected the node content, but found '<stream end>'"),
        Phrase("expected ',' or ']', but got '<stream end>'"),
        Phrase("expected ',' or '}', but got '<stream end>'"),
        Phrase("expected ',' or ']', but got ':'"),
        Phrase("found unexpected end of stream"),
        Phrase("found character '\\t' that cannot start any token"),
        Phrase("found character '@' that cannot start any token"),
        Phrase("found character '`' that cannot start any token"),
        Phrase("found character '%' that cannot start any token"),
    )
}
"""PyYAML's most common complaints, as words to translate (any other is shown as it is)."""

KINDS: dict[type, Phrase] = {
    dict: Phrase("a mapping"),
    list: Phrase("a list"),
    str: Phrase("text"),
    int: Phrase("a number"),
    float: Phrase("a number"),
    bool: Phrase("true/false"),
    type(None): Phrase("nothing"),
}


def _kind(value: object) -> str:
    return KINDS.get(type(value), type(value).__name__)


WANTED = {
    "string_type": Phrase("text"),
    "int_type": Phrase("a whole number"),
    "int_parsing": Phrase("a whole number"),
    "int_from_float": Phrase("a whole number"),
    "float_type": Phrase("a number"),
    "float_parsing": Phrase("a number"),
    "bool_type": Phrase("true or false"),
    "bool_parsing": Phrase("true or false"),
    "list_type": Phrase("a list"),
    "dict_type": Phrase("a mapping"),
    "model_type": Phrase("a mapping"),
}
"""What a Pydantic ``*_type`` (or ``*_parsing``) error expected, in words."""

LIMITS = {
    "greater_than_equal": ("ge", "should be at least %(limit)s (found %(found)r)"),
    "less_than_equal": ("le", "should be at most %(limit)s (found %(found)r)"),
    "greater_than": ("gt", "should be more than %(limit)s (found %(found)r)"),
    "less_than": ("lt", "should be less than %(limit)s (found %(found)r)"),
    "string_too_short": ("min_length", "should have at least %(limit)s characters"),
    "string_too_long": ("max_length", "should have at most %(limit)s characters"),
    "too_short": ("min_length", "should list at least %(limit)s items"),
    "too_long": ("max_length", "should list at most %(limit)s items"),
}
"""Pydantic's bounds errors: the ``ctx`` value that holds the bound, and the message."""


def _problem(name: str, node: yaml.Node | None, model: type[BaseModel], err: Any) -> Problem:
    # Pydantic adds the type of a tagged union member to loc; YAML has no such level.
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    said = describe(err, model)
    return Problem(
        name, locate(node, loc), ".".join(str(p) for p in loc), said.message, said.params
    )


def describe(
    err: Mapping[str, Any], model: type[BaseModel] | None = None
) -> Message | Translatable:
    """What one of Pydantic's validation errors says about its value, as a message we
    translate (``policy_file.po``): the part after the key ("is required but missing", "should
    have at most 80 characters"); a check's own error as it is. ``model`` lets an unknown key
    list the keys allowed there. For policy files, and for the API's and pages' requests."""
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    kind = err["type"]
    found = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "literal_error" or kind == "enum":
        expected = ctx.get("expected", "").replace("'", "").replace(" or ", ", ")
        return Message("%(found)r is not one of %(expected)s", found=found, expected=expected)
    if kind == "missing":
        return Message("is required but missing")
    if kind == "extra_forbidden":
        keys = _expected_keys(model, loc[:-1]) if model is not None else []
        if not keys:
            return Message("unknown key %(key)r", key=loc[-1])
        return Message(
            "unknown key %(key)r; expected one of %(keys)s", key=loc[-1], keys=", ".join(keys)
        )
    if kind in WANTED or kind.endswith("_type"):
        wanted = WANTED.get(kind, kind.removesuffix("_type"))
        return Message("expected %(wanted)s, found %(found)s", wanted=wanted, found=_kind(found))
    error = ctx.get("error")
    if kind == "value_error" and isinstance(error, Translatable):
        return error
    if kind == "value_error":  # a check's own words, in English
        return Message("%(problem)s", problem=str(error if error is not None else err["msg"]))
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return Message("must not be empty")
    if kind == "too_short" and ctx.get("min_length") == 1:
        return Message("must list at least one item")
    if kind in LIMITS:
        bound, message = LIMITS[kind]
        return Message(message, limit=ctx.get(bound), found=found)
    if kind == "json_invalid":  # a request's body
        return Message("is not valid JSON: %(problem)s", problem=str(ctx.get("error", "")))
    # Pydantic's own words, in English ("JSON ..." keeps its capitals).
    msg = str(err["msg"])
    said = msg if msg[1:2].isupper() else msg[:1].lower() + msg[1:]
    if found is None or isinstance(found, dict | list):
        return Message("%(problem)s", problem=said)
    return Message("%(problem)s (found %(found)r)", problem=said, found=found)


def _expected_keys(model: type[BaseModel], parent: Sequence[str | int]) -> list[str]:
    """The keys the model allows at ``parent`` (none when it cannot be told)."""
    current: Any = model
    for part in parent:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _model_inside(field.annotation)
        if current is None:
            return []
    if not _is_model(current):
        return []
    return list(current.model_fields)


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _model_inside(annotation: Any) -> Any:
    """The model a field holds, looking inside ``list[M]``, ``dict[K, M]`` and ``M | None``."""
    if _is_model(annotation):
        return annotation
    for arg in reversed(get_args(annotation)):
        found = _model_inside(arg)
        if found is not None:
            return found
    return None
