"""Validity check: do the shipped scenarios' surfaces score real industry above random land and services?

Run:  .venv/bin/python bench/validity.py [--resolution 100]

Data: the embedded Västmanland layers (``siteselect.io.layers.load_layers()``)
and the public validation set in ``bench/validation/`` (establishments:
large industrial, logistics and energy sites; service points: hospitals,
schools, shopping and town centres; positions ±200 m–2.5 km, see
``bench/validation/README.md``).

For each shipped scenario (``layers/scenarios/logistics.yaml`` and the
default ``electricity-intensive.yaml``) the raster surface of
``siteselect suitability`` is computed at ``--resolution`` (same road graph,
node tables and ``suitability_surface(..., skip_unavailable=True)``) and
read at the cell under each point; a cell excluded by a constraint scores 0.
Reported per scenario:

``auc_industry_vs_random``
    Mann–Whitney AUC of the establishments against every cell whose centre
    lies in the county (excluded cells score 0): the probability that an
    establishment outscores a random county cell, ties counted half.
``auc_industry_vs_service``
    The same against the service points.
``auc_industry_vs_random_without_model_inputs``
    Without the 15 establishments that are themselves features of a model
    layer (``model_input = yes``: the two ports, Östra hamnen, the combi
    terminal, the airport, and the 10 whose works is a plant in
    ``industrial_land``).
``auc_industry_vs_random_heldout``, ``auc_industry_vs_service_heldout``
    Only the establishments that are not themselves an ``industrial_land``
    feature (empty ``industrial_land_id``: the 13 plant and port rows are
    left out), so industrial land drawn on an establishment cannot score it.
``auc_industry_vs_random_ci90``, ``auc_industry_vs_random_heldout_ci90``
    90 % bootstrap intervals of those AUCs (establishments resampled).
``auc_industry_vs_random_outside_industrial_land``
    Stricter: only the establishments whose point lies outside every
    ``industrial_land`` polygon of the layers used.
``excluded_share``
    Share of establishments in a cell a constraint excludes, and per
    constraint the share it excludes alone.
``leave_one_out``
    For each factor and each constraint: the AUC against random cells with
    it left out (factor weights renormalised), and ``costs_most``: the one
    whose removal raises that AUC most (negative gain = nothing costs).
``saturated_share``
    Per factor, the share of county cells whose standardised value is
    ≥ 0.99 (before constraints).

The leave-one-out surfaces are recombined from per-factor standardised
rasters and per-constraint masks (WLC); ``recombination_max_abs_diff`` checks
that recombining all of them gives the library's surface.

``--points`` also prints each establishment's score and the constraints
that exclude its cell. ``--with-real`` adds the ``real-vastmanland``
scenario (its catalog reads ``../shared/data``). The last line is
``RESULT {json}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
from pyproj import Transformer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from siteselect.analysis.measures import node_measures  # noqa: E402
from siteselect.io.layers import load_layers  # noqa: E402
from siteselect.network.graph import RoadGraph  # noqa: E402
from siteselect.pipeline import catalog_path  # noqa: E402
from siteselect.raster.suitability import Grid, constraint_mask, suitability_surface  # noqa: E402
from siteselect.scenario import AggregationSpec, Scenario, WeightsSpec, load_scenario  # noqa: E402

VALIDATION = REPO / "bench" / "validation"
SCENARIOS = {
    "logistics": REPO / "layers" / "scenarios" / "logistics.yaml",
    "electricity-intensive": REPO / "layers" / "scenarios" / "electricity-intensive.yaml",
}
REAL_SCENARIO = ("real-vastmanland", REPO / "layers" / "scenarios" / "real-vastmanland.yaml")
DEFAULT_SCENARIO = "electricity-intensive"
SATURATED = 0.99


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Mann–Whitney AUC: P(pos > neg) + ½ P(pos = neg)."""
    neg = np.sort(np.asarray(neg, dtype=np.float64))
    pos = np.asarray(pos, dtype=np.float64)
    below = np.searchsorted(neg, pos, side="left")
    upto = np.searchsorted(neg, pos, side="right")
    return float((below + 0.5 * (upto - below)).sum() / (len(pos) * len(neg)))


