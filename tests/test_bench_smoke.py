"""Every benchmark still runs: each ``bench/*.py`` at a small size, its last line a RESULT.

The figures themselves are not checked here (speed targets live in the
benchmarks, never in tests); only that each script runs to the end on the
current package, prints ``RESULT {json}`` last, and that its own correctness
checks (``identical`` and the like) hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: script -> (small arguments, RESULT keys that must be true)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "overlay.py": (["--size", "600x500", "--edt-size", "400", "--repeat", "3"], []),
    "reach.py": (["--nodes", "5000", "--sources", "20", "--nx-sample", "2", "--catchment-nodes", "500"],
                 ["identical"]),
    "isochrones.py": (["--sites", "2", "--repeat", "1"], []),
    "big_layers.py": (["--n", "5000", "--baseline-n", "1000"], ["identical"]),
    "osm_import.py": (["--nodes", "50000", "--skip-full-disk"], []),
    "scale.py": (["--size", "512", "--compare-size", "256", "--repeat", "1", "--workers", "1", "--chunk", "256",
                  "--sink", "stats"], ["compare_equal"]),
    "national.py": (["--nodes", "20000", "--catchment-cells", "50", "--nx-sample", "1", "--agg-nodes", "5000",
                     "--raster-size", "512", "--raster-rows", "256", "--chunk", "256", "--workers", "1",
                     "--worker-memory", "1GB", "--mem-bound-mb", "4096"], ["identical_sample"]),
    "validity.py": ([], []),
    "livemap.py": (["--sites", "200", "--repeat", "3", "--loads", "1", "--no-default-run"], ["ranks_identical"]),
}


def test_every_benchmark_is_listed() -> None:
    assert sorted(p.name for p in (ROOT / "bench").glob("*.py")) == sorted(CASES)


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs_to_its_result_line(script: str, tmp_path: Path) -> None:
    args, must_be_true = CASES[script]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    res = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-3000:]
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT "), last
    result = json.loads(last[len("RESULT "):])
    for key in must_be_true:
        assert result[key] is True, (key, result[key])
