"""Write the golden rankings of the shipped scenarios (tests/golden/<scenario>.csv).

Run only when a ranking is meant to change, and say in the commit which sites moved and why::

    python tests/golden/make_golden.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from siteselect.pipeline import analyse, resolve_scenario

HERE = Path(__file__).resolve().parent
SCENARIOS = ("electricity-intensive", "logistics")
COLUMNS = ["site_id", "excluded", "rank", "score", "exclusion_reason"]


def golden_table(name: str) -> pd.DataFrame:
    """The pinned columns of a shipped scenario's ranking, one row per candidate, by site id."""
    scenario, path = resolve_scenario(HERE.parents[1] / "layers" / "scenarios" / f"{name}.yaml")
    result = analyse(scenario, scenario_path=path, sensitivity=False, isochrone_top_n=0)
    table = result.ranking[COLUMNS].sort_values("site_id", kind="stable").reset_index(drop=True)
    return pd.DataFrame(table)


if __name__ == "__main__":
    for name in SCENARIOS:
        golden_table(name).to_csv(HERE / f"{name}.csv", index=False, float_format="%.17g")
        print(f"wrote {HERE / f'{name}.csv'}")
