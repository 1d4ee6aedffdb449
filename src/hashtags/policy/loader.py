"""Loading YAML into Pydantic models with errors that point at the file and line.

``policy.yaml:7: organization.industry: 'banking' is not one of general, finance, health,
government``: every problem says where it is, what was found and what is expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


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
        raise PolicyError([Problem(name, None, "", f"not UTF-8 text (byte {exc.start})")]) from None
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
            [Problem(name, _line(node), "", f"expected a mapping of keys, found {_kind(data)}")]
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
        what = exc.problem or exc.context or "invalid YAML"
        raise PolicyError([Problem(name, line, "", f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        raise PolicyError([Problem(name, None, "", f"invalid YAML: {exc}")]) from None
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


def _kind(value: object) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def _problem(name: str, node: yaml.Node | None, model: type[BaseModel], err: Any) -> Problem:
    # Pydantic adds the type of a tagged union member to loc; YAML has no such level.
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    kind = err["type"]
    found = err.get("input")
    ctx = err.get("ctx") or {}
    key = ".".join(str(p) for p in loc)
    line = locate(node, loc)
    if kind == "literal_error" or kind == "enum":
        expected = ctx.get("expected", "").replace("'", "").replace(" or ", ", ")
        message = f"{found!r} is not one of {expected}"
    elif kind == "missing":
        message = "is required but missing"
    elif kind == "extra_forbidden":
        parent = loc[:-1]
        message = f"unknown key {loc[-1]!r}" + _expected_keys(model, parent)
    elif kind.endswith("_type") or kind in {"model_type", "dict_type", "list_type"}:
        wanted = {
            "string_type": "text",
            "int_type": "a whole number",
            "int_parsing": "a whole number",
            "bool_type": "true or false",
            "bool_parsing": "true or false",
            "list_type": "a list",
            "dict_type": "a mapping",
            "model_type": "a mapping",
        }.get(kind, kind.removesuffix("_type"))
        message = f"expected {wanted}, found {_kind(found)}"
    elif kind == "value_error":
        message = str(ctx.get("error", err["msg"]))
    else:
        message = err["msg"][0].lower() + err["msg"][1:]
        if found is not None and not isinstance(found, dict | list):
            message += f" (found {found!r})"
    return Problem(name, line, key, message)


def _expected_keys(model: type[BaseModel], parent: Sequence[str | int]) -> str:
    current: Any = model
    for part in parent:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return ""
        current = _model_inside(field.annotation)
        if current is None:
            return ""
    if not _is_model(current):
        return ""
    return "; expected one of " + ", ".join(current.model_fields)


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
