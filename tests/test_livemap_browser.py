"""The live map in a real headless Chromium: what the page computes is what ``siteselect run`` computes.

Each check changes the scenario in the page (through the panel's inputs or
``window.siteselect``), reads the page's ranking, exports the adjusted scenario
as YAML and runs the Python engine on that file: ranks must be identical and
scores equal to 1e-9. Needs Debian's ``chromium`` and ``chromium-driver`` and
``selenium>=4``; skipped with the reason when absent. Set
``SITESELECT_ARTIFACTS=/some/dir`` to keep the screenshots.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _fixtures_livemap import HOSTILE_NAMES, live_layers, live_scenario_dict

from siteselect.analysis.overlay import owa_measures
from siteselect.analysis.weights import ahp_weights
from siteselect.errors import WeightsError
from siteselect.network.graph import GraphCache
from siteselect.pipeline import analyse
from siteselect.runs import write_run_files
from siteselect.scenario import load_scenario, scenario_from_dict

pytestmark = pytest.mark.browser

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_DRIVER = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else shutil.which("chromedriver")
FACTORS = ["port_minutes", "motorway_minutes", "area_ha", "workers", "owner"]
CURVED = ["port_minutes", "motorway_minutes", "area_ha", "workers"]


@pytest.fixture(scope="module")
def driver():
    if _CHROMIUM is None or _DRIVER is None:
        pytest.skip("chromium and/or chromedriver not installed (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install 'selenium>=4')")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="siteselect-livemap-")
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", "--window-size=1280,900"):
        opts.add_argument(arg)
    opts.binary_location = _CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(_DRIVER), options=opts)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(120)
    _viewport(drv, 1280, 720)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _viewport(drv: Any, width: int, height: int) -> None:
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


@pytest.fixture(scope="module")
def world():
    return live_layers(), GraphCache()


def _write_run(world, tmp: Path, *, lang: str = "sv", **kw: str) -> Path:
    layers, cache = world
    scenario = scenario_from_dict(live_scenario_dict(**kw))
    result = analyse(scenario, layers=layers, sensitivity=False, graph_cache=cache, isochrone_top_n=1)
    tmp.mkdir(parents=True, exist_ok=True)
    write_run_files(result, tmp, gpkg=False, sheets_top_n=0, lang=lang)
    return tmp / "map.html"


@pytest.fixture(scope="module")
def direct_map(world, tmp_path_factory):
    return _write_run(world, tmp_path_factory.mktemp("live-direct"))


@pytest.fixture(scope="module")
def ahp_map(world, tmp_path_factory):
    return _write_run(world, tmp_path_factory.mktemp("live-ahp"), weights="ahp", aggregation="owa")


def _open(drv: Any, path: Path, fragment: str = "") -> Any:
    drv.get("about:blank")
    drv.get(path.as_uri() + fragment)
    drv.find_element("id", "ss-live")
    return drv


def _python_ranking(world, yaml_text: str, tmp: Path) -> pd.DataFrame:
    """The Python engine's ranking of the scenario the page exported (read from a file, as the CLI does)."""
    layers, cache = world
    path = tmp / "exported.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    scenario = load_scenario(path)
    result = analyse(scenario, layers=layers, sensitivity=False, graph_cache=cache, isochrone_top_n=0)
    return result.ranking.set_index("site_id")


def _assert_same(page_rows: list[dict[str, Any]], py: pd.DataFrame, what: str) -> None:
    assert [r["site_id"] for r in page_rows] == list(py.index), f"{what}: row order"
    for r in page_rows:
        row = py.loc[r["site_id"]]
        want_rank = None if pd.isna(row["rank"]) else int(row["rank"])
        assert r["rank"] == want_rank, f"{what}: rank of {r['site_id']}"
        assert r["excluded"] == bool(row["excluded"]), f"{what}: excluded {r['site_id']}"
        assert r["exclusion_reason"] == row["exclusion_reason"], f"{what}: reason of {r['site_id']}"
        if want_rank is None:
            assert r["score"] is None
        else:
            assert abs(r["score"] - float(row["score"])) <= 1e-9, f"{what}: score of {r['site_id']}"


