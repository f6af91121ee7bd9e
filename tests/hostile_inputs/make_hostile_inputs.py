"""Hostile inputs for the ``siteselect`` commands, made in code (issue 16, input side).

:func:`make_hostile_inputs` writes each case's files into a folder and
returns :class:`Hostile` records: the command line to run, the text the
one-line error must contain (the file or key at fault) and a pattern for the
fix it must state. The test (``tests/test_hostile_inputs.py``) runs every
case through the CLI and checks exit code 2, one line, no traceback,
unchanged inputs and nothing written outside ``--out``.

Cases that could block (FIFOs, devices, a network address) carry
``subprocess=True`` and run in a child process with a timeout.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "layers" / "scenarios" / "electricity-intensive.yaml"
OUT = "{out}"  # replaced by the case's --out folder


@dataclass
class Hostile:
    """One hostile input and what the command must say about it."""

    name: str
    argv: list[str]
    names: str  # the message must contain this (file name or key)
    fix: str  # regex the message must match (what is allowed / what to do)
    files: list[Path] = field(default_factory=list)  # regular input files, hashed before and after
    subprocess: bool = False


def _base() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    return data


def _scenario(folder: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    data = copy.deepcopy(_base())
    edit(data)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _first_numeric_factor(data: dict[str, Any]) -> str:
    return next(k for k, v in data["factors"].items() if "fuzzy" in v)


def _run(scenario: str | Path, *extra: str) -> list[str]:
    return ["run", str(scenario), "--out", OUT, "--no-sensitivity", "--sheets", "0", *extra]


def _catalog(folder: Path, name: str, role: str, path: Path | str) -> tuple[Path, Path]:
    """A catalog taking ``role`` from ``path`` (the rest embedded) and a scenario using it."""
    cat = folder / f"{name}-catalog.yaml"
    cat.write_text(f"fallback: embedded\nroles:\n  {role}:\n    path: {path}\n", encoding="utf-8")

    def edit(d: dict[str, Any]) -> None:
        d.pop("region", None)
        d["layers"] = cat.name

    return cat, _scenario(folder, name, edit)


def _water_shapefile(folder: Path, name: str, prj: bytes) -> Path:
    shp = folder / f"{name}.shp"
    gdf = gpd.GeoDataFrame({"name": ["sjö"]}, geometry=[shapely.box(560_000, 6_600_000, 561_000, 6_601_000)],
                           crs="EPSG:3006")
    gdf.to_file(shp, engine="pyogrio")
    shp.with_suffix(".prj").write_bytes(prj)
    return shp


def make_hostile_inputs(folder: Path) -> list[Hostile]:
    """Write every case's files into ``folder`` and return the cases."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Hostile] = []

    def add(name: str, argv: list[str], names: str, fix: str, files: list[Path] | None = None,
            subprocess: bool = False) -> None:
        cases.append(Hostile(name, argv, names, fix, files or [], subprocess))

    # ---------------------------------------------------------------- YAML text
    good = DEFAULT.read_text(encoding="utf-8")
    bomb = folder / "alias_bomb.yaml"
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    bomb.write_text(good + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    add("alias_bomb", _run(bomb), "alias_bomb.yaml", r"anchor &a0 is not allowed", [bomb])

    deep = folder / "deep.yaml"
    deep.write_text("name: x\nsite: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    add("deep_nesting", _run(deep), "deep.yaml", r"nested more than 50 levels deep; flatten", [deep])

    dup = folder / "duplicate_key.yaml"
    dup.write_text(good + "\nsite: {min_area_ha: 1}\n", encoding="utf-8")
    first = next(i + 1 for i, ln in enumerate(good.splitlines()) if ln.startswith("site:"))
    last = len(good.splitlines()) + 2
    add("duplicate_key", _run(dup), "duplicate_key.yaml",
        rf"line {last}: key 'site' repeats the key on line {first}; keep one", [dup])

    latin = folder / "latin1.yaml"
    head = "# saved as Latin-1 by an old editor: Västerås\n".encode("latin-1")
    latin.write_bytes(head + good.encode("utf-8"))
    offset = head.index(b"\xe4")
    add("non_utf8_scenario", _run(latin), "latin1.yaml", rf"not UTF-8 text \(byte 0xe4 at byte offset {offset}\); save",
        [latin])

    big = folder / "huge.yaml"
    with big.open("wb") as fh:  # sparse: 6 MB without writing them
        fh.truncate(6 * 1024 * 1024)
    add("too_big_scenario", _run(big), "huge.yaml", r"larger than the 5 MB siteselect reads", [big])

    syntax = folder / "syntax.yaml"
    syntax.write_text("name: x\nsite: [1, 2\nfactors: {}\n", encoding="utf-8")
    add("yaml_syntax", _run(syntax), "syntax.yaml", r"not valid YAML: .* at line \d+, column \d+; fix the syntax",
        [syntax])

    add("dev_zero_scenario", _run("/dev/zero"), "/dev/zero", r"is a character device, not a regular file",
        subprocess=True)
    fifo = folder / "scenario.fifo"
    os.mkfifo(fifo)
    add("fifo_scenario", _run(fifo), "scenario.fifo", r"is a named pipe \(FIFO\), not a regular file",
        subprocess=True)

    # ---------------------------------------------------------------- numbers
    def numbers(name: str, edit: Callable[[dict[str, Any]], None], key: str, fix: str) -> None:
        path = _scenario(folder, name, edit)
        add(name, _run(path), key, fix, [path])

    numbers("weight_inf", lambda d: d["weights"]["values"].__setitem__(next(iter(d["factors"])), float("inf")),
            "weights.values.", r"found inf; allowed: a finite number")
    numbers("weights_1e308", lambda d: d["weights"]["values"].update({k: 1e308 for k in d["weights"]["values"]}),
            "weights.values", r"allowed: positive numbers up to 1e\+06")
    numbers("fuzzy_point_inf", lambda d: d["factors"][_first_numeric_factor(d)]["fuzzy"].__setitem__(
        "points", [1, float("inf")]), ".fuzzy.points", r"found inf \(item \[1\]\); allowed: finite numbers")
    numbers("piecewise_17_points", lambda d: d["factors"][_first_numeric_factor(d)].__setitem__(
        "fuzzy", {"shape": "piecewise", "points": [[i, 1 - i / 16] for i in range(17)]}),
        ".fuzzy.points", r"found 17 \[x, y\] pairs; allowed: at most 16")
    numbers("distance_inf", lambda d: d["constraints"].append(
        {"id": "far", "layer": "water", "mode": "within", "distance_m": float("inf")}),
        "distance_m", r"found inf; allowed: a finite number")
    numbers("distance_huge", lambda d: d["constraints"].append(
        {"id": "far", "layer": "water", "mode": "within", "distance_m": 1e9}),
        "distance_m", r"allowed: less than or equal to 100000")
    numbers("seed_negative", lambda d: d.setdefault("sensitivity", {}).__setitem__("seed", -1),
            "sensitivity.seed", r"allowed: greater than or equal to 0")
    numbers("runs_2e9", lambda d: d.setdefault("sensitivity", {}).__setitem__("runs", 2e9),
            "sensitivity.runs", r"allowed: less than or equal to 10000")
    numbers("min_area_nan", lambda d: d["site"].__setitem__("min_area_ha", float("nan")),
            "site.min_area_ha", r"allowed: a finite number")
    numbers("ready_by_far", lambda d: d.__setitem__("grid", {"power_mw": 50, "ready_by": 30000}),
            "grid.ready_by", r"allowed: less than or equal to 2100")
    numbers("power_inf", lambda d: d.__setitem__("grid", {"power_mw": float("inf"), "ready_by": 2028}),
            "grid.power_mw", r"allowed: a finite number")
    numbers("grid_csv_device", lambda d: d.__setitem__(
        "grid", {"power_mw": 50, "ready_by": 2028, "capacity_csv": "/dev/zero"}),
        "grid.capacity_csv", r"/dev/zero: is a character device, not a regular file")

    # ---------------------------------------------------------------- CLI options
    add("top_share_nan", ["suitability", "--top-share", "nan", "--out", OUT], "--top-share",
        r"'nan' is not a finite number")
    add("bbox_inf", ["suitability", "--bbox", "0", "0", "inf", "1", "--out", OUT], "--bbox",
        r"'inf' is not a finite number")
    add("dask_unreachable", ["suitability", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1",
                             "--resolution", "500", "--out", OUT], "--scheduler 'tcp://127.0.0.1:1'",
        r"cannot connect to a Dask scheduler within 5 s .*leave --scheduler out", subprocess=True)

    # ---------------------------------------------------------------- layer paths (catalog)
    water_fifo = folder / "water.fifo.gpkg"
    os.mkfifo(water_fifo)
    cat, sc = _catalog(folder, "fifo_layer", "water", water_fifo)
    add("fifo_layer", _run(sc), "water.fifo.gpkg", r"catalog role 'water': .*named pipe \(FIFO\), not a regular file",
        [cat, sc], subprocess=True)
    cat, sc = _catalog(folder, "device_layer", "water", "/dev/zero")
    add("device_layer", _run(sc), "/dev/zero", r"character device, not a regular file", [cat, sc], subprocess=True)
    a_dir = folder / "a_folder.gpkg"
    a_dir.mkdir()
    cat, sc = _catalog(folder, "folder_layer", "water", a_dir)
    add("folder_layer", _run(sc), "a_folder.gpkg", r"is a folder, not a regular file", [cat, sc])
    shp = _water_shapefile(folder, "garbage_prj", b'PROJCS["x",GEOGCS[garbage')
    cat, sc = _catalog(folder, "garbage_prj", "water", shp)
    add("garbage_prj", _run(sc), "garbage_prj.prj", r"is not a CRS definition .*export the layer again",
        [cat, sc, shp, shp.with_suffix(".prj"), shp.with_suffix(".dbf")])
    shp = _water_shapefile(folder, "word_prj", b"hello world")
    cat, sc = _catalog(folder, "word_prj", "water", shp)
    add("word_prj", _run(sc), "word_prj.prj", r"is not a CRS definition", [cat, sc, shp, shp.with_suffix(".prj")])
    shp = _water_shapefile(folder, "fifo_dbf", b"")
    shp.with_suffix(".prj").unlink()
    shp.with_suffix(".dbf").unlink()
    os.mkfifo(shp.with_suffix(".dbf"))
    cat, sc = _catalog(folder, "fifo_dbf", "water", shp)
    add("fifo_sidecar", _run(sc), "fifo_dbf.dbf", r"named pipe \(FIFO\), not a regular file", [cat, sc, shp],
        subprocess=True)

    cat = folder / "dup_catalog.yaml"
    cat.write_text("fallback: embedded\nroles:\n  water: {path: a.gpkg}\n  water: {path: b.gpkg}\n", encoding="utf-8")
    sc = _scenario(folder, "dup_catalog_scenario", lambda d: (d.pop("region", None), d.__setitem__("layers", cat.name)))
    add("catalog_duplicate_role", _run(sc), "dup_catalog.yaml", r"line 4: key 'water' repeats the key on line 3",
        [cat, sc])
    cat = folder / "latin_catalog.yaml"
    cat.write_bytes("name: Västerås\nfallback: embedded\n".encode("latin-1"))
    sc = _scenario(folder, "latin_catalog_scenario", lambda d: (d.pop("region", None), d.__setitem__("layers", cat.name)))
    add("catalog_non_utf8", _run(sc), "latin_catalog.yaml", r"not UTF-8 text \(byte 0xe4 at byte offset 7\)", [cat, sc])
    cat = folder / "bomb_catalog.yaml"
    cat.write_text("fallback: embedded\nroles: &r {}\nname: *r\n", encoding="utf-8")
    sc = _scenario(folder, "bomb_catalog_scenario", lambda d: (d.pop("region", None), d.__setitem__("layers", cat.name)))
    add("catalog_anchor", _run(sc), "bomb_catalog.yaml", r"anchor &r is not allowed", [cat, sc])

    # ---------------------------------------------------------------- enquiry requests
    def request(name: str, text: str | bytes) -> Path:
        path = folder / f"{name}.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    req = request("req_bomb", "company: &c [a, a]\nactivity: *c\narea_ha: 20\n")
    add("enquiry_anchor", ["enquiry", str(req), "--out", OUT], "req_bomb.yaml", r"anchor &c is not allowed", [req])
    req = request("req_latin", "company: Köping AB\narea_ha: 20\n".encode("latin-1"))
    add("enquiry_non_utf8", ["enquiry", str(req), "--out", OUT], "req_latin.yaml",
        r"not UTF-8 text \(byte 0xf6 at byte offset 10\)", [req])
    req = request("req_dup", "company: A\narea_ha: 20\narea_ha: 1\n")
    add("enquiry_duplicate_key", ["enquiry", str(req), "--out", OUT], "req_dup.yaml",
        r"line 3: key 'area_ha' repeats the key on line 2", [req])
    req = request("req_inf", "company: A\narea_ha: .inf\n")
    add("enquiry_area_inf", ["enquiry", str(req), "--out", OUT], "area_ha", r"found inf; allowed: a positive number up to",
        [req])
    req = request("req_dist", "company: A\narea_ha: 20\nhousing_distance_m: 1e12\n")
    add("enquiry_distance_huge", ["enquiry", str(req), "--out", OUT], "housing_distance_m",
        r"allowed: a positive number up to 100000", [req])
    add("enquiry_dev_zero", ["enquiry", "/dev/zero", "--out", OUT], "/dev/zero", r"character device, not a regular file",
        subprocess=True)
    return cases
