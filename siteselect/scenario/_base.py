"""The base of every scenario model (unknown keys refused, frozen, finite numbers only) and how its checks report.

A model's own checks run in a ``mode="wrap"`` validator on the raw input and hand
their problems to :func:`with_problems`, which reports them together with
pydantic's, so that every problem of a file is listed at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

__all__ = ["CHECK_ERROR", "Problem", "SchemaModel", "with_problems"]


class SchemaModel(BaseModel):
    """Base of the scenario models."""

    # every number a user gives must be finite: .inf / .nan are refused
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


#: Error type of the problems the scenario's own checks find (beside pydantic's types).
CHECK_ERROR = "scenario_check"

#: One problem: key path below the validated model, and the message (``found …; allowed …``).
Problem = tuple[tuple[str | int, ...], str]


def _detail(err: Mapping[str, Any]) -> InitErrorDetails:
    """A pydantic error (as from ``ValidationError.errors()``) ready to be raised again."""
    if err["type"] == CHECK_ERROR:
        kind: Any = PydanticCustomError(CHECK_ERROR, "{message}", {"message": err["ctx"]["message"]})
        return InitErrorDetails(type=kind, loc=tuple(err["loc"]), input=err["input"])
    detail = InitErrorDetails(type=err["type"], loc=tuple(err["loc"]), input=err["input"])
    if "ctx" in err:
        detail["ctx"] = err["ctx"]
    return detail


def with_problems(data: Any, handler: Any, problems: list[Problem], *, title: str, first: bool = False) -> Any:
    """Run a wrap validator's ``handler`` and report its errors together with ``problems``.

    Every problem in a scenario is reported at once: a model's own checks run
    on the raw input whether or not its fields are valid, and their problems
    join pydantic's.

    Parameters
    ----------
    data
        The raw input of the model.
    handler
        The wrap validator's handler (pydantic's own validation of the model).
    problems
        What the model's checks found in ``data``.
    title
        The model's name (title of the raised error).
    first
        List ``problems`` before the errors found inside the model's fields.

    Returns
    -------
    Any
        The validated model, when neither pydantic nor the checks found a problem.

    Raises
    ------
    pydantic.ValidationError
        Listing pydantic's errors and ``problems`` (as type :data:`CHECK_ERROR`).
    """
    mine = [InitErrorDetails(type=PydanticCustomError(CHECK_ERROR, "{message}", {"message": msg}),
                             loc=loc, input=data) for loc, msg in problems]
    try:
        value = handler(data)
    except ValidationError as exc:
        theirs = [_detail(e) for e in exc.errors(include_url=False)]
        raise ValidationError.from_exception_data(exc.title, mine + theirs if first else theirs + mine) from None
    if mine:
        raise ValidationError.from_exception_data(title, mine)
    return value
