"""Constraint models (``constraints[]``): one model per ``mode``, joined in the :data:`Constraint` union.

Every constraint shares ``id`` and ``reason``; ``mode`` picks the model. The
analysis stage finds what each kind does through its constraint registry,
keyed by these models.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, field_validator, model_validator

from siteselect.core.roles import ROLES
from siteselect.scenario._base import Problem, SchemaModel, with_problems
from siteselect.scenario.vocabulary import MAX_DISTANCE_M, short_repr

__all__ = [
    "CONSTRAINT_MODES",
    "Constraint",
    "InsideConstraint",
    "MinAreaConstraint",
    "MinVoltageWithinConstraint",
    "Op",
    "WhereConstraint",
    "WithinConstraint",
]

Op = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in"]
_ID_RE = re.compile(r"^[a-z0-9_][a-z0-9_-]*$")


class _ConstraintBase(SchemaModel):
    id: str
    reason: str | None = None

    @field_validator("id")
    @classmethod
    def _id_ok(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(
                f"found {value!r}; allowed: lower-case letters, digits, '_' and '-'"
            )
        return value

    @property
    def label(self) -> str:
        """Text that starts this constraint's exclusion reasons."""
        return self.reason or self.id


def _role_ok(value: str) -> str:
    if value not in ROLES:
        raise ValueError(f"found {value!r}; allowed layer roles: {', '.join(sorted(ROLES))}")
    return value


Role = Annotated[str, BeforeValidator(lambda v: v if not isinstance(v, str) else _role_ok(v))]


class InsideConstraint(_ConstraintBase):
    """Exclude the part of a site that overlaps the layer's polygons."""

    mode: Literal["inside"]
    layer: Role
    exclude: Literal["usable_area", "any_overlap"] = "usable_area"


class WithinConstraint(_ConstraintBase):
    """Exclude the part of a site within ``distance_m`` of the layer's features."""

    mode: Literal["within"]
    layer: Role
    distance_m: float = Field(gt=0, le=MAX_DISTANCE_M)
    exclude: Literal["usable_area", "any_overlap"] = "usable_area"


class WhereConstraint(_ConstraintBase):
    """Exclude candidates whose ``field`` satisfies ``op value``.

    ``on_null`` says what happens to a NULL field value: ``keep`` (the rule
    is not met) or ``exclude``.
    """

    mode: Literal["where"]
    layer: Literal["candidates"] = "candidates"
    field: str
    op: Op
    value: Union[str, float, bool, list[Union[str, float, bool]]]
    on_null: Literal["keep", "exclude"] = "keep"

    @model_validator(mode="wrap")
    @classmethod
    def _rule_ok(cls, data: Any, handler: Any) -> Any:
        """``field`` is a candidate field, and ``value`` fits ``op`` (a list for in/not_in, a number for <, >)."""
        problems = _where_problems(data) if isinstance(data, Mapping) else []
        return with_problems(data, handler, problems, title=cls.__name__)


def _where_problems(rule: Mapping[str, Any]) -> list[Problem]:
    probs: list[Problem] = []
    fld = rule.get("field")
    known = [f.name for f in ROLES["candidates"].fields]
    if isinstance(fld, str) and fld not in known:
        probs.append((("field",), f"found {fld!r}; allowed candidate fields: {', '.join(known)}"))
    op, value = rule.get("op"), rule.get("value")
    if op in ("in", "not_in") and value is not None and not isinstance(value, list):
        probs.append((("value",), f"found {short_repr(value)}; allowed: a list for op {op!r}"))
    if op in ("==", "!=", "<", "<=", ">", ">=") and isinstance(value, list):
        probs.append((("value",), f"found a list; allowed: a single value for op {op!r}"))
    if op in ("<", "<=", ">", ">=") and isinstance(value, str):
        probs.append((("value",), f"found text {value!r}; allowed: a number for op {op!r}"))
    return probs


class MinAreaConstraint(_ConstraintBase):
    """Exclude candidates whose usable area is below ``min_area_ha``."""

    mode: Literal["min_area"]
    layer: Literal["candidates"] = "candidates"
    min_area_ha: float = Field(gt=0)


class MinVoltageWithinConstraint(_ConstraintBase):
    """Exclude sites with no substation of ≥ ``min_voltage_kv`` within ``distance_km``."""

    mode: Literal["min_voltage_within"]
    layer: Literal["substations"] = "substations"
    min_voltage_kv: float = Field(gt=0, le=1000)
    distance_km: float = Field(gt=0, le=1000)


Constraint = Annotated[
    Union[
        InsideConstraint,
        WithinConstraint,
        WhereConstraint,
        MinAreaConstraint,
        MinVoltageWithinConstraint,
    ],
    Field(discriminator="mode"),
]

#: Every constraint ``mode`` and its model, in the order the reference lists them.
CONSTRAINT_MODES: dict[str, type[_ConstraintBase]] = {
    "inside": InsideConstraint,
    "within": WithinConstraint,
    "where": WhereConstraint,
    "min_area": MinAreaConstraint,
    "min_voltage_within": MinVoltageWithinConstraint,
}