def auc_interval(pos: np.ndarray, neg: np.ndarray, *, runs: int = 1000, seed: int = 20,
                 level: float = 0.9) -> tuple[float, float]:
    """Bootstrap interval of :func:`auc`: ``pos`` resampled with replacement ``runs`` times.

    Only the establishments are resampled (the random cells are the whole
    county); with 28–41 points the interval says how far one set of
    establishments can be from another.
    """
    rng = np.random.default_rng(seed)
    neg = np.sort(np.asarray(neg, dtype=np.float64))
    pos = np.asarray(pos, dtype=np.float64)
    below = np.searchsorted(neg, pos, side="left")
    share = (below + 0.5 * (np.searchsorted(neg, pos, side="right") - below)) / len(neg)  # auc = share.mean()
    draws = share[rng.integers(0, len(pos), (runs, len(pos)))].mean(axis=1)
    lo, hi = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return round(float(lo), 4), round(float(hi), 4)


def read_points(name: str, crs: Any) -> pd.DataFrame:
    df = pd.read_csv(VALIDATION / name)
    tr = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    x, y = tr.transform(df["lon"].to_numpy(), df["lat"].to_numpy())
    return df.assign(x=x, y=y)


def cells(grid: Grid, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    col = np.floor((x - grid.x0) / grid.resolution_m).astype(int)
    row = np.floor((grid.y0 - y) / grid.resolution_m).astype(int)
    return np.clip(row, 0, grid.height - 1), np.clip(col, 0, grid.width - 1)


def sample(score: np.ndarray, rc: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    v = score[rc].astype(np.float64)
    return np.where(np.isfinite(v), v, 0.0)


def single_factor(sc: Scenario, name: str) -> Scenario:
    return sc.model_copy(update={
        "factors": {name: sc.factors[name]}, "constraints": [],
        "weights": WeightsSpec(method="direct", values={name: 1.0}), "aggregation": AggregationSpec(),
    })


def evaluate(name: str, sc: Scenario, layers: Any, graph: RoadGraph, resolution_m: float,
             est: pd.DataFrame, svc: pd.DataFrame) -> dict[str, Any]:
    tables = node_measures(sc.factors, layers, graph)
    kw = dict(resolution_m=resolution_m, node_tables=tables, skip_unavailable=True)
    full = suitability_surface(sc, layers, **kw)  # type: ignore[arg-type]
    grid = full.grid
    county = rasterio.features.geometry_mask(
        list(layers["county"].geometry), out_shape=grid.shape, transform=grid.transform, invert=True)
    e_rc, s_rc = cells(grid, est["x"].to_numpy(), est["y"].to_numpy()), cells(grid, svc["x"].to_numpy(), svc["y"].to_numpy())
    own = (est["model_input"] == "no").to_numpy()
    heldout = (est["industrial_land_id"].fillna("") == "").to_numpy()
    il = layers.get("industrial_land")
    if il is not None and len(il):
        pts = gpd.GeoSeries(gpd.points_from_xy(est["x"], est["y"]), crs=il.crs)
        outside = ~pts.intersects(il.union_all()).to_numpy()
    else:
        outside = np.ones(len(est), dtype=bool)

    def aucs(score: np.ndarray) -> tuple[float, float, float]:
        rnd = np.where(np.isfinite(score[county]), score[county], 0.0)
        e = sample(score, e_rc)
        return auc(e, rnd), auc(e, sample(score, s_rc)), auc(e[own], rnd)

    a_rand, a_svc, a_own = aucs(full.score)
    rnd_full = np.where(np.isfinite(full.score[county]), full.score[county], 0.0)
    e_full, s_full = sample(full.score, e_rc), sample(full.score, s_rc)

    # per-factor standardised rasters (no constraints, whole grid) and per-constraint masks
    std = {f: suitability_surface(single_factor(sc, f), layers, bbox=grid.bounds, clip_to_county=False, **kw).score
           for f in full.factors}  # type: ignore[arg-type]
    masks = {c.id: constraint_mask(layers, sc.model_copy(update={"constraints": [c]}), grid)[0].astype(bool)
             for c in sc.constraints}
    applied = [c for c in masks if "not applied" not in full.notes.get(c, "")]

    def combine(factors: list[str], constraints: list[str]) -> np.ndarray:
        tot = sum(full.weights[f] for f in factors)
        out = sum((full.weights[f] / tot) * std[f] for f in factors)
        excl = ~county
        for c in constraints:
            excl = excl | masks[c]
        return np.where(excl, np.nan, out).astype(np.float32)

    recombined = combine(full.factors, applied)
    diff = np.nanmax(np.abs(recombined - full.score)) if np.isfinite(full.score).any() else 0.0
    both_nan = np.array_equal(np.isnan(recombined), np.isnan(full.score))

    loo: dict[str, float] = {}
    if full.method == "wlc":
        for f in full.factors:
            rest = [g for g in full.factors if g != f]
            if rest:
                loo[f"factor:{f}"] = round(aucs(combine(rest, applied))[0], 4)
        for c in applied:
            loo[f"constraint:{c}"] = round(aucs(combine(full.factors, [d for d in applied if d != c]))[0], 4)
    costs = max(loo, key=lambda k: loo[k]) if loo else None
    excluded = ~np.isfinite(full.score[e_rc])
    return {
        "auc_industry_vs_random": round(a_rand, 4),
        "auc_industry_vs_service": round(a_svc, 4),
        "auc_industry_vs_random_without_model_inputs": round(a_own, 4),
        "auc_industry_vs_random_heldout": round(auc(e_full[heldout], rnd_full), 4),
        "auc_industry_vs_service_heldout": round(auc(e_full[heldout], s_full), 4),
        "auc_industry_vs_random_ci90": auc_interval(e_full, rnd_full),
        "auc_industry_vs_random_heldout_ci90": auc_interval(e_full[heldout], rnd_full),
        "n_heldout": int(heldout.sum()),
        "auc_industry_vs_random_outside_industrial_land": round(auc(e_full[outside], rnd_full), 4)
        if outside.any() else None,
        "n_outside_industrial_land": int(outside.sum()),
        "factors": full.factors,
        "dropped_factors": full.dropped,
        "excluded_share": round(float(excluded.mean()), 4),
        "excluded_share_by_constraint": {c: round(float(masks[c][e_rc].mean()), 4) for c in applied},
        "leave_one_out": loo,
        "costs_most": costs,
        "costs_most_gain": round(loo[costs] - a_rand, 4) if costs else None,
        "saturated_share": {f: round(float((std[f][county] >= SATURATED).mean()), 4) for f in full.factors},
        "recombination_max_abs_diff": float(diff) if both_nan else float("inf"),
        "points": [
            {"id": i, "score": None if not np.isfinite(full.score[r, c]) else round(float(full.score[r, c]), 3),
             "excluded_by": [k for k in applied if masks[k][r, c]], "heldout": bool(h), "outside": bool(o)}
            for i, r, c, h, o in zip(est["id"], *e_rc, heldout, outside)
        ],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resolution", type=float, default=100.0, help="cell size, m (default 100)")
    ap.add_argument("--points", action="store_true", help="print each establishment's score and exclusions")
    ap.add_argument("--with-real", action="store_true",
                    help="also evaluate real-vastmanland (needs ../shared/data beside the project)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    scenarios = dict(SCENARIOS)
    if args.with_real:
        scenarios[REAL_SCENARIO[0]] = REAL_SCENARIO[1]
    embedded = load_layers()
    crs = embedded["county"].crs
    est = read_points("vastmanland_establishments.csv", crs)
    svc = read_points("vastmanland_service_points.csv", crs)
    graph = RoadGraph.from_roads(embedded["roads"])
    out: dict[str, Any] = {"resolution_m": args.resolution, "default": DEFAULT_SCENARIO,
                           "n_establishments": len(est), "n_service_points": len(svc), "scenarios": {}}
    for name, path in scenarios.items():
        sc = load_scenario(path)
        catalog = catalog_path(sc)
        layers = load_layers(catalog, crs=sc.crs) if catalog else embedded
        res = evaluate(name, sc, layers, graph, args.resolution, est, svc)
        points = res.pop("points")
        out["scenarios"][name] = res
        print(f"{name:22s} AUC vs random {res['auc_industry_vs_random']:.3f}  vs service "
              f"{res['auc_industry_vs_service']:.3f}  excluded {res['excluded_share']:.0%}  "
              f"costs most: {res['costs_most']} (+{res['costs_most_gain']})")
        lo, hi = res["auc_industry_vs_random_heldout_ci90"]
        print(f"{'':22s} held out (not industrial_land features, n={res['n_heldout']}): vs random "
              f"{res['auc_industry_vs_random_heldout']:.3f} (90 % {lo:.2f}–{hi:.2f})  vs service "
              f"{res['auc_industry_vs_service_heldout']:.3f}")
        for f, s in res["saturated_share"].items():
            print(f"    {f:18s} saturated on {s:.0%} of county cells")
        if args.points:
            for p in points:
                score = "excluded" if p["score"] is None else f"{p['score']:.3f}"
                print(f"    {p['id']:4s} {score:>8s} {'held out' if p['heldout'] else 'il feature':10s} "
                      f"{'outside' if p['outside'] else 'on il':7s} {','.join(p['excluded_by'])}")
    out["seconds"] = round(time.perf_counter() - t0, 1)
    print("RESULT " + json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
