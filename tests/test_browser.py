"""Drive the offline map in a real headless Chromium, as a planner would.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium
chromium-driver``) and ``selenium>=4``; skipped with the reason when absent.
Set ``SITESELECT_ARTIFACTS=/some/dir`` to keep the screenshots for a look.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from _fixtures_outputs import (
    EVIL_NAME,
    FACTOR_NAMES,
    make_isochrones,
    make_layers,
    make_ranking,
)

from siteselect.outputs.mapview import write_map

pytestmark = pytest.mark.browser

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_DRIVER = "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else shutil.which("chromedriver")


def _fmt(value: float, digits: int) -> str:
    """What the page's ``toLocaleString('sv-SE', {maximumFractionDigits})`` shows (half away from zero)."""
    text = str(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "\u2212")


@pytest.fixture(scope="module")
def driver():
    if _CHROMIUM is None or _DRIVER is None:
        pytest.skip("chromium and/or chromedriver not installed (apt-get install -y chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed (pip install 'selenium>=4')")
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="siteselect-chromium-")
    opts = webdriver.ChromeOptions()
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1400,900",
    ):
        opts.add_argument(arg)
    opts.binary_location = _CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(_DRIVER), options=opts)
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def ranking():
    return make_ranking()


@pytest.fixture(scope="module")
def page_url(ranking, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "map.html"
    write_map(ranking, make_layers(), out_path=out, factor_names=FACTOR_NAMES,
              isochrones=make_isochrones(ranking), title="siteselect browser test", offline=True)
    return out.as_uri()


@pytest.fixture()
def page(driver, page_url):
    driver.get("about:blank")  # a fresh load, not a reload that restores form state
    driver.get(page_url)
    driver.find_element("id", "ss-visible-count")
    _settle(driver)
    return driver


def _settle(drv) -> None:
    """Wait until no Leaflet zoom/pan animation is running."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(drv, 10).until(lambda d: d.execute_script(
        "return !document.querySelector('.leaflet-zoom-anim, .leaflet-pan-anim')"))


def _markers(drv) -> int:
    return drv.execute_script("return document.querySelectorAll('path.ss-site-marker').length")


def _set_range(drv, element_id: str, value: float) -> None:
    drv.execute_script(
        "var i = document.getElementById(arguments[0]); i.value = arguments[1];"
        "i.dispatchEvent(new Event('input', {bubbles: true}));",
        element_id, str(value),
    )


def _visible_text(drv, css: str) -> str:
    """Text of the first element matching ``css`` once Leaflet's fade-in made it visible."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(drv, 10).until(
        lambda d: next((e.text for e in d.find_elements("css selector", css) if e.text), False)
    )


