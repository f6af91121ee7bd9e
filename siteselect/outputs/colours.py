"""Colours every output shares: the score colour map and the substation voltage classes.

The interactive map (:mod:`siteselect.outputs.maplayers`) and the GeoPackage's
QGIS styles (:mod:`siteselect.outputs.gpkg`) draw substations with the same
reds, so a planner and a GIS user see the same thing.
"""

from __future__ import annotations

import math

#: Colour map of candidate scores (low → high).
SCORE_CMAP = "viridis"
#: Substation voltage classes (lower bound kV, colour), highest first.
#: Reds only, so substations never look like candidates (whose score colours are viridis).
VOLTAGE_CLASSES: tuple[tuple[float, str], ...] = (
    (400.0, "#67000d"),
    (220.0, "#cb181d"),
    (130.0, "#fb6a4a"),
    (70.0, "#fcae91"),
    (0.0, "#fee5d9"),
)
#: Colour of a substation whose voltage is not known.
UNKNOWN_VOLTAGE_COLOUR = "#777777"


def voltage_colour(kv: float | None) -> str:
    """The colour of a substation of ``kv`` kilovolts (its class in :data:`VOLTAGE_CLASSES`)."""
    if kv is None or not math.isfinite(kv):
        return UNKNOWN_VOLTAGE_COLOUR
    for lower, colour in VOLTAGE_CLASSES:
        if kv >= lower:
            return colour
    return VOLTAGE_CLASSES[-1][1]
