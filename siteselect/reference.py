"""The scenario reference, generated from the schema so that it cannot drift.

:func:`scenario_reference` walks the pydantic models of :mod:`siteselect.scenario`
and writes Markdown: every key with its type, default, allowed values and a
description (the field's ``description``, else its attribute docstring, else a
note kept here beside the generator), the measures and their parameters, and a
complete example. ``docs/scenario.md`` is this output, and a test fails when
the two differ. Regenerate it with::

    python -m siteselect.reference > docs/scenario.md

:func:`commented_scenario` writes a scenario YAML with a comment on every key
(what ``siteselect init`` writes); its comments come from the same descriptions.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import sys
import textwrap
import types
import typing
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, Union

import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from siteselect import scenario as _sc
from siteselect.core.roles import ROLES

__all__ = [
    "STARTERS",
    "commented_scenario",
    "field_description",
    "main",
    "scenario_reference",
    "starter_path",
]

#: Shipped scenarios that ``siteselect init --from`` starts from.
STARTERS: tuple[str, ...] = ("electricity-intensive", "logistics")

#: Descriptions of keys whose model gives none (``Model.field``; looked up along the MRO).
_NOTES: dict[str, str] = {
    "Scenario.name": "Name of the scenario; names the outputs. Lower-case letters, digits and '-'.",
    "Scenario.description": "One line saying what the scenario is for; shown on maps and sheets.",
    "Scenario.site": "What the establishment needs of a site (see `site`).",
    "Scenario.constraints": "Exclusions: each removes sites, or the part of a site, that break a rule; "
                            "every excluded site gets the reason. See `constraints`.",
    "Scenario.factors": "Factor name → how it is measured and standardised to 0–1 (see `factors.NAME`). "
                        "Names are yours; they appear in tables, maps and sheets.",
    "Scenario.weights": "How important each factor is (see `weights`).",
    "Scenario.aggregation": "How standardised factors and weights become one score (see `aggregation`).",
    "Scenario.sensitivity": "Monte-Carlo check of how stable the ranking is under other weights "
                            "(see `sensitivity`); adds rank_min, rank_max and p_top_k.",
    "Scenario.output": "Output options (see `output`).",
    "Scenario.vehicle": "Vehicle of the freight measures: `car` (default) or `hgv` (heavy lorry: "
                        "speed caps, bärighetsklass, lorry bans; see `vehicle`).",
    "Scenario.grid": "Grid capacity the establishment needs; adds the `grid_capacity` factor (see `grid`).",
    "Scenario.limits": "Hard limits on measured reach (see `limits`).",
    "Scenario.engine": "Where raster mode (`siteselect suitability`) runs: in memory or on Dask "
                       "(see `engine`); default: in memory. CLI options override it.",
    "Scenario.readiness": "Land-readiness class map (`{classes: [...]}`, see siteselect/scenario/readiness.py); "
                          "default: the built-in classes.",
    "SiteSpec.min_area_ha": "Smallest usable area, hectares, after the constraints have cut away what they "
                            "exclude. Smaller sites are excluded.",
    "FactorSpec.measure": "What is measured (see the measure table).",
    "FactorSpec.min_voltage_kv": "Only substations of at least this voltage count (substation measures).",
    "FactorSpec.station_kinds": "Only these station kinds count (rail_minutes); default: all kinds.",
    "FactorSpec.minutes": "Travel time by road, minutes (population_within; required there).",
    "FactorSpec.fuzzy": "Standardisation of a numeric measure (see `fuzzy`); required for numeric measures.",
    "FactorSpec.classes": "Class value → standardised value in [0, 1]; required for class measures.",
    "FactorSpec.default": "Standardised value of a class not listed in `classes`.",
    "FactorSpec.nodata": "Standardised value given to a missing raw value (a number in [0, 1]), or "
                         "'exclude' to exclude the site. Without it a missing value is an error.",
    "FuzzySpec.shape": "Curve between the control points.",
    "FuzzySpec.direction": "Whether larger raw values are better (increasing), worse (decreasing) or best "
                           "in a middle band (symmetric). Not used by piecewise.",
    "FuzzySpec.points": "Control points in the factor's own units: [a, b]; [a, b, c, d] for symmetric; "
                        "[[x, y], ...] pairs for piecewise (at most 16). Finite, within ±1e9.",
    "_ConstraintBase.id": "Your name of the rule; unique; lower-case letters, digits, '_' and '-'.",
    "_ConstraintBase.reason": "Text that starts the exclusion reason (default: the id).",
    "InsideConstraint.mode": "`inside`: the part of a site inside the layer's polygons is excluded.",
    "InsideConstraint.layer": "Layer role whose polygons exclude.",
    "InsideConstraint.exclude": "`usable_area`: only the overlapping part is cut away; "
                                "`any_overlap`: any overlap excludes the whole site.",
    "WithinConstraint.mode": "`within`: the part of a site within `distance_m` of the layer's features "
                             "is excluded.",
    "WithinConstraint.layer": "Layer role whose features are buffered.",
    "WithinConstraint.distance_m": "Buffer distance, metres (exact vector buffer).",
    "WithinConstraint.exclude": "`usable_area`: only the part within the distance is cut away; "
                                "`any_overlap`: the whole site is excluded.",
    "WhereConstraint.mode": "`where`: candidates whose field satisfies `op value` are excluded.",
    "WhereConstraint.layer": "Always the candidates.",
    "WhereConstraint.field": "A candidate field (site_id, name, municipality, area_ha, site_type, "
                             "plan_status, plan_use, owner, mifo_class, source …).",
    "WhereConstraint.op": "Comparison; `in` / `not_in` take a list value.",
    "WhereConstraint.value": "Value compared with; a list for `in` / `not_in`, a number for <, <=, >, >=.",
    "WhereConstraint.on_null": "A NULL field value: `keep` (the rule is not met) or `exclude`.",
    "MinAreaConstraint.mode": "`min_area`: candidates with less usable area are excluded.",
    "MinAreaConstraint.layer": "Always the candidates.",
    "MinAreaConstraint.min_area_ha": "Smallest usable area, hectares.",
    "MinVoltageWithinConstraint.mode": "`min_voltage_within`: sites with no substation of at least "
                                       "`min_voltage_kv` within `distance_km` are excluded.",
    "MinVoltageWithinConstraint.layer": "Always the substations.",
    "MinVoltageWithinConstraint.min_voltage_kv": "Smallest substation voltage that counts, kV.",
    "MinVoltageWithinConstraint.distance_km": "Largest straight-line distance to such a substation, km.",
    "WeightsSpec.method": "`direct`: weights given in `values`; `ahp`: derived from the pairwise matrix in `ahp`.",
    "WeightsSpec.values": "Factor name → weight > 0 and ≤ 1e6, one per factor; normalised to sum 1.",
    "WeightsSpec.ahp": "Pairwise comparison matrix (see `weights.ahp`); for method `ahp`.",
    "WeightsSpec.allow_inconsistent": "Accept an AHP matrix whose consistency ratio is above 0.10.",
    "AHPSpec.order": "The factor names, one per row and column of the matrix.",
    "AHPSpec.matrix": "`matrix[i][j]`: how much more important order[i] is than order[j] (1/9 … 9; "
                      "fractions such as 1/3 allowed); 1 on the diagonal, reciprocals below it.",
    "AggregationSpec.method": "`wlc`: weighted linear combination; `owa`: ordered weighted average.",
    "AggregationSpec.order_weights": "OWA order weights, one per factor, summing to 1; the first goes "
                                     "to a site's largest factor value. Only for `owa`.",
    "SensitivitySpec.runs": "Number of Monte-Carlo runs.",
    "SensitivitySpec.top_k": "p_top_k is the share of runs in which a site ranks in the top `top_k`.",
    "SensitivitySpec.concentration": "Dirichlet concentration of the perturbed weights around the chosen "
                                     "ones: larger means a smaller spread.",
    "SensitivitySpec.fuzzy_jitter": "Also shift every fuzzy control point by up to ± this fraction of "
                                    "its span in each run (0: no shift).",
    "SensitivitySpec.seed": "Random seed; the same seed gives the same columns.",
    "OutputSpec.sheets_top_n": "Number of top sites that get a site sheet.",
    "GridSpec.power_mw": "Firm grid power needed, MW.",
    "GridSpec.ready_by": "Year by which the power is needed.",
    "GridSpec.unknown": "Score of a substation whose capacity is unknown: `assume_available` (1), "
                        "`assume_unavailable` (0, site excluded) or a number in [0, 1].",
    "GridSpec.weight": "Share of the total score given to the grid; the other weights are scaled by 1 − weight.",
    "GridSpec.max_distance_km": "Substations farther away than this do not count, km.",
    "GridSpec.min_voltage_kv": "Only substations of at least this voltage count, kV.",
    "GridSpec.capacity_csv": "The municipality's capacity table (layers/grid/grid_capacity_template.csv); "
                             "relative to the scenario file. Default: the shipped table of the region.",
    "GridSpec.projects_csv": "Planned grid projects (new capacity and year); relative to the scenario file.",
    "LimitsSpec.max_port_minutes": "Sites farther than this from a port by road, minutes, are excluded.",
    "LimitsSpec.max_motorway_minutes": "Sites farther than this from a motorway junction, minutes, are excluded.",
    "LimitsSpec.max_rail_minutes": "Sites farther than this from a rail station, minutes, are excluded.",
    "LimitsSpec.rail_station_kinds": "Station kinds `max_rail_minutes` counts; default: all kinds.",
    "LimitsSpec.min_workers_45min": "Sites with fewer people living within 45 minutes by road are excluded.",
}

#: Sections of the reference: (YAML path, model), in order.
_SECTIONS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("(top level)", _sc.Scenario),
    ("site", _sc.SiteSpec),
    ("factors.NAME", _sc.FactorSpec),
    ("factors.NAME.fuzzy", _sc.FuzzySpec),
    ("constraints[] with mode: inside", _sc.InsideConstraint),
    ("constraints[] with mode: within", _sc.WithinConstraint),
    ("constraints[] with mode: where", _sc.WhereConstraint),
    ("constraints[] with mode: min_area", _sc.MinAreaConstraint),
    ("constraints[] with mode: min_voltage_within", _sc.MinVoltageWithinConstraint),
    ("weights", _sc.WeightsSpec),
    ("weights.ahp", _sc.AHPSpec),
    ("aggregation", _sc.AggregationSpec),
    ("sensitivity", _sc.SensitivitySpec),
    ("output", _sc.OutputSpec),
    ("grid", _sc.GridSpec),
    ("limits", _sc.LimitsSpec),
    ("engine", _sc.EngineSpec),
    ("vehicle", _sc.VehicleSpec),
)


# --------------------------------------------------------------------------- descriptions


@cache
def _attribute_docstrings(cls: type) -> dict[str, str]:
    """Docstrings written under a class's field definitions (``x: int = 0`` then ``\"\"\"…\"\"\"``)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0]
    found: dict[str, str] = {}
    stmts = getattr(body, "body", [])
    for prev, stmt in itertools.pairwise(stmts):
        if (isinstance(prev, ast.AnnAssign) and isinstance(prev.target, ast.Name)
                and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)):
            found[prev.target.id] = inspect.cleandoc(stmt.value.value)
    return found