def _random_curve(rng: np.random.Generator, name: str) -> dict[str, Any]:
    lo, hi = {"port_minutes": (0, 30), "motorway_minutes": (0, 30), "area_ha": (5, 45), "workers": (0, 2500)}[name]
    if name == "workers" or rng.random() < 0.2:
        xs = np.sort(rng.uniform(lo, hi, size=int(rng.integers(2, 6))))
        if np.any(np.diff(xs) <= 0):
            xs = np.linspace(lo, hi, len(xs))
        return {"shape": "piecewise", "points": [[float(x), float(y)] for x, y in zip(xs, rng.uniform(0, 1, len(xs)))]}
    direction = str(rng.choice(["increasing", "decreasing", "symmetric"]))
    pts = np.sort(rng.uniform(lo, hi, size=4 if direction == "symmetric" else 2))
    return {"shape": str(rng.choice(["linear", "sigmoid", "jshaped"])), "direction": direction,
            "points": [float(p) for p in pts]}


def _random_draws(n: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n):
        d: dict[str, Any] = {"weights": {"method": "direct",
                                         "values": {f: float(rng.uniform(0.05, 5.0)) for f in FACTORS}}}
        d["curves"] = {f: _random_curve(rng, f) for f in CURVED if rng.random() < 0.7}
        d["off"] = [r for r in ("no_plan", "nature", "max_port_minutes") if rng.random() < 0.4]
        if rng.random() < 0.4:
            d["aggregation"] = {"method": "owa", "order_weights": [float(v) for v in rng.dirichlet(np.ones(5))]}
        draws.append(d)
    return draws


_BATCH = """
var draws = arguments[0], out = [];
draws.forEach(function (d) {
  try { window.siteselect.setState(d); out.push({ranking: window.siteselect.ranking(), yaml: window.siteselect.exportYaml()}); }
  catch (e) { out.push({error: String(e.message)}); }
});
return out;
"""


def test_page_loads_without_errors_or_network(driver, direct_map):
    page = _open(driver, direct_map)
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []
    loaded = page.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert [u for u in loaded if u.startswith(("http:", "https:"))] == []
    assert page.execute_script("return typeof window.siteselect.setWeights") == "function"


def test_unchanged_page_equals_the_run(driver, direct_map, world, tmp_path):
    page = _open(driver, direct_map)
    rows = page.execute_script("return window.siteselect.ranking()")
    assert all(r["rank"] == r["run_rank"] for r in rows)
    _assert_same(rows, _python_ranking(world, page.execute_script("return window.siteselect.exportYaml()"), tmp_path),
                 "unchanged")


def test_120_random_draws_match_python(driver, direct_map, world, tmp_path):
    page = _open(driver, direct_map)
    draws = _random_draws(120, seed=21)
    results = page.execute_script(_BATCH, draws)
    assert [r.get("error") for r in results] == [None] * len(draws)
    moved = 0
    for i, res in enumerate(results):
        py = _python_ranking(world, res["yaml"], tmp_path)
        _assert_same(res["ranking"], py, f"draw {i}")
        moved += any(r["rank"] != r["run_rank"] for r in res["ranking"])
    assert moved > 100  # the draws really move the ranking


