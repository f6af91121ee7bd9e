"""Car routing rules for OpenStreetMap tags: access, one-way, speed, ferry duration.

Pure functions over tag values; every value that cannot be read is counted in a
:class:`TagIssues` by tag and value, so the importer can report it. The rules
are documented in :mod:`siteselect.io.importers.osm` and ``docs/data-sources.md``.

Country zone speeds (``maxspeed=XX:zone``) come from the OpenStreetMap wiki page
*Default speed limits* (https://wiki.openstreetmap.org/wiki/Default_speed_limits,
revision 2607051 of 2023-10-21, CC BY-SA 2.0), read through its machine-readable
export ``legal_default_speeds.json`` in westnordost/osm-legal-default-speeds
(commit c9d9184, ``demo/distribution/``). Gaps in that page are filled as stated
in :data:`ZONE_SPEEDS_KMH`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: Access tags for a car, least specific first: the most specific one present wins.
ACCESS_KEYS = ("access", "vehicle", "motor_vehicle", "motorcar")

#: Who may drive a road with each access value: (general public, a company's own traffic).
#: ``destination``: open to anyone whose trip starts or ends there; travel times to and
#: from a site cannot tell through traffic apart, so it is routable for both.
#: ``delivery``: goods delivery only; a company's own lorries deliver, the public does not.
#: ``customers``: only for customers of the place it serves (a shop's car park); not a
#: route for either. ``private``: only with the owner's permission; the owner is unknown,
#: so closed for both (a company that owns a private road can tag or edit it).
#: ``agricultural`` / ``forestry``: farm and forestry vehicles only; closed for both.
#: Values naming other user groups (``emergency``, ``psv``, ``bus``, ``military``,
#: ``official``, ``restricted``) close the road for both.
ACCESS_RULES: Mapping[str, tuple[bool, bool]] = MappingProxyType({
    "yes": (True, True), "permissive": (True, True), "designated": (True, True),
    "destination": (True, True), "discouraged": (True, True),
    "delivery": (False, True),
    "customers": (False, False), "private": (False, False),
    "agricultural": (False, False), "forestry": (False, False), "no": (False, False),
    "emergency": (False, False), "psv": (False, False), "bus": (False, False),
    "military": (False, False), "official": (False, False), "restricted": (False, False),
})

#: Access profiles: index into :data:`ACCESS_RULES` values.
ACCESS_PROFILES: Mapping[str, int] = MappingProxyType({"public": 0, "company": 1})

#: km/h for ``maxspeed=walk`` and zone codes meaning walking pace (``SE:living_street``
#: is "gångfart"): a brisk walk. An assumption, not a legal figure.
WALK_KMH = 7.0
#: km/h for ``maxspeed=none`` (no limit): Germany's advisory motorway speed
#: (Richtgeschwindigkeit 130 km/h; the wiki page gives ``maxspeed:advisory=130``).
NONE_KMH = 130.0
_MPH = 1.609344
_KNOT = 1.852

#: Speed (km/h) per country zone code. From the wiki page above (general limits
#: for a car): ``urban``, ``rural``, ``motorway`` (where the page gives one),
#: ``living_street`` (``walk`` → :data:`WALK_KMH`), ``trunk`` = the page's motor
#: road (motortrafikled / Kraftfahrstraße) where given. Filled where the page has no
#: value: a missing ``trunk`` takes ``rural`` (SE, NO, FI, DE, EE); a missing
#: ``motorway`` takes ``rural`` for FI and EE (motorway limits there are always
#: signed) and :data:`NONE_KMH` for DE (no general limit). PL ``trunk`` is the
#: page's single-carriageway motor road (100; dual carriageway 120).
ZONE_SPEEDS_KMH: Mapping[str, Mapping[str, float]] = MappingProxyType({
    "SE": {"urban": 50, "rural": 70, "motorway": 110, "trunk": 70, "living_street": WALK_KMH},
    "NO": {"urban": 50, "rural": 80, "motorway": 110, "trunk": 80, "living_street": WALK_KMH},
    "FI": {"urban": 50, "rural": 100, "motorway": 100, "trunk": 100, "living_street": 20},
    "DK": {"urban": 50, "rural": 80, "motorway": 130, "trunk": 80, "living_street": 15},
    "DE": {"urban": 50, "rural": 100, "motorway": NONE_KMH, "trunk": 100,
           "living_street": WALK_KMH},
    "EE": {"urban": 50, "rural": 90, "motorway": 90, "trunk": 90, "living_street": 20},
    "PL": {"urban": 50, "rural": 90, "motorway": 140, "trunk": 100, "living_street": 20},
    "LV": {"urban": 50, "rural": 90, "motorway": 110, "trunk": 110, "living_street": 20},
    "LT": {"urban": 50, "rural": 90, "motorway": 130, "trunk": 120, "living_street": 20},
})
#: Other spellings of zone names seen in OSM data.
_ZONE_ALIASES = {"motorroad": "trunk", "living": "living_street", "living-street": "living_street"}

#: ``maxspeed`` values that mean "changes with conditions": class default, counted.
VARIABLE_SPEEDS = frozenset({"variable", "signals"})

_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?")
_ZONE = re.compile(r"([a-z]{2}):([a-z_-]+?)(\d+)?")
_ISO_DURATION = re.compile(r"p(?:(\d+(?:\.\d+)?)d)?(?:t(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?"
                           r"(?:(\d+(?:\.\d+)?)s)?)?")


@dataclass
class TagIssues:
    """Counts of tag values the rules could not read, and of values read as variable."""

    unparsed: Counter[tuple[str, str]] = field(default_factory=Counter)
    variable_speed: int = 0

    def bad(self, key: str, value: str) -> None:
        """Count one unreadable ``key=value``."""
        self.unparsed[(key, value)] += 1

    def as_dict(self) -> dict[str, int]:
        """``{"key=value": count}``, most frequent first."""
        return {f"{k}={v}": n for (k, v), n in self.unparsed.most_common()}


def parse_speed(value: str | None, *, key: str = "maxspeed",
                issues: TagIssues | None = None) -> float | None:
    """Speed in km/h from an OSM speed value; None when absent, unknown or variable.

    Numbers (km/h), ``mph``, ``knots``, zone codes ``XX:urban`` … (see
    :data:`ZONE_SPEEDS_KMH`, also ``XX:zone30``), ``none``, ``walk``; a
    ``;``-separated list gives its lowest speed. ``variable`` / ``signals`` give
    None and are counted as variable; other values give None and are counted as
    unparsed in ``issues``.

    >>> parse_speed("50"), parse_speed("30 mph"), parse_speed("FI:urban"), parse_speed("50;30")
    (50.0, 48.28032, 50.0, 30.0)
    """
    if value is None or not value.strip():
        return None
    v = value.strip().lower()
    if v in VARIABLE_SPEEDS:
        if issues is not None:
            issues.variable_speed += 1
        return None
    speeds = [_one_speed(part.strip()) for part in v.split(";")]
    if not speeds or any(s is None for s in speeds):
        if issues is not None:
            issues.bad(key, value)
        return None
    return min(s for s in speeds if s is not None)


def _one_speed(v: str) -> float | None:
    if v == "none":
        return NONE_KMH
    if v == "walk":
        return WALK_KMH
    m = _NUMBER.fullmatch(v)
    if m:
        speed = float(m.group(1).replace(",", "."))
        if speed <= 0:
            return None
        unit = m.group(2)
        factor = _MPH if unit == "mph" else _KNOT if unit == "knots" else 1.0
        return round(speed * factor, 4)
    m = _ZONE.fullmatch(v)
    if m:
        country, zone, number = m.group(1).upper(), m.group(2), m.group(3)
        if zone == "zone" and number:          # DE:zone30, SE:zone:30 is not matched
            return float(number)
        if number:
            return None
        table = ZONE_SPEEDS_KMH.get(country)
        if table is None:
            return None
        return float(table[z]) if (z := _ZONE_ALIASES.get(zone, zone)) in table else None
    return None


def parse_oneway(value: str | None, highway: str, junction: str | None, *,
                 issues: TagIssues | None = None) -> tuple[bool, bool] | None:
    """(oneway, reversed) from OSM tags; None for a way not to be routed.

    ``yes`` / ``true`` / ``1`` one-way along the way, ``-1`` / ``reverse`` one-way
    against it, ``no`` / ``false`` / ``0`` both ways. ``alternating`` (one lane
    shared, directions take turns at signals) is routed both ways (waiting time
    ignored). ``reversible`` (the direction changes with the time of day) gives
    None: any direction chosen would be wrong part of the day, so it is left out,
    as OSRM's car profile does. No tag, or an unreadable one (counted): one-way for
    ``junction=roundabout|circular`` and ``highway=motorway|motorway_link``,
    else both ways.
    """
    v = (value or "").strip().lower()
    if v in ("yes", "true", "1"):
        return True, False
    if v in ("-1", "reverse"):
        return True, True
    if v in ("no", "false", "0", "alternating"):
        return False, False
    if v == "reversible":
        return None
    if v and issues is not None:
        issues.bad("oneway", value or "")
    implied = highway in ("motorway", "motorway_link") or junction in ("roundabout", "circular")
    return implied, False


def car_access(tags: Mapping[str, str], *, profile: str = "public",
               issues: TagIssues | None = None) -> bool | None:
    """Whether a car may use a way under ``profile``; None when no access tag says.

    The most specific of :data:`ACCESS_KEYS` with a known value decides
    (``motorcar`` over ``motor_vehicle`` over ``vehicle`` over ``access``); unknown
    values are counted and passed over. In a ``;`` list the way is open when any
    value opens it.
    """
    col = ACCESS_PROFILES[profile]
    for key in reversed(ACCESS_KEYS):
        raw = tags.get(key)
        if raw is None:
            continue
        values = [p.strip().lower() for p in raw.split(";")]
        rules = [ACCESS_RULES.get(p) for p in values]
        if any(r is None for r in rules):
            if issues is not None:
                issues.bad(key, raw)
            continue
        return any(r[col] for r in rules if r is not None)
    return None


def parse_duration_h(value: str | None, *, issues: TagIssues | None = None) -> float | None:
    """Hours from an OSM ``duration``: ``hh:mm``, ``hh:mm:ss``, ISO 8601 ``PT1H30M``,
    or plain minutes; None when absent or unreadable (counted).

    >>> parse_duration_h("01:30"), parse_duration_h("PT45M"), parse_duration_h("20")
    (1.5, 0.75, 0.3333333333333333)
    """
    if value is None or not value.strip():
        return None
    v = value.strip().lower()
    hours: float | None = None
    if re.fullmatch(r"\d+(?:\.\d+)?", v):
        hours = float(v) / 60.0
    elif re.fullmatch(r"\d+:\d{1,2}(?::\d{1,2})?", v):
        parts = [int(p) for p in v.split(":")] + [0]
        hours = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0
    elif (m := _ISO_DURATION.fullmatch(v)) and any(m.groups()):
        d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        hours = d * 24 + h + mi / 60.0 + s / 3600.0
    if hours is None or hours <= 0:
        if issues is not None:
            issues.bad("duration", value)
        return None
    return hours
