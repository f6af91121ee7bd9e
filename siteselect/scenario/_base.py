"""The base of every scenario model: unknown keys refused, frozen, finite numbers only."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["SchemaModel"]


class SchemaModel(BaseModel):
    """Base of the scenario models."""

    # every number a user gives must be finite: .inf / .nan are refused
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