def test_ahp_owa_draws_match_python_and_refuse_as_python(driver, ahp_map, world, tmp_path):
    page = _open(driver, ahp_map)
    rng = np.random.default_rng(7)
    n = len(FACTORS)
    draws, refused = [], 0
    for _ in range(40):
        w = rng.uniform(0.5, 5, n)
        m = np.ones((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                m[i, j] = float(np.clip(w[i] / w[j] * np.exp(rng.normal(0, 0.5)), 1 / 9, 9))
                m[j, i] = 1.0 / m[i, j]
        draws.append({"weights": {"method": "ahp", "order": FACTORS, "matrix": m.tolist()},
                      "aggregation": {"method": "owa", "order_weights": [float(v) for v in rng.dirichlet(np.ones(n))]}})
    results = page.execute_script(_BATCH, draws)
    for d, res in zip(draws, results, strict=True):
        cr = ahp_weights(d["weights"]["matrix"], FACTORS).cr
        if "error" in res:
            refused += 1
            assert cr > 0.10 and "CR" in res["error"]
            doc = live_scenario_dict(weights="ahp", aggregation="owa")
            doc["weights"]["ahp"]["matrix"] = d["weights"]["matrix"]
            with pytest.raises(WeightsError, match="consistency ratio"):
                analyse(scenario_from_dict(doc), layers=world[0], sensitivity=False, graph_cache=world[1],
                        isochrone_top_n=0)
        else:
            assert cr <= 0.10
            _assert_same(res["ranking"], _python_ranking(world, res["yaml"], tmp_path), "ahp draw")
    assert 0 < refused < len(draws)
    # the panel shows the live CR and names the worst pair as weights.ahp_weights does
    m = draws[0]["weights"]["matrix"]
    info = page.execute_script("return window.siteselect.ahp()")
    py = ahp_weights(page.execute_script("return window.siteselect.engine.st.weights.matrix"), FACTORS)
    assert abs(info["cr"] - py.cr) < 1e-9 and tuple(info["worst_pair"]) == py.worst_pair
    assert m  # the first draw's matrix was a real 5 × 5 judgement table


def test_panel_inputs_change_weight_curve_and_constraint(driver, direct_map, world, tmp_path):
    from selenium.webdriver.common.keys import Keys

    page = _open(driver, direct_map)
    slider = page.find_element("id", "ss-w-port_minutes")
    slider.send_keys(Keys.ARROW_RIGHT * 20)  # keyboard only
    point = page.find_element("id", "ss-curve-1-port_minutes")
    page.execute_script("arguments[0].closest('details').open = true", point)
    point.send_keys(Keys.CONTROL, "a")
    point.send_keys("15", Keys.TAB)
    page.find_element("id", "ss-rule-no_plan").send_keys(Keys.SPACE)
    state = page.execute_script("return window.siteselect.state()")
    assert state["curves"]["port_minutes"]["points"] == [3, 15]
    assert state["off"] == ["no_plan"]
    assert state["weights"]["values"]["port_minutes"] > 3
    others = {k: v for k, v in state["weights"]["values"].items() if k != "port_minutes"}
    assert others == {"motorway_minutes": 2, "area_ha": 2, "workers": 1.5, "owner": 1}  # untouched, not snapped
    rows = page.execute_script("return window.siteselect.ranking()")
    _assert_same(rows, _python_ranking(world, page.execute_script("return window.siteselect.exportYaml()"), tmp_path),
                 "panel")
    # the ranked list follows, with arrows against the run
    first = page.find_element("css selector", "#ss-ranked-list li").get_attribute("data-site-id")
    assert first == rows[0]["site_id"]
    assert page.find_elements("css selector", "#ss-ranked-list .ss-rank-change")
    # a refused curve (points not increasing) changes nothing and says why
    point = page.find_element("id", "ss-curve-0-port_minutes")
    point.send_keys(Keys.CONTROL, "a")
    point.send_keys("99", Keys.TAB)
    assert page.execute_script("return window.siteselect.state()")["curves"]["port_minutes"]["points"] == [3, 15]
    assert "strictly increasing" in page.find_element("id", "ss-live-message").text


def test_url_restores_state_and_back_forward_work(driver, direct_map):
    page = _open(driver, direct_map)
    page.execute_script("window.siteselect.setWeights({port_minutes: 0.5, motorway_minutes: 4})")
    first = page.execute_script("return [window.siteselect.state(), window.siteselect.ranking()]")
    page.execute_script("window.siteselect.setConstraint('max_port_minutes', false)")
    second = page.execute_script("return [window.siteselect.state(), window.siteselect.ranking()]")
    assert second[0]["off"] == ["max_port_minutes"] and first[1] != second[1]
    url = page.current_url
    assert "#live=" in url
    page.back()
    assert page.execute_script("return [window.siteselect.state(), window.siteselect.ranking()]") == first
    page.forward()
    assert page.execute_script("return [window.siteselect.state(), window.siteselect.ranking()]") == second
    _open(page, direct_map, "#" + url.split("#", 1)[1])  # a fresh load of the shared link
    assert page.execute_script("return [window.siteselect.state(), window.siteselect.ranking()]") == second
    assert page.find_element("id", "ss-rule-max_port_minutes").is_selected() is False


def test_hostile_names_stay_text_and_csv_is_neutralised(driver, direct_map):
    page = _open(driver, direct_map)
    page.execute_script("window.siteselect.setWeights({owner: 4})")
    assert page.execute_script("return window.__pwned === undefined")
    names = [e.text for e in page.find_elements("css selector", "#ss-ranked-list li a")]
    assert any(n.startswith(HOSTILE_NAMES[0]) or n.startswith(HOSTILE_NAMES[1]) for n in names)
    assert page.execute_script("return document.querySelectorAll('img[src=x]').length") == 0
    text = page.execute_script("return window.siteselect.exportCsv()")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 40
    for row in rows:
        assert not row["name"].startswith(("=", "+", "-", "@", "\t", "\r"))
    assert any(r["name"].startswith("'=HYPERLINK") for r in rows)
    assert any(r["name"].startswith("'-2+3") for r in rows)
    assert [r["site_id"] for r in rows] == [r["site_id"] for r in page.execute_script("return window.siteselect.ranking()")]
    reason = next(r["exclusion_reason"] for r in rows if r["exclusion_reason"].startswith("Ingen plan"))
    assert "<b>ej</b>" in reason  # kept as text, not markup


def test_english_labels_and_narrow_screen(driver, world, tmp_path):
    page_path = _write_run(world, tmp_path / "en", lang="en")
    try:
        _viewport(driver, 700, 900)
        page = _open(driver, page_path)
        assert page.find_element("css selector", "#ss-live summary").text == "Weights, curves and rules"
        assert page.execute_script("return document.getElementById('ss-live').open") is False
        page.find_element("css selector", "#ss-live summary").click()
        assert page.execute_script("return document.getElementById('ss-live').open") is True
        labels = page.execute_script(
            "return Array.from(document.querySelectorAll('#ss-live input')).filter(function (i) {"
            " return !(i.labels && i.labels.length); }).length")
        assert labels == 0  # every input has a label
    finally:
        _viewport(driver, 1280, 720)


def test_screenshot_at_1280x720(driver, direct_map, tmp_path):
    page = _open(driver, direct_map)
    page.execute_script("window.siteselect.setWeights({area_ha: 6})")
    shot = tmp_path / "livemap_1280x720.png"
    page.save_screenshot(str(shot))
    from PIL import Image

    with Image.open(shot) as im:
        assert im.size == (1280, 720)
    box = page.execute_script("var r = document.getElementById('ss-live').getBoundingClientRect();"
                              "return [r.left, r.top, r.right, r.bottom]")
    assert 0 <= box[0] and box[2] <= 1280 and box[3] <= 720
    target = os.environ.get("SITESELECT_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / shot.name)
    assert json.dumps(page.execute_script("return window.siteselect.state()"))


def test_default_run_exported_yaml_reruns_to_the_same_ranking(driver, tmp_path):
    """The shipped default run: change weights, the grid weight, a curve and two rules in its map,
    export, and ``siteselect run`` the exported file through the CLI."""
    from click.testing import CliRunner

    from siteselect.cli import main

    first = tmp_path / "run"
    res = CliRunner().invoke(main, ["-q", "run", "--out", str(first), "--sheets", "0", "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    page = _open(driver, first / "map.html")
    page.execute_script(
        "var s = window.siteselect; s.setWeights({substation_km: 1, port_minutes: 5, plan_status: 0.5});"
        "s.setGridWeight(0.4); s.setCurve('area_ha', {shape: 'sigmoid', direction: 'increasing', points: [15, 60]});"
        "s.setConstraint('mifo_class_1', false); s.setConstraint('grid_130kv_15km', false);")
    rows = page.execute_script("return window.siteselect.ranking()")
    assert any(r["rank"] != r["run_rank"] for r in rows)
    exported = tmp_path / "adjusted.yaml"
    exported.write_text(page.execute_script("return window.siteselect.exportYaml()"), encoding="utf-8")
    res = CliRunner().invoke(main, ["-q", "run", str(exported), "--out", str(tmp_path / "again"),
                                    "--sheets", "0", "--no-sensitivity"])
    assert res.exit_code == 0, res.output
    py = pd.read_csv(tmp_path / "again" / "ranking.csv", keep_default_na=False, na_values=[""])
    py["exclusion_reason"] = py["exclusion_reason"].fillna("")
    _assert_same(rows, py.set_index("site_id"), "default run")


def test_ahp_panel_shows_live_cr_and_refuses_above_010(driver, ahp_map):
    from selenium.webdriver.common.keys import Keys

    page = _open(driver, ahp_map)
    base = ahp_weights(live_scenario_dict(weights="ahp")["weights"]["ahp"]["matrix"], FACTORS)
    cr = page.find_element("id", "ss-live-cr")
    assert abs(float(cr.get_attribute("data-cr")) - base.cr) < 1e-9
    before = page.execute_script("return window.siteselect.ranking()")
    judgement = page.find_element("id", "ss-ahp-0-1")  # port_minutes over motorway_minutes: 3
    judgement.send_keys(Keys.CONTROL, "a")
    judgement.send_keys("0.125", Keys.TAB)  # contradicts every other judgement
    m = live_scenario_dict(weights="ahp")["weights"]["ahp"]["matrix"]
    m[0][1], m[1][0] = 0.125, 8.0
    tried = ahp_weights(m, FACTORS)
    assert tried.cr > 0.10
    assert abs(float(cr.get_attribute("data-cr")) - tried.cr) < 1e-9
    assert "CR" in page.find_element("id", "ss-live-message").text
    labels = {"port_minutes": "Minuter till hamn", "motorway_minutes": "Minuter till motorvägsanslutning"}
    assert all(labels.get(f, f) in cr.text for f in tried.worst_pair)
    assert page.execute_script("return window.siteselect.ranking()") == before  # refused: nothing changed
    judgement.send_keys(Keys.CONTROL, "a")
    judgement.send_keys("2", Keys.TAB)  # a consistent judgement is taken
    m[0][1], m[1][0] = 2.0, 0.5
    assert page.execute_script("return window.siteselect.state()")["weights"]["matrix"] == m
    assert page.find_element("id", "ss-live-message").text == ""
    ow = live_scenario_dict(aggregation="owa")["aggregation"]["order_weights"]
    assert abs(page.execute_script("return window.siteselect.orness()") - owa_measures(ow)["orness"]) < 1e-12
    assert page.find_element("id", "ss-live-orness").text == "orness = 0,375"


def test_dragging_a_slider_adds_one_history_entry(driver, direct_map):
    first_tab = driver.current_window_handle
    driver.switch_to.new_window("tab")  # a fresh history: a tab keeps at most 50 entries
    try:
        _slider_history(_open(driver, direct_map))
    finally:
        driver.close()
        driver.switch_to.window(first_tab)


def _slider_history(page: Any) -> None:
    before = page.execute_script("return history.length")
    ranks = page.execute_script(
        "var r = document.getElementById('ss-w-area_ha'), out = [];"
        "[1, 2, 3, 4].forEach(function (v) { r.value = String(v); r.dispatchEvent(new Event('input'));"
        "  out.push(window.siteselect.engine.weights(window.siteselect.engine.st).w[2]); });"
        "r.dispatchEvent(new Event('change')); return out;")
    assert ranks == sorted(ranks) and len(set(ranks)) == 4  # every step re-weighted live
    assert page.execute_script("return history.length") == before + 1
    assert abs(page.execute_script("return window.siteselect.state()")["weights"]["values"]["area_ha"] - 4) < 0.05


def test_dragging_a_curve_handle_moves_the_control_point(driver, direct_map, world, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    page = _open(driver, direct_map)
    det = page.find_element("css selector", ".ss-live-curve")  # port_minutes: linear decreasing [3, 28]
    page.execute_script("arguments[0].open = true; arguments[0].scrollIntoView()", det)
    handle = det.find_element("css selector", "circle.ss-curve-handle[data-point='1']")
    ActionChains(page).click_and_hold(handle).move_by_offset(-40, 0).release().perform()
    points = page.execute_script("return window.siteselect.state()")["curves"]["port_minutes"]["points"]
    assert points[0] == 3 and points[1] < 24  # 40 px of 200 is a fifth of the plotted range, leftwards
    assert float(det.find_element("id", "ss-curve-1-port_minutes").get_attribute("value")) == points[1]
    rows = page.execute_script("return window.siteselect.ranking()")
    _assert_same(rows, _python_ranking(world, page.execute_script("return window.siteselect.exportYaml()"), tmp_path),
                 "dragged curve")


def test_exported_yaml_keeps_every_number_and_text_exactly(driver, direct_map, tmp_path):
    page = _open(driver, direct_map)
    page.execute_script("window.siteselect.setWeights({port_minutes: 1e-7, motorway_minutes: 3e5, area_ha: 0.1 + 0.2});"
                        "window.siteselect.setCurve('workers', {shape: 'piecewise', points: [[-5e-9, 0], [1234.5678, 1]]});")
    path = tmp_path / "numbers.yaml"
    path.write_text(page.execute_script("return window.siteselect.exportYaml()"), encoding="utf-8")
    sc = load_scenario(path)
    assert sc.weights.values == {"port_minutes": 1e-7, "motorway_minutes": 3e5, "area_ha": 0.1 + 0.2,
                                 "workers": 1.5, "owner": 1}
    assert sc.factors["workers"].fuzzy.points == [[-5e-9, 0], [1234.5678, 1]]
    assert sc.constraints[0].reason == "Ingen plan; <b>ej</b> klar"
    assert sc.name == "live-map-test"
    # what the scenario file would refuse, the page refuses too, naming the key
    for call, key in (("setWeights({owner: 2e6})", "weights.values.owner"),
                      ("setCurve('area_ha', {shape: 'linear', direction: 'increasing', points: [0, 2e9]})",
                       "factors.area_ha.fuzzy.points"),
                      ("setCurve('workers', {shape: 'piecewise', direction: 'increasing', points: [[0, 0], [1, 1]]})",
                       "factors.workers.fuzzy.direction"),
                      ("setAggregation('owa', [0.5, 0.5, 0.1, 0, 0])", "aggregation.order_weights")):
        error = page.execute_script(f"try {{ window.siteselect.{call}; return null; }} catch (e) {{ return e.message; }}")
        assert error is not None and error.startswith(key), call


def test_sliders_on_an_ahp_scenario_switch_to_direct_weights(driver, ahp_map, world, tmp_path):
    page = _open(driver, ahp_map)
    ahp = ahp_weights(live_scenario_dict(weights="ahp")["weights"]["ahp"]["matrix"], FACTORS).weights
    page.execute_script("window.siteselect.setWeights({owner: 0.5})")
    values = page.execute_script("return window.siteselect.state()")["weights"]["values"]
    assert values["owner"] == 0.5
    assert all(abs(values[f] - ahp[f]) < 1e-12 for f in FACTORS if f != "owner")
    assert "direkta vikter" in page.find_element("id", "ss-live-cr").text
    _assert_same(page.execute_script("return window.siteselect.ranking()"),
                 _python_ranking(world, page.execute_script("return window.siteselect.exportYaml()"), tmp_path),
                 "ahp to direct")
