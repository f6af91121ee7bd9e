"""Every bad input gives a clear SiteSelectError or a repaired result with a warning,
never a library traceback, and never changes the input file."""

from __future__ import annotations

import hashlib
import re
import sys
import tempfile
import warnings
from pathlib import Path

import pytest

from siteselect import errors
from siteselect.io.catalog import check_catalog, format_report
from siteselect.io.file_layers import load_layer
from siteselect.io.read import LayerWarning

sys.path.insert(0, str(Path(__file__).resolve().parent / "bad_inputs"))
from make_bad_inputs import BadInput, make_bad_inputs

with tempfile.TemporaryDirectory() as _tmp:
    CASE_NAMES = [c.name for c in make_bad_inputs(Path(_tmp))]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BadInput]:
    return {c.name: c for c in make_bad_inputs(tmp_path_factory.mktemp("bad"))}


def _hashes(case: BadInput) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in case.files}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_input(corpus: dict[str, BadInput], name: str) -> None:
    case = corpus[name]
    before = _hashes(case)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        if case.error:
            cls = getattr(errors, case.error)
            with pytest.raises(cls) as ei:
                load_layer(case.path, case.role, **case.kwargs)
            msg = str(ei.value)
            assert isinstance(ei.value, errors.SiteSelectError)
            assert case.path.name in msg, msg
            assert re.search(case.message, msg, re.S), msg
        else:
            out = load_layer(case.path, case.role, **case.kwargs)
            assert len(out) == case.rows
            texts = [str(w.message) for w in rec if issubclass(w.category, LayerWarning)]
            assert any(re.search(case.message, t) for t in texts), texts
            assert out.geometry.is_valid.all()
    assert _hashes(case) == before, "input file changed"
    assert list(case.path.parent.glob(case.path.stem + ".*")) and case.files == sorted(before)


def test_non_utf8_shapefile_is_not_mojibake(corpus: dict[str, BadInput]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LayerWarning)
        out = load_layer(corpus["non_utf8_shapefile"].path, "water")
    assert list(out["name"]) == ["Mälaren", "Svartån"]


def test_check_catalog_over_corpus_never_crashes(corpus: dict[str, BadInput],
                                                 tmp_path: Path) -> None:
    # one catalog per case (a catalog has one entry per role)
    for case in corpus.values():
        cat = tmp_path / f"{case.name}.yaml"
        cat.write_text(f"roles:\n  {case.role}:\n    path: {case.path}\n", encoding="utf-8")
        report = check_catalog(cat)
        row = report.rows[0]
        assert row.ok == (case.error is None), (case.name, row.problems)
        assert case.role in format_report(report)
