"""Text on A4 pages, shared by the site sheets, the enquiry summary and the offer pack.

Values a site or a request holds are shown literally: ``$`` is never mathtext,
control characters are dropped, a missing value is an en dash.
"""

from __future__ import annotations

import math
import re
import textwrap
from typing import Any

import pandas as pd

#: An A4 page in inches (portrait).
A4_INCHES = (8.27, 11.69)


def mpl_text(text: Any) -> str:
    """Text for matplotlib with mathtext switched off (``$`` shown as is), control characters dropped."""
    return re.sub("[\x00-\x08\x0b-\x1f\x7f]", "", str(text)).replace("$", r"\$")


def wrap_text(text: str, width: int) -> str:
    """``text`` wrapped to lines of at most ``width`` characters (long words broken)."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=True)) or str(text)


def is_missing(value: Any) -> bool:
    """Whether a table cell holds no value (``None``, ``pd.NA`` or NaN)."""
    if value is None or value is pd.NA:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def format_number(value: Any, digits: int = 0, *, lang: str) -> str:
    """A number with thousands separators in ``lang`` (``12 345,6`` in Swedish); ``–`` when missing."""
    if is_missing(value):
        return "–"
    if isinstance(value, str):
        return value
    number = float(value)
    if not math.isfinite(number):
        return "–"
    text = f"{number:,.{digits}f}"
    if lang == "sv":  # 12 345,6
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def factor_names_of(ranking: pd.DataFrame) -> list[str]:
    """The factors of a ranking, in column order (one ``<factor>_contrib`` column each)."""
    return [c[: -len("_contrib")] for c in ranking.columns if c.endswith("_contrib")]
