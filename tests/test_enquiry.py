"""Enquiries: request → scenario → shortlist, round trip, CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from siteselect import enquiry as E
from siteselect.errors import ScenarioError
from siteselect.scenario import scenario_from_dict

ENQ = Path(__file__).resolve().parent.parent / "layers" / "enquiries"


def test_request_without_power_is_todays_schema():
    req = E.load_request(ENQ / "logistics-hub.yaml")
    d = E.request_to_scenario(req)
    assert "grid" not in d
    core, extra = E.split_enquiry_scenario(d)
    sc = scenario_from_dict(core)
    assert sc.site.min_area_ha == 15
    housing = next(c for c in sc.constraints if c.id.startswith("housing_"))
    assert housing.distance_m == 500  # logistics default
    # the scenario schema holds the limits; only the shortlist length is enquiry-only
    assert sc.limits is not None
    assert sc.limits.model_dump(exclude_none=True) == {
        "max_port_minutes": 45.0, "max_motorway_minutes": 5.0, "min_workers_45min": 100000.0}
    assert set(extra) <= {"shortlist"}


def test_request_with_power_gets_grid_block_and_rail():
    d = E.request_to_scenario(E.load_request(ENQ / "battery-materials.yaml"))
    assert d["grid"]["power_mw"] == 150 and d["grid"]["ready_by"] == 2028
    assert d["grid"]["unknown"] == "assume_available"
    assert d["factors"]["rail_minutes"]["station_kinds"] == ["freight", "combi"]
    assert d["limits"]["max_rail_minutes"] == 10
    assert next(c for c in d["constraints"] if c["id"].startswith("housing_"))["distance_m"] == 1000
    scenario_from_dict(E.split_enquiry_scenario(d)[0])


def test_bad_request_lists_problems(tmp_path: Path):
    f = tmp_path / "r.yaml"
    f.write_text("area_ha: -3\npower_mw: 20\nactivity: rocket\nfoo: 1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        E.load_request(f)
    msg = str(err.value)
    for part in ("area_ha: found -3", "ready_by: required with power_mw", "activity: found 'rocket'", "foo: unknown key"):
        assert part in msg


def test_enquiry_round_trips_to_the_same_shortlist(tmp_path: Path):
    from click.testing import CliRunner

    from siteselect.cli.enquiry import enquiry

    out = tmp_path / "out"
    res = CliRunner().invoke(enquiry, [str(ENQ / "battery-materials.yaml"), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    paths = {k: out / f for k, f in (("shortlist", "shortlist.csv"), ("summary_html", "summary.html"),
                                     ("summary_pdf", "summary.pdf"), ("map", "map.html"),
                                     ("enquiry_scenario", "enquiry-scenario.yaml"), ("ranking", "ranking.csv"),
                                     ("excluded", "excluded.csv"))}
    for kind, p in paths.items():
        assert p.is_file(), kind
    assert (out / "sites").is_dir()
    written = pd.read_csv(paths["shortlist"])
    again = E.analyse_enquiry(E.load_enquiry_scenario(paths["enquiry_scenario"]))
    assert list(again.shortlist["site_id"]) == list(written["site_id"])
    ranking = pd.read_csv(paths["ranking"])
    assert len(written) == min(5, int((~ranking["excluded"]).sum())) and len(written) > 0
    # every shortlisted site is eligible on the grid, meets the hard limits and has a readiness class
    assert set(written["grid_status"]) <= {"sufficient", "unknown"}
    assert (written["usable_area_ha"] >= 40).all()
    kept = ranking[~ranking["excluded"]]
    contrib = kept[[c for c in kept.columns if c.endswith("_contrib")]].sum(axis=1)
    assert contrib.tolist() == pytest.approx(kept["score"].tolist())
    assert "grid_capacity_contrib" in kept.columns
    assert (written["motorway_minutes"] <= 15).all() and (written["port_minutes"] <= 60).all()
    assert written["readiness_class"].notna().all()
    # unknown capacity says whom to ask and shows the assumption
    unknown = written[written["grid_status"] == "unknown"]
    assert unknown["grid_note"].str.contains("unknown — ask ").all()
    assert unknown["grid_assumption"].str.contains("assumed available").all()
    # excluded sites carry their reasons
    ex = pd.read_csv(paths["excluded"])
    assert (ex["exclusion_reason"].str.len() > 0).all()
    html = paths["summary_html"].read_text(encoding="utf-8")
    assert written["site_id"].iloc[0] in html


def test_arboga_grid_full_excludes_arboga_station_only_sites():
    d = E.request_to_scenario(E.load_request(ENQ / "battery-materials.yaml"))
    d["grid"]["unknown"] = "assume_unavailable"
    enq = E.analyse_enquiry(d)
    r = enq.result.ranking.set_index("site_id")
    assert (r.loc[~r["excluded"], "grid_status"] == "sufficient").all()
    unknown = r[r["grid_status"] == "unknown"]
    assert unknown["excluded"].all()
    assert unknown["exclusion_reason"].str.contains("grid capacity").all()


def test_cli_template_and_run(tmp_path: Path):
    from click.testing import CliRunner

    from siteselect.cli.enquiry import enquiry

    runner = CliRunner()
    res = runner.invoke(enquiry, ["--template", str(tmp_path / "t.yaml")])
    assert res.exit_code == 0, res.output
    data = yaml.safe_load((tmp_path / "t.yaml").read_text(encoding="utf-8"))
    E.check_request(data)
    res = runner.invoke(enquiry, ["--template"])
    assert res.exit_code == 0 and "area_ha:" in res.output
