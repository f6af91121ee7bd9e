"""Pydantic's validation errors as the project's one-line messages.

Each problem becomes ``<key path>: found <value>; allowed: <what is allowed>``,
with the path written as in the YAML (``constraints[2].value``,
``factors.port_minutes.fuzzy.points``), unknown keys listed with the keys that
are allowed, and the problems of the scenario's own checks after pydantic's,
grouped by section as a reader goes through the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from siteselect.scenario._base import CHECK_ERROR
from siteselect.scenario.constraints import CONSTRAINT_MODES
from siteselect.scenario.models import Scenario
from siteselect.scenario.vocabulary import short_repr

__all__ = ["problem_lines", "problem_message"]


def problem_message(source: str, problems: Sequence[str]) -> str:
    """One message for every problem of a scenario: on one line when there is one, else a list.

    Parameters
    ----------
    source
        The scenario's name in messages (its file path).
    problems
        One line per problem (from :func:`problem_lines`).

    Returns
    -------
    str
        ``scenario SOURCE: PROBLEM``, or ``scenario SOURCE: N problems`` and one
        ``  - PROBLEM`` line each.
    """
    n = len(problems)
    if n == 1:
        return f"scenario {source}: {problems[0]}"
    head = f"scenario {source}: {n} problem{'s' if n != 1 else ''}"
    return "\n".join([head] + [f"  - {p}" for p in problems])


_UNION_LABELS = ("float", "str", "bool", "int", "constrained-float")


def _is_union_label(item: Any) -> bool:
    return isinstance(item, str) and ("[" in item or item in _UNION_LABELS)


def _path_text(loc: Sequence[Any]) -> str:
    parts: list[str] = []
    prev: Any = None
    for _i, item in enumerate(loc):
        # drop the discriminator tag pydantic inserts after a constraint index
        if isinstance(item, str) and item in CONSTRAINT_MODES and isinstance(prev, int) and loc[0] == "constraints":
            prev = item
            continue
        if _is_union_label(item):  # union member labels such as "list[float]"
            prev = item
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
        prev = item
    return "".join(parts) or "(top level)"


#: What a field that accepts several kinds of value allows (for union errors).
_UNION_ALLOWED = {
    "nodata": "a number in [0, 1] or 'exclude'",
    "value": "text, a number, true/false, or a list of these",
    "points": "a list of numbers, or of [x, y] pairs for shape piecewise",
}


def _allowed_keys(loc: Sequence[Any]) -> list[str] | None:
    """Field names of the model a loc path points into (for 'unknown key' messages)."""
    by_mode: dict[str, type[BaseModel]] = dict(CONSTRAINT_MODES)
    model: Any = Scenario
    skip_key = False
    for item in loc:
        if isinstance(item, int):
            continue
        if skip_key:  # a user-chosen mapping key such as a factor name
            skip_key = False
            continue
        if isinstance(item, str) and item in by_mode and model is None:
            model = by_mode[item]
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or item not in fields:
            return None
        ann = fields[item].annotation
        skip_key = getattr(ann, "__origin__", None) is dict
        model = _inner_model(ann) if item != "constraints" else None
    fields = getattr(model, "model_fields", None)
    return list(fields) if fields else None


def _inner_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


#: Order in which the scenario's own checks are listed (as :func:`scenario_problems` finds them).
_SECTION_ORDER = ("layers", "factors", "weights", "aggregation", "constraints")


def _check_order(err: Any, factor_names: list[Any]) -> tuple[int, int]:
    """Sort key of a check's problem: its section, then its factor or constraint."""
    loc = err["loc"]
    head = loc[0] if loc else ""
    section = _SECTION_ORDER.index(head) if head in _SECTION_ORDER else len(_SECTION_ORDER)
    group = 0
    if head == "factors" and len(loc) > 1 and loc[1] in factor_names:
        group = factor_names.index(loc[1])
    elif head == "constraints" and len(loc) > 1 and isinstance(loc[1], int):
        group = loc[1]
    return section, group


def problem_lines(exc: ValidationError, data: Any = None) -> list[str]:
    """One line per problem of a failed scenario validation, without repeats.

    Parameters
    ----------
    exc
        What :meth:`Scenario.model_validate` raised.
    data
        The raw document (orders the checks' problems by factor).

    Returns
    -------
    list of str
        pydantic's problems first, in schema order, then those of the
        scenario's checks, by section (layers, factors, weights, aggregation,
        constraints).
    """
    errors = exc.errors(include_url=False)
    factors = data.get("factors") if isinstance(data, dict) else None
    names = list(factors) if isinstance(factors, dict) else []
    checks = sorted((e for e in errors if e["type"] == CHECK_ERROR), key=lambda e: _check_order(e, names))
    out: list[str] = []
    for line in _format_errors([e for e in errors if e["type"] != CHECK_ERROR] + checks):
        if line not in out:
            out.append(line)
    return out


def _format_errors(errors: list[Any]) -> list[str]:
    out: list[str] = []
    union_paths: set[str] = set()
    for err in errors:
        loc = err["loc"]
        path = _path_text(loc)
        etype = err["type"]
        found = err.get("input")
        if etype == CHECK_ERROR:
            out.append(f"{path}: {err['msg']}")
            continue
        if etype == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            msg = f"{path}: unknown key {loc[-1]!r}"
            if allowed:
                msg += f"; allowed keys: {', '.join(allowed)}"
            out.append(msg)
            continue
        if etype == "missing":
            out.append(f"{path}: required key is missing")
            continue
        if etype == "union_tag_invalid":
            ctx = err.get("ctx", {})
            out.append(f"{path}.mode: found {ctx.get('tag')!r}; allowed: {', '.join(CONSTRAINT_MODES)}")
            continue
        if etype == "union_tag_not_found":
            out.append(f"{path}.mode: required key is missing; allowed: {', '.join(CONSTRAINT_MODES)}")
            continue
        text = err["msg"]
        if text.startswith("Value error, "):
            text = text[len("Value error, "):]
            if text.startswith("found "):
                out.append(f"{path}: {text}")
                continue
        if any(_is_union_label(item) for item in loc):
            # a value that fits none of several kinds: one message per path
            if path in union_paths:
                continue
            union_paths.add(path)
            key = next((str(item) for item in reversed(loc) if isinstance(item, str) and not _is_union_label(item)), "")
            if key in _UNION_ALLOWED:
                out.append(f"{path}: found {short_repr(found)}; allowed: {_UNION_ALLOWED[key]}")
                continue
        if text.startswith("Input should be "):  # pydantic's range and type wording
            text = "allowed: " + text[len("Input should be "):]
        out.append(f"{path}: found {short_repr(found)}; {text[0].lower() + text[1:]}")
    return out
