"""NVDB value codes and parsing: numbers, yes/no flags, BK classes, road owners, traffic bans.

Shared by both shapes :mod:`siteselect.io.importers.nvdb` reads (homogenised
and linear-referenced); see that module's docstring for the codes' meaning.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

CATEGORY = {1: "europaväg", 2: "riksväg", 3: "primär länsväg", 4: "övrig länsväg"}
_OWNER = {1: "statlig", 2: "kommunal", 3: "enskild"}
#: Förbud mot trafik vehicle codes that close a road to a heavy lorry (see module docstring).
_HGV_BAN_CODES = {40, 90, 170, 280}
_HGV_BAN_TEXT = re.compile(r"lastbil|^fordon$|motordrivna fordon", re.IGNORECASE)


def is_null(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def to_number(v: object) -> float:
    if is_null(v):
        return np.nan
    try:
        return float(str(v).replace(",", "."))
    except ValueError:
        return np.nan


def to_flag(v: object) -> bool:
    """NVDB flags: any non-zero number (Esri booleans are 1 or -1), or ja / true / yes."""
    if is_null(v):
        return False
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    s = str(v).strip().lower()
    if s in ("ja", "true", "yes", "j"):
        return True
    n = to_number(s)
    return bool(np.isfinite(n) and n != 0)


def parse_bk(v: object) -> tuple[float, bool]:
    """(class 1–4 or nan, särskilda villkor) from a code (1–5) or text ("BK 4 - Särskilda villkor")."""
    if is_null(v):
        return np.nan, False
    s = str(v)
    special = "villkor" in s.lower()
    m = re.search(r"\d+", s)
    if m is None:
        return np.nan, False
    k = int(m.group())
    if k == 5:  # homogenised code 5 = BK4 särskilda villkor
        return 4.0, True
    if 1 <= k <= 4:
        return float(k), special
    return np.nan, False


def parse_owner(v: object) -> str | None:
    if is_null(v):
        return None
    n = to_number(v)
    if np.isfinite(n):
        return _OWNER.get(int(n))
    s = str(v).strip().lower()
    return next((name for name in _OWNER.values() if s.startswith(name[:5])), None)


def is_hgv_ban(v: object) -> bool:
    if is_null(v):
        return False
    n = to_number(v)
    if np.isfinite(n):
        return int(n) in _HGV_BAN_CODES
    return bool(_HGV_BAN_TEXT.search(str(v).strip()))


def category_from_number(number: float, european: bool) -> str | None:
    if european:
        return "europaväg"
    if not np.isfinite(number) or number <= 0:
        return None
    if number < 100:
        return "riksväg"
    return "primär länsväg" if number < 500 else "övrig länsväg"
