"""Errors raised by siteselect: every class in one module.

Every error inherits :class:`SiteSelectError` *and* a built-in exception, so
callers can catch either. Messages name the file, layer, field or scenario key
involved, what was found, and how to fix it.
"""

from __future__ import annotations


class SiteSelectError(Exception):
    """Base class of every error siteselect raises on purpose."""


class ScenarioError(SiteSelectError, ValueError):
    """A scenario (YAML) has invalid, missing or unknown keys."""


class LayerError(SiteSelectError, ValueError):
    """A layer file cannot be read or does not meet its role's requirements."""


class MissingFieldError(LayerError, KeyError):
    """A layer lacks a field its role requires."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class CRSError(LayerError):
    """A layer has no CRS, an unrecognised one, or coordinates that do not fit it."""


class OutsideAreaError(CRSError):
    """A layer lies outside the area the region's working CRS is made for.

    ``work`` names that CRS; ``fix`` is the region-level fix when the data
    really lies elsewhere (``None`` when its own CRS is the likelier cause);
    ``summary`` says how many features lie outside and where the first is.
    """

    def __init__(self, message: str, *, work: str = "", fix: str | None = None,
                 summary: str = "") -> None:
        super().__init__(message)
        self.work = work
        self.fix = fix
        self.summary = summary


class NetworkError(SiteSelectError, ValueError):
    """A road network cannot be built or queried."""


class WeightsError(SiteSelectError, ValueError):
    """Weights are invalid (non-positive, missing) or an AHP matrix is inconsistent."""


class OutputError(SiteSelectError, OSError):
    """An output cannot be written."""


class LanguageError(SiteSelectError, ValueError):
    """An output language other than ``sv`` or ``en`` was asked for."""


class UnknownSiteError(SiteSelectError, KeyError):
    """A site id asked for (on the command line or in a call) is not among the candidates."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class OptionError(SiteSelectError, ValueError):
    """A function's option (``top_n``, ``lang`` …) is out of range or of the wrong kind."""
