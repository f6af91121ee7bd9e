"""Benchmark of the live map in headless Chromium (not a test).

Usage::

    .venv/bin/python bench/livemap.py                 # 10,000 synthetic candidates × 8 factors
    .venv/bin/python bench/livemap.py --sites 50000 --repeat 31 --no-default-run

Measured in the same run:

rescore
    ``siteselect_live.js`` re-scoring and re-ranking ``--sites`` synthetic
    candidates × 8 factors (every curve shape, nodata, one rule) after a
    weight change, inside Chromium: the median of ``--repeat`` runs of the
    engine's ``compute()`` (standardise, WLC, rank), and the same with OWA.
    The page's scores and ranks are checked against the Python engine
    (:func:`siteselect.analysis.factors.standardise` + :func:`siteselect.analysis.overlay.score_table`
    + :func:`rank_scores`) on the same data, whose time is the baseline
    (``rescore_10k_ms_python``).
page load
    ``siteselect run`` with the shipped default scenario, then its
    ``map.html`` loaded ``--loads`` times in a fresh tab: median time until
    ``window.siteselect`` answers (``page_load_default_ms``), and the median
    time of one ``setWeights`` call including redrawing the map
    (``set_weights_default_ms``).

Needs Debian's ``chromium`` and ``chromium-driver`` and ``selenium``. The
last line is ``RESULT {json}``; the goal for ``rescore_10k_ms_browser`` is
under 20 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siteselect.analysis.factors import standardise
from siteselect.analysis.overlay import rank_scores, score_table
from siteselect.outputs.mapview import json_island
from siteselect.outputs.offline import asset_text, script_safe
from siteselect.scenario import FactorSpec

CURVES: list[dict[str, Any]] = [
    {"shape": "linear", "direction": "increasing", "points": [10, 60]},
    {"shape": "linear", "direction": "decreasing", "points": [5, 80]},
    {"shape": "sigmoid", "direction": "increasing", "points": [0, 50]},
    {"shape": "sigmoid", "direction": "symmetric", "points": [10, 30, 60, 90]},
    {"shape": "jshaped", "direction": "decreasing", "points": [20, 70]},
    {"shape": "piecewise", "points": [[0, 0], [25, 0.7], [50, 0.9], [100, 1]]},
    {"shape": "linear", "direction": "symmetric", "points": [0, 20, 40, 100]},
    {"shape": "jshaped", "direction": "increasing", "points": [30, 90]},
]


def synthetic_model(n: int, seed: int = 1) -> tuple[dict[str, Any], pd.DataFrame]:
    """A live model of ``n`` candidates × 8 factors, and its raw table."""
    rng = np.random.default_rng(seed)
    names = [f"f{j}" for j in range(len(CURVES))]
    raw = pd.DataFrame({nm: rng.uniform(0, 100, n) for nm in names})
    for nm in names[:3]:
        raw.loc[rng.random(n) < 0.02, nm] = np.nan  # unreachable: nodata 0.25
    ruled = rng.random(n) < 0.1
    reasons = [[[0, "rule: synthetic"]] if r else [] for r in ruled]
    values = {nm: float(v) for nm, v in zip(names, rng.uniform(0.5, 3, len(names)), strict=True)}
    scenario = {
        "name": "bench", "weights": {"method": "direct", "values": values}, "aggregation": {"method": "wlc"},
        "factors": {nm: {"measure": "area_ha", "fuzzy": c, "nodata": 0.25} for nm, c in zip(names, CURVES, strict=True)},
        "constraints": [{"id": "rule", "mode": "where", "field": "x", "op": "==", "value": 1}],
    }
    model = {
        "scenario": scenario,
        "factors": [{"name": nm, "editable": True, "fuzzy": c, "nodata": 0.25} for nm, c in zip(names, CURVES, strict=True)],
        "grid": None,
        "rules": [{"kind": "constraint", "id": "rule", "label": "rule", "mode": "where", "area": False}],
        "sites": {
            "id": [f"s{i}" for i in range(n)], "order": list(range(n)),
            "raw": {nm: [None if np.isnan(v) else float(v) for v in raw[nm]] for nm in names},
            "std": {}, "reasons": reasons, "cut": [False] * n, "run_score": [None] * n, "run_rank": [None] * n,
        },
        "colors": [],
    }
    raw["_excluded"] = ruled
    return model, raw


def python_rescore(model: dict[str, Any], raw: pd.DataFrame, values: dict[str, float], owa: list[float] | None):
    """The Python engine on the same data: standardise, score, rank."""
    names = [f["name"] for f in model["factors"]]
    std = pd.DataFrame({nm: standardise(raw[nm].to_numpy(), FactorSpec.model_validate(model["scenario"]["factors"][nm]),
                                        name=nm) for nm in names})
    total = sum(values.values())
    w = {nm: values[nm] / total for nm in names}
    scored = score_table(std, w, method="owa" if owa else "wlc", order_weights=owa)
    excluded = raw["_excluded"]
    score = scored["score"].where(~excluded)
    return score, rank_scores(score, excluded=excluded)


def _driver() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else shutil.which("chromedriver")
    if chromium is None or driver is None:
        sys.exit("chromium and chromedriver are needed (apt-get install -y chromium chromium-driver)")
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,720",
                f"--user-data-dir={tempfile.mkdtemp(prefix='siteselect-bench-')}"):
        opts.add_argument(arg)
    opts.binary_location = chromium
    drv = webdriver.Chrome(service=Service(driver), options=opts)
    drv.set_script_timeout(300)
    return drv


_TIMING = """
var model = JSON.parse(document.getElementById('model').textContent);
var eng = new window.siteselectLive.Engine(model), reps = arguments[0], out = {};
var names = model.factors.map(function (f) { return f.name; });
function run(edit) {
  var t = [];
  for (var r = 0; r < reps; r++) {
    var v = {};
    names.forEach(function (nm, j) { v[nm] = 0.5 + ((r * 7 + j * 3) % 11) / 4; });
    edit(v, r);
    var t0 = performance.now();
    eng.compute();
    t.push(performance.now() - t0);
  }
  t.sort(function (a, b) { return a - b; });
  return t[Math.floor(t.length / 2)];
}
out.wlc = run(function (v) { eng.st.weights = {method: 'direct', values: v}; eng.st.aggregation = {method: 'wlc'}; });
var last = {};
names.forEach(function (nm) { last[nm] = eng.st.weights.values[nm]; });
out.values = last;
out.score = Array.from(eng.score, function (x) { return x === x ? x : null; });
out.excluded = Array.from(eng.excluded);
out.rank = Array.from(eng.rank, function (x) { return x === x ? x : null; });
var ow = [0.05, 0.05, 0.1, 0.1, 0.15, 0.15, 0.2, 0.2];
out.owa = run(function (v) { eng.st.weights = {method: 'direct', values: v}; eng.st.aggregation = {method: 'owa', order_weights: ow}; });
return out;
"""


def bench_rescore(drv: Any, n: int, repeat: int) -> dict[str, Any]:
    model, raw = synthetic_model(n)
    page = Path(tempfile.mkdtemp(prefix="siteselect-bench-")) / "engine.html"
    page.write_text(
        "<!doctype html><meta charset='utf-8'><title>engine</title>"
        f"<script>{script_safe(asset_text('siteselect_live.js'))}</script>"
        f"<script type='application/json' id='model'>{json_island(model)}</script>",
        encoding="utf-8",
    )
    drv.get(page.as_uri())
    res = drv.execute_script(_TIMING, repeat)
    values = res["values"]
    t_py = []
    for _ in range(max(3, repeat // 4)):
        t0 = time.perf_counter()
        score, rank = python_rescore(model, raw, values, None)
        t_py.append((time.perf_counter() - t0) * 1000)
    js_score = np.array([np.nan if v is None else v for v in res["score"]], dtype=float)
    js_score[np.array(res["excluded"], dtype=bool)] = np.nan
    diff = float(np.nanmax(np.abs(js_score - score.to_numpy(dtype=float))))
    same_nan = bool((np.isnan(js_score) == score.isna().to_numpy()).all())
    js_rank = [None if v is None else int(v) for v in res["rank"]]
    py_rank = [None if pd.isna(v) else int(v) for v in rank]
    t_python = statistics.median(t_py)
    return {
        "ratio_browser_to_python": round(res["wlc"] / t_python, 3),
        "rescore_10k_ms_browser" if n == 10_000 else f"rescore_{n}_ms_browser": round(res["wlc"], 3),
        "rescore_owa_ms_browser": round(res["owa"], 3),
        "rescore_10k_ms_python" if n == 10_000 else f"rescore_{n}_ms_python": round(t_python, 3),
        "sites": n, "factors": 8,
        "max_abs_score_diff": diff, "ranks_identical": js_rank == py_rank and same_nan,
    }


_LOAD = """
var done = arguments[arguments.length - 1];
(function wait() { if (window.siteselect) { done(performance.now()); } else { setTimeout(wait, 5); } })();
"""


def bench_default_page(drv: Any, loads: int) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp(prefix="siteselect-bench-run-")) / "run"
    exe = Path(sys.executable).with_name("siteselect")
    subprocess.run([str(exe), "run", "--out", str(out)], check=True, capture_output=True, cwd=out.parent,
                   env=dict(os.environ))
    page = out / "map.html"
    times, set_ms = [], []
    for _ in range(loads):
        drv.get("about:blank")
        drv.get(page.as_uri())
        times.append(drv.execute_async_script(_LOAD))
        set_ms.append(drv.execute_script(
            "var t0 = performance.now(); window.siteselect.setWeights(arguments[0]); return performance.now() - t0;",
            {f["name"]: 1.0 + i for i, f in enumerate(drv.execute_script("return window.siteselect.engine.factors"))}))
    return {"page_load_default_ms": round(statistics.median(times), 1),
            "set_weights_default_ms": round(statistics.median(set_ms), 2),
            "map_html_mb": round(page.stat().st_size / 1e6, 2),
            "default_sites": drv.execute_script("return window.siteselect.engine.n")}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=21, help="runs per timing (median); at least 3")
    ap.add_argument("--loads", type=int, default=3, help="page loads of the default run (median)")
    ap.add_argument("--no-default-run", action="store_true", help="skip the default run's page load")
    args = ap.parse_args(argv)
    drv = _driver()
    try:
        result = bench_rescore(drv, args.sites, max(3, args.repeat))
        print(f"re-score + re-rank {args.sites} × 8 in Chromium: {result}", flush=True)
        if not args.no_default_run:
            result.update(bench_default_page(drv, max(1, args.loads)))
        result["goal_ms"] = 20.0
        result["chromium"] = drv.capabilities.get("browserVersion")
        result["loadavg"] = os.getloadavg()[0]
    finally:
        drv.quit()
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