def field_description(model: type[BaseModel], name: str) -> str:
    """Description of one key: ``Field(description=…)``, else its docstring, else the note kept here.

    Returns ``""`` when there is none (the docs test checks that none is missing).
    """
    info = model.model_fields[name]
    if info.description:
        return " ".join(info.description.split())
    for cls in model.__mro__:
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            continue
        doc = _attribute_docstrings(cls).get(name)
        if doc and name in getattr(cls, "__annotations__", {}):
            return " ".join(doc.split())
        note = _NOTES.get(f"{cls.__name__}.{name}")
        if note:
            return note
    return ""


# --------------------------------------------------------------------------- types


def _strip_annotated(ann: Any) -> tuple[Any, list[Any]]:
    meta: list[Any] = []
    while typing.get_origin(ann) is typing.Annotated:
        args = typing.get_args(ann)
        ann, meta = args[0], meta + list(args[1:])
    return ann, meta


def _bounds(meta: list[Any]) -> str:
    parts = []
    for m in meta:
        if isinstance(m, FieldInfo):
            parts.extend(_bounds(list(m.metadata)).split(", ") if m.metadata else [])
            continue
        for cls, sym, attr in ((Gt, ">", "gt"), (Ge, "≥", "ge"), (Lt, "<", "lt"), (Le, "≤", "le")):
            if isinstance(m, cls):
                parts.append(f"{sym} {getattr(m, attr):g}")
        pattern = getattr(m, "pattern", None)
        if isinstance(pattern, str):
            parts.append(f"matching `{pattern}`")
    return ", ".join(p for p in parts if p)


