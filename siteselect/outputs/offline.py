"""Static assets for the interactive map, inlined so pages work without internet.

Leaflet comes from ``siteselect/assets/vendor/leaflet-1.9.4`` (unmodified files
of the npm package ``leaflet@1.9.4``, BSD 2-Clause, licence beside them); the
filter panel's own JavaScript and CSS live in ``siteselect/assets``. Nothing
is fetched from a CDN when a page is viewed in offline mode.
"""

from __future__ import annotations

import base64
import re
from importlib import resources
from pathlib import Path

from siteselect.errors import OutputError

LEAFLET_VERSION = "1.9.4"
#: Where online maps load Leaflet from (the same version as the vendored copy).
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"

_VENDOR = f"vendor/leaflet-{LEAFLET_VERSION}"
_EXTERNAL_REF = re.compile(
    r"""<(?:script|img|iframe|link|source|video|audio|embed)\b[^>]*?\s(?:src|href)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def assets_dir() -> Path:
    """Folder of the packaged static assets."""
    return Path(str(resources.files("siteselect") / "assets"))


def asset_text(name: str) -> str:
    """Text of one packaged asset (``"siteselect_map.js"``, ``"vendor/…"``).

    Raises
    ------
    OutputError
        When the asset is missing from the installed package (a broken install).
    """
    path = assets_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"packaged asset {path} cannot be read ({exc}); reinstall siteselect so that "
            "siteselect/assets is complete"
        ) from exc


def _data_uri(path: Path, mime: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OutputError(f"packaged asset {path} cannot be read ({exc}); reinstall siteselect") from exc
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def leaflet_js() -> str:
    """Leaflet's minified JavaScript, safe to place inside a ``<script>`` element."""
    return script_safe(asset_text(f"{_VENDOR}/leaflet.js"))


def leaflet_css() -> str:
    """Leaflet's CSS with its images turned into ``data:`` URIs."""
    css = asset_text(f"{_VENDOR}/leaflet.css")
    images = assets_dir() / _VENDOR / "images"

    def repl(match: re.Match[str]) -> str:
        return f"url({_data_uri(images / match.group(1), 'image/png')})"

    return style_safe(re.sub(r"url\(images/([A-Za-z0-9_.-]+\.png)\)", repl, css))


def script_safe(js: str) -> str:
    """Make JavaScript source safe to inline: no ``</script`` or ``<!--`` can end it early."""
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def style_safe(css: str) -> str:
    """Make CSS safe to inline inside ``<style>``."""
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.IGNORECASE)


def external_references(html: str) -> list[str]:
    """Every resource load in ``html`` (script/img/link ``src``/``href``, CSS ``url()``,
    ``@import``) that points off the page; plain ``<a href>`` links are not loads.

    Used to prove an offline page needs no network; returns the offending
    snippets (empty when the page is self-contained).
    """
    return [html[max(0, m.start() - 20) : m.end() + 60] for m in _EXTERNAL_REF.finditer(html)]
