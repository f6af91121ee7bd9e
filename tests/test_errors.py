"""One error module: every class siteselect raises is there and also inherits a built-in."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import siteselect
from siteselect import errors

PACKAGE = Path(siteselect.__file__).parent


def _error_classes() -> dict[str, type[BaseException]]:
    return {n: c for n, c in vars(errors).items()
            if isinstance(c, type) and issubclass(c, BaseException) and c.__module__ == errors.__name__}


def test_every_error_class_also_inherits_a_builtin_exception():
    classes = _error_classes()
    assert {"SiteSelectError", "LanguageError", "UnknownSiteError", "OptionError"} <= set(classes)
    for name, cls in classes.items():
        if cls is errors.SiteSelectError:
            continue
        assert issubclass(cls, errors.SiteSelectError), name
        builtin = [b for b in inspect.getmro(cls) if b.__module__ == "builtins" and b not in (Exception,
                                                                                              BaseException, object)]
        assert builtin, f"{name} inherits no built-in exception besides Exception"


def test_no_error_class_is_defined_outside_errors_py():
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_") and any(
                    isinstance(b, ast.Name) and b.id.endswith("Error") for b in node.bases):
                found.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert found == []


def test_error_classes_are_public_api():
    for name in _error_classes():
        assert getattr(siteselect, name) is getattr(errors, name), name


def test_missing_field_and_unknown_site_messages_are_not_quoted():
    assert str(errors.UnknownSiteError("site id(s) X not among the candidates")) == \
        "site id(s) X not among the candidates"
    assert str(errors.MissingFieldError("layer roads lacks road_class")) == "layer roads lacks road_class"