def _type_text(ann: Any) -> str:
    """Plain-words type of an annotation (``number``, ``list of text`` …)."""
    ann, meta = _strip_annotated(ann)
    origin = typing.get_origin(ann)
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    if origin is Literal:
        values = [f"`{a}`" for a in typing.get_args(ann)]
        text = values[0] if len(values) == 1 else "one of " + ", ".join(values)
    elif origin in (Union, types.UnionType):
        text = " or ".join(dict.fromkeys(_type_text(a) for a in args))
    elif origin is list:
        text = "list of " + _type_text(args[0])
    elif origin is dict:
        text = "mapping of name → " + _type_text(args[1])
    elif isinstance(ann, type) and issubclass(ann, BaseModel):
        text = "mapping"
    else:
        text = {float: "number", int: "integer", str: "text", bool: "true/false", Path: "path",
                typing.Any: "any"}.get(ann, getattr(ann, "__name__", str(ann)))
    bounds = _bounds(meta)
    return f"{text} ({bounds})" if bounds else text


def _allowed_text(model: type[BaseModel], name: str) -> str:
    info = model.model_fields[name]
    parts = [_bounds(list(info.metadata))] if info.metadata else []
    if model is _sc.FactorSpec and name == "measure":
        parts.append(", ".join(f"`{m}`" for m in _sc.MEASURES))
    if model is _sc.FactorSpec and name == "classes":
        parts.append("keys: " + "; ".join(f"{m}: {', '.join(v)}" for m, v in _sc.CLASS_VALUES.items()))
    if name == "layer" and model in (_sc.InsideConstraint, _sc.WithinConstraint):
        parts.append("a layer role: " + ", ".join(f"`{r}`" for r in sorted(ROLES)))
    return "; ".join(p for p in parts if p)


