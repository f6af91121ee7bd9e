"""docs/scenario.md is exactly what the generator writes, and the generator describes every key."""

from __future__ import annotations

from pathlib import Path

import pytest

from siteselect import scenario as sc
from siteselect.reference import (
    _SECTIONS,
    commented_scenario,
    field_description,
    scenario_reference,
    starter_path,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario.md"


def test_scenario_reference_is_up_to_date() -> None:
    expected = scenario_reference()
    found = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    assert found == expected, (
        "docs/scenario.md differs from the scenario schema; regenerate it with "
        "`python -m siteselect.reference > docs/scenario.md` and commit it"
    )


def _reachable_models(model: type, seen: set[type]) -> set[type]:
    """Every pydantic model the schema can nest, found by walking the field annotations."""
    import typing

    from pydantic import BaseModel

    def walk(tp: object) -> None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp not in seen:
                seen.add(tp)
                for f in tp.model_fields.values():
                    walk(f.annotation)
        for arg in typing.get_args(tp):
            walk(arg)

    walk(model)
    return seen


def test_every_model_of_the_schema_has_a_section() -> None:
    documented = {model for _, model in _SECTIONS}
    reachable = _reachable_models(sc.Scenario, set())
    assert sc.GridSpec in reachable and sc.WhereConstraint in reachable  # the walk reaches nested models
    assert reachable == documented


@pytest.mark.parametrize(("path", "model"), _SECTIONS, ids=[p for p, _ in _SECTIONS])
def test_every_key_is_described_and_listed(path: str, model: type) -> None:
    text = scenario_reference()
    undescribed = [name for name in model.model_fields if not field_description(model, name)]
    assert undescribed == [], f"{model.__name__}: give these keys a Field(description=...) or a note"
    section = text.split(f"## `{path}`\n", 1)[1].split("\n## ", 1)[0]
    listed = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert listed == list(model.model_fields)


def test_every_measure_is_listed() -> None:
    text = scenario_reference()
    for measure in sc.MEASURES:
        assert f"| `{measure}` |" in text


def test_example_in_the_reference_loads_as_the_shipped_scenario(tmp_path: Path) -> None:
    text = scenario_reference()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.yaml"
    path.write_text(example, encoding="utf-8")
    loaded = sc.load_scenario(path)
    shipped = sc.load_scenario(starter_path("electricity-intensive"))
    assert loaded.name == "my-plant"
    assert loaded.model_copy(update={"name": shipped.name}) == shipped


def test_required_and_default_cells() -> None:
    text = scenario_reference()
    assert "| `min_area_ha` | number | **required** | > 0, ≤ 1e+06 |" in text
    assert "| `runs` | integer | `1000` | ≥ 1, ≤ 10000 |" in text
    assert "| `method` | one of `wlc`, `owa` | `wlc` |" in text


def _commented_key(lines: list[str], indent: str, key: str, start: int = 0) -> int:
    """Index of the line ``{indent}{key}:`` that follows the comment ``# key: …`` found after ``start``."""
    comment = next(i for i in range(start, len(lines)) if lines[i].startswith(f"{indent}# {key}: "))
    line = next(i for i in range(comment, len(lines)) if not lines[i].lstrip().startswith("#"))
    assert lines[line].startswith(f"{indent}{key}:"), f"comment on {key!r} is not followed by the key"
    return line


@pytest.mark.parametrize("starter", ["electricity-intensive", "logistics"])
def test_commented_scenario_comments_every_written_key(starter: str) -> None:
    lines = commented_scenario(starter_path(starter), name="hub").splitlines()
    data = sc.load_scenario(starter_path(starter)).to_yaml_dict()
    for key, value in data.items():
        at = _commented_key(lines, "", key)
        if isinstance(value, dict) and key not in ("factors", "readiness"):
            for sub in value:
                _commented_key(lines, "  ", sub, start=at)