def _keep(path: Path, name: str) -> None:
    target = os.environ.get("SITESELECT_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)


def test_markers_render_without_errors_or_network(page, ranking):
    kept = int((~ranking["excluded"]).sum())
    assert _markers(page) == kept == 5
    assert page.execute_script("return document.querySelectorAll('path.ss-excluded-marker').length") == 1
    assert page.find_element("id", "ss-visible-count").text == str(kept)
    errors = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    loaded = page.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert [u for u in loaded if u.startswith(("http:", "https:"))] == []


def test_area_slider_hides_small_sites(page, ranking):
    _set_range(page, "ss-min-area", 50)
    expected = int(((~ranking["excluded"]) & (ranking["area_ha"] >= 50)).sum())
    assert expected == 2
    assert _markers(page) == expected
    assert page.find_element("id", "ss-visible-count").text == str(expected)
    shown = [li.get_attribute("data-site-id") for li in page.find_elements("css selector", "#ss-ranked-list li")]
    kept = ranking[(~ranking["excluded"]) & (ranking["area_ha"] >= 50)].sort_values("score", ascending=False)
    assert shown == list(kept["site_id"])


def test_port_minutes_slider_and_missing_values(page, ranking):
    _set_range(page, "ss-max-port", 25)
    # a site whose port minutes are unknown (KP-1) is hidden once the filter is in use
    expected = int(((~ranking["excluded"]) & (ranking["port_minutes"] <= 25)).sum())
    assert expected == 2
    assert _markers(page) == expected


def test_voltage_within_km_and_municipality(page, ranking):
    from selenium.webdriver.support.ui import Select

    Select(page.find_element("id", "ss-min-voltage")).select_by_value("130")
    km = page.find_element("id", "ss-voltage-km")
    km.clear()
    km.send_keys("5")
    kept = ~ranking["excluded"]
    expected = int((kept & (ranking["substation_voltage_kv"] >= 130) & (ranking["substation_km"] <= 5)).sum())
    assert expected == 2
    assert _markers(page) == expected
    page.find_element("css selector", "button.ss-reset").click()
    assert _markers(page) == int(kept.sum())
    Select(page.find_element("id", "ss-municipality")).select_by_visible_text("Hallstahammar")
    assert _markers(page) == int((kept & (ranking["municipality"] == "Hallstahammar")).sum()) == 1
    page.find_element("css selector", "button.ss-reset").click()
    page.find_element("css selector", "input.ss-status[value='gällande']").click()
    assert _markers(page) == int((kept & (ranking["plan_status"] != "gällande")).sum()) == 3


def test_popup_shows_breakdown(page, ranking):
    row = ranking.set_index("site_id").loc["VS-2"]
    page.find_element("css selector", "#ss-ranked-list li[data-site-id='VS-2'] a").click()
    assert _visible_text(page, ".leaflet-popup-content .ss-popup h3") == "Finnslätten"
    popup = page.find_element("css selector", ".leaflet-popup-content .ss-popup")
    assert popup.get_attribute("data-site-id") == "VS-2"
    for factor in FACTOR_NAMES:
        cells = popup.find_elements("css selector", f"tr[data-factor='{factor}'] td")
        texts = [c.text for c in cells]
        share = 100 * row[f"{factor}_contrib"] / row["score"]
        assert texts[1:] == [
            _fmt(row[f"{factor}_raw"], 2), _fmt(row[f"{factor}_std"], 3),
            _fmt(row[f"{factor}_weight"], 3), _fmt(share, 1) + " %",
        ]
    # the selected site's isochrones are drawn (30 and 45 min)
    assert page.execute_script("return document.querySelectorAll('path.leaflet-interactive').length") > 0


def test_clicking_a_marker_opens_its_popup(page):
    from selenium.webdriver.common.action_chains import ActionChains

    marker = page.find_elements("css selector", "path.ss-site-marker")[0]
    ActionChains(page).move_to_element(marker).click().perform()
    assert _visible_text(page, ".leaflet-popup-content .ss-popup h3") != ""


def test_hostile_name_is_text_everywhere(page, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.action_chains import ActionChains

    with pytest.raises(NoAlertPresentException):  # nothing fired while loading
        page.switch_to.alert.text  # noqa: B018
    page.execute_script("window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };")
    item = page.find_element("css selector", "#ss-ranked-list li[data-site-id='VS-3'] a")
    assert item.text == EVIL_NAME
    item.click()
    assert _visible_text(page, ".leaflet-popup-content h3") == EVIL_NAME
    page.find_element("css selector", ".leaflet-popup-close-button").click()
    # hover the hostile site's marker: its tooltip shows the name as text
    page.execute_script("window.siteselectMap.map.setZoom(14); window.siteselectMap.map.panTo(arguments[0]);",
                        page.execute_script(
                            "var s = JSON.parse(document.getElementById('siteselect-data').textContent)"
                            ".sites.filter(function (x) { return x.id === 'VS-3'; })[0]; return s.point;"))
    _settle(page)
    target = page.execute_script(
        "var best = null, d = 1e9, c = [window.innerWidth / 2, window.innerHeight / 2];"
        "document.querySelectorAll('path.ss-site-marker').forEach(function (p) {"
        " var r = p.getBoundingClientRect(), x = r.x + r.width / 2, y = r.y + r.height / 2;"
        " var dd = Math.hypot(x - c[0], y - c[1]); if (dd < d) { d = dd; best = p; } }); return best;"
    )
    ActionChains(page).move_to_element(target).perform()
    assert EVIL_NAME in _visible_text(page, ".leaflet-tooltip")
    injected = page.execute_script(
        "return Array.from(document.scripts).filter(function (s) {"
        " return s.id !== 'siteselect-data' && s.textContent.trim() === 'alert(1)'; }).length"
    )
    assert injected == 0
    assert page.execute_script("return window.__alerts") == []
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.text  # noqa: B018 - reading it raises when no alert is open
    shot = tmp_path / "hostile.png"
    page.save_screenshot(str(shot))
    _keep(shot, "map_hostile_tooltip.png")


def test_screenshot_full_map(page):
    page.find_element("css selector", "#ss-ranked-list li[data-site-id='VS-1'] a").click()
    _visible_text(page, ".leaflet-popup-content h3")
    _settle(page)
    shot = Path(tempfile.mkdtemp()) / "map.png"
    page.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    _keep(shot, "map_popup.png")


def test_min_score_slider(page, ranking):
    _set_range(page, "ss-min-score", 0.6)
    expected = int(((~ranking["excluded"]) & (ranking["score"] >= 0.6)).sum())
    assert expected == 3
    assert _markers(page) == expected
    assert page.find_element("id", "ss-min-score").find_element("xpath", "..").find_element(
        "css selector", "output").text == "0,6"