def _default_text(info: FieldInfo) -> str:
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json", exclude_none=True)
        return f"`{_flow(value)}`"
    if info.default is PydanticUndefined:
        return "**required**"
    if info.default is None:
        return "—"
    return f"`{_flow(info.default)}`"


def _tidy(value: Any) -> Any:
    """Integral floats as integers (``20`` rather than ``20.0``), recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _tidy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value


def _flow(value: Any) -> str:
    """One-line YAML (flow style) of a value."""
    text = yaml.safe_dump(_tidy(value), default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6)
    return text.strip().removesuffix("...").strip()


def _markdown(text: str) -> str:
    """Docstring markup as Markdown: ``:mod:`x``` and ````x```` become ```x```."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --------------------------------------------------------------------------- Markdown


def _key_rows(model: type[BaseModel]) -> Iterator[str]:
    yield "| key | type | default | allowed | description |"
    yield "|---|---|---|---|---|"
    for name, info in model.model_fields.items():
        yield "| " + " | ".join(_cell(c) for c in (
            f"`{name}`", _type_text(info.annotation), _default_text(info), _allowed_text(model, name),
            _markdown(field_description(model, name)),
        )) + " |"


def starter_path(name: str) -> Path:
    """The shipped scenario file a starter name refers to (``layers/scenarios/NAME.yaml`` in a checkout)."""
    from siteselect.core.embedded import data_file

    return data_file("scenarios", f"{name}.yaml")


