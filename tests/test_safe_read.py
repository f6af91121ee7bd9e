"""The hardened reader of user files (``siteselect.core.safe_read``) and the layer path gate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from siteselect.core.safe_read import MAX_YAML_DEPTH, check_input_file, load_yaml, parse_yaml, read_text
from siteselect.errors import LayerError, ScenarioError

ROOT = Path(__file__).resolve().parents[1]


def _parse(text: str) -> object:
    return parse_yaml(text, source="scenario s.yaml", error=ScenarioError)


@pytest.mark.parametrize("path", sorted(ROOT.glob("layers/**/*.yaml")), ids=lambda p: p.name)
def test_every_shipped_yaml_reads_as_with_safe_load(path: Path) -> None:
    assert load_yaml(path, what="file", error=ScenarioError) == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(ScenarioError, match=r"^scenario s.yaml: line 4: key 'a' repeats the key on line 1; keep one"):
        _parse("a: 1\nb:\n  a: 2\na: 3\n")  # the nested 'a' is another mapping: fine


def test_anchors_and_aliases_are_refused() -> None:
    with pytest.raises(ScenarioError, match=r"line 1: anchor &x is not allowed"):
        _parse("a: &x [1, 2]\nb: *x\n")
    with pytest.raises(ScenarioError, match=r"line 1: alias \*x is not allowed"):
        _parse("a: *x\n")


@pytest.mark.parametrize("depth, ok", [(MAX_YAML_DEPTH - 1, True), (MAX_YAML_DEPTH + 1, False)])
def test_nesting_limit(depth: int, ok: bool) -> None:
    text = "[" * depth + "]" * depth  # the document itself is one level more
    if ok:
        assert _parse(text) is not None
    else:
        with pytest.raises(ScenarioError, match=rf"nested more than {MAX_YAML_DEPTH} levels deep"):
            _parse(text)


def test_syntax_error_is_one_line_with_line_and_column() -> None:
    with pytest.raises(ScenarioError) as ei:
        _parse("a: [1, 2\nb: 3\n")
    assert "\n" not in str(ei.value) and "at line 2, column 2" in str(ei.value)


def test_not_utf8_names_byte_and_offset(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_bytes(b"name: ok\ndescription: V\xe4ster\xe5s\n")
    with pytest.raises(ScenarioError, match=r"x.yaml: is not UTF-8 text \(byte 0xe4 at byte offset 23\); save the file as UTF-8"):
        read_text(p, what="scenario", error=ScenarioError)


def test_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    p = tmp_path / "x.yaml"
    p.write_bytes("\ufeffname: å\n".encode())
    assert load_yaml(p, what="scenario", error=ScenarioError) == {"name": "å"}


def test_size_cap_is_stated(tmp_path: Path) -> None:
    p = tmp_path / "big.csv"
    with p.open("wb") as fh:
        fh.truncate(2048)
    assert len(read_text(p, what="t", error=LayerError, max_bytes=2048)) == 2048
    with pytest.raises(LayerError, match=r"big.csv: is 2,048 bytes, larger than the 2,047 bytes siteselect reads; give the right file"):
        read_text(p, what="t", error=LayerError, max_bytes=2047)


def test_fifo_device_and_folder_are_refused_without_opening(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it for reading would block: only os.stat is used
    with pytest.raises(ScenarioError, match=r"pipe.yaml: is a named pipe \(FIFO\), not a regular file"):
        load_yaml(fifo, what="scenario", error=ScenarioError)
    with pytest.raises(ScenarioError, match=r"/dev/zero: is a character device"):
        read_text("/dev/zero", what="scenario", error=ScenarioError)
    with pytest.raises(ScenarioError, match=r"is a folder, not a regular file"):
        read_text(tmp_path, what="scenario", error=ScenarioError)
    with pytest.raises(ScenarioError, match=r"nope.yaml: file not found; check the path"):
        read_text(tmp_path / "nope.yaml", what="scenario", error=ScenarioError)


def test_layer_gate(tmp_path: Path) -> None:
    from siteselect.io.read import check_layer_path, read_layer

    gdb = tmp_path / "data.gdb"
    gdb.mkdir()
    check_layer_path(gdb)  # a FileGDB is a folder
    assert check_input_file(gdb, what="layer", error=LayerError, folder_suffixes=(".gdb",)).st_size >= 0
    with pytest.raises(LayerError, match=r"is a folder, not a regular file"):
        read_layer(tmp_path)
    fifo = tmp_path / "w.gpkg"
    os.mkfifo(fifo)
    with pytest.raises(LayerError, match=r"w.gpkg: is a named pipe"):
        read_layer(fifo)
    with pytest.raises(LayerError, match=r"/dev/null: is a character device"):
        read_layer("/dev/null")


def test_grid_table_from_a_device_is_refused() -> None:
    from siteselect.io.grid_tables import read_grid_capacity

    with pytest.raises(LayerError, match=r"grid capacity /dev/zero: is a character device"):
        read_grid_capacity("/dev/zero")


def test_piecewise_limit_matches_the_raster_kernel() -> None:
    from siteselect.raster import kernels as _kernels
    from siteselect.scenario import MAX_PIECEWISE_POINTS

    assert MAX_PIECEWISE_POINTS <= _kernels.MAX_BREAKS


def test_grid_table_with_a_column_twice_is_refused(tmp_path: Path) -> None:
    from siteselect.io.grid_tables import read_grid_capacity

    p = tmp_path / "cap.csv"
    p.write_text("substation_id,available_mw,available_mw\nx,1,2\n", encoding="utf-8")
    with pytest.raises(LayerError, match=r"^grid capacity .*cap.csv: header: column\(s\) available_mw appear more "
                                         r"than once; keep one of each$"):
        read_grid_capacity(p)


def test_grid_table_not_utf8_names_the_offset(tmp_path: Path) -> None:
    from siteselect.io.grid_tables import read_grid_projects

    p = tmp_path / "proj.csv"
    p.write_bytes(b"project_id,name,kind,substation_ids\np1,V\xe4ster\xe5s,station,s1\n")
    with pytest.raises(LayerError, match=r"proj.csv: is not UTF-8 text \(byte 0xe4 at byte offset 40\)"):
        read_grid_projects(p)