def scenario_reference() -> str:
    """The scenario reference as Markdown (the content of ``docs/scenario.md``)."""
    out = [
        "# Scenario reference",
        "",
        "<!-- Generated by `python -m siteselect.reference > docs/scenario.md` from the schema in",
        "     siteselect/scenario/. Do not edit by hand: tests/test_docs.py fails when it drifts. -->",
        "",
        "A scenario is a YAML file that says which layers to use, what to exclude, what to score and",
        "how much each factor counts. `siteselect init NAME` writes a commented one to start from;",
        "`siteselect run FILE --out DIR` runs it. Unknown keys are errors. Every problem in a file is",
        "reported at once, each with its key path (e.g. `factors.port_minutes.fuzzy.shape`), and the",
        "command exits with code 2.",
        "",
        "A scenario written beside an output (`DIR/scenario.yaml`) carries a `provenance:` block",
        "(data sources, version, time); it is ignored when the file is read again.",
        "",
        "**The working CRS is a property of the region.** Every layer is reprojected to it and every",
        "length, area, buffer and travel time is measured in it; outputs (ranking x/y, GeoPackage,",
        "GeoTIFF) are written in it. It is SWEREF 99 TM (EPSG:3006), the embedded Västmanland",
        "region's, unless the layer catalog's top-level `crs:` or the scenario's `crs:` (which wins)",
        "names another: a projected EPSG code (a geographic one such as EPSG:4326 is refused), or",
        "`auto`, the WGS 84 / UTM zone of the centre of the layers' bounds (e.g. EPSG:32635 at",
        "Helsinki). A layer outside the area its working CRS is made for (pyproj's area of use, with",
        "a 0.5° margin) is refused with a message naming the cause and the fix. Not to be confused",
        "with a catalog entry's own `crs:`, the CRS its *source file* is in when the file states none.",
        "",
    ]
    for path, model in _SECTIONS:
        out += [f"## `{path}`", ""]
        doc = _markdown(inspect.cleandoc(model.__doc__ or ""))
        if doc and model is not _sc.Scenario:
            out += [doc, ""]
        out += list(_key_rows(model)) + [""]
    out += [
        "## Measures",
        "",
        "Numeric measures take `fuzzy`; class measures take `classes` (and `default`).",
        "",
        "| measure | kind | parameters | class values |",
        "|---|---|---|---|",
    ]
    for measure, (kind, params) in _sc.MEASURES.items():
        required = _sc.REQUIRED_PARAMS.get(measure, ())
        ptext = ", ".join(f"`{p}`" + (" (required)" if p in required else "") for p in params) or "—"
        classes = ", ".join(f"`{v}`" for v in _sc.CLASS_VALUES.get(measure, ())) or "—"
        out.append(f"| `{measure}` | {kind} | {ptext} | {classes} |")
    out += [
        "",
        "## Example",
        "",
        f"What `siteselect init my-plant --from {STARTERS[0]}` writes:",
        "",
        "```yaml",
        commented_scenario(starter_path(STARTERS[0]), name="my-plant").rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------- commented YAML


def _model_of(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    ann, _ = _strip_annotated(model.model_fields[name].annotation)
    for cand in (ann, *typing.get_args(ann)):
        cand, _ = _strip_annotated(cand)
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, width=96 - len(indent))]


def commented_scenario(source: str | Path, *, name: str) -> str:
    """A scenario YAML with a comment above every key, starting from a scenario file.

    Parameters
    ----------
    source
        Scenario YAML to start from (e.g. a shipped one, see :func:`starter_path`).
    name
        ``name`` of the new scenario (lower-case letters, digits and '-').

    Returns
    -------
    str
        YAML that :func:`siteselect.load_scenario` reads into the same scenario
        as ``source``, with ``name`` replaced.

    Raises
    ------
    ScenarioError
        ``source`` is not a valid scenario, or ``name`` is not a valid name.
    """
    base = _sc.load_scenario(source)
    data = _sc.scenario_from_dict({**base.to_yaml_dict(), "name": name}, source=f"name {name!r}").to_yaml_dict()
    lines = [
        f"# siteselect scenario '{name}', started from {Path(source).name}.",
        "# Every key is explained above it; the full reference is docs/scenario.md.",
        f"# Run it with:  siteselect run {name}.yaml --out results/{name}",
        "",
    ]
    for key, value in data.items():
        lines += _comment(f"{key}: {field_description(_sc.Scenario, key)}", "")
        sub = _model_of(_sc.Scenario, key)
        if key == "constraints":
            lines.append("constraints:")
            lines += [f"  - {_flow(item)}" for item in value]
        elif key == "factors":
            lines.append("factors:")
            lines += _comment("each factor: measure, its parameters, and fuzzy (numeric) or classes (class)", "  ")
            lines += [f"  {fname}: {_flow(spec)}" for fname, spec in value.items()]
        elif isinstance(value, Mapping) and sub is not None:
            lines.append(f"{key}:")
            for k, v in value.items():
                lines += _comment(f"{k}: {field_description(sub, k)}", "  ")
                lines.append(f"  {k}: {_flow(v)}")
        else:
            lines.append(f"{key}: {_flow(value)}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the scenario reference (``python -m siteselect.reference > docs/scenario.md``)."""
    sys.stdout.write(scenario_reference())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
