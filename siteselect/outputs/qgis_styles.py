"""QGIS layer styles (QML) for the layers siteselect writes to a GeoPackage.

QML is QGIS's own XML style format. Each function returns one complete QML
document (``<qgis>`` root with a ``renderer-v2``); symbol properties are
written both as ``<Option>`` maps (QGIS ≥ 3.18) and as ``<prop>`` entries
(older 3.x), as QGIS 3.22–3.28 write them. Colours are ``"r,g,b,a"``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import quoteattr

from matplotlib import colormaps
from matplotlib.colors import to_rgba

__all__ = [
    "Symbol",
    "categorized_qml",
    "fill",
    "graduated_qml",
    "line",
    "marker",
    "rule_based_qml",
    "single_qml",
    "symbol_kind_for",
]

QGIS_VERSION = "3.22.0-Białowieża"


@dataclass(frozen=True)
class Symbol:
    """One QGIS symbol: its kind (``fill``, ``line``, ``marker``) and symbol layers."""

    kind: str
    layers: tuple[tuple[str, Mapping[str, str]], ...] = field(default_factory=tuple)
    alpha: float = 1.0


def _rgba(colour: str, alpha: float = 1.0) -> str:
    r, g, b, a = to_rgba(colour, alpha)
    return f"{round(r * 255)},{round(g * 255)},{round(b * 255)},{round(a * 255)}"


def fill(colour: str, *, outline: str = "#232323", outline_width_mm: float = 0.26, style: str = "solid",
         outline_style: str = "solid", alpha: float = 1.0) -> Symbol:
    """Simple fill; ``style`` is a Qt brush style (``solid``, ``no``, ``b_diagonal``, ``f_diagonal`` …)."""
    return Symbol("fill", (("SimpleFill", {
        "color": _rgba(colour), "style": style, "outline_color": _rgba(outline),
        "outline_style": outline_style, "outline_width": f"{outline_width_mm:g}", "outline_width_unit": "MM",
        "joinstyle": "bevel", "border_width_map_unit_scale": "3x:0,0,0,0,0,0", "offset": "0,0",
        "offset_unit": "MM",
    }),), alpha)


def line(colour: str, *, width_mm: float = 0.5, style: str = "solid", overlay: tuple[str, float, str] | None = None,
         alpha: float = 1.0) -> Symbol:
    """Simple line, optionally with a second line drawn on top (``(colour, width_mm, style)``)."""
    def layer(c: str, w: float, s: str) -> tuple[str, Mapping[str, str]]:
        return ("SimpleLine", {
            "line_color": _rgba(c), "line_width": f"{w:g}", "line_width_unit": "MM", "line_style": s,
            "capstyle": "round", "joinstyle": "round", "offset": "0", "offset_unit": "MM",
            "customdash": "5;2", "use_custom_dash": "0",
        })
    layers = [layer(colour, width_mm, style)]
    if overlay is not None:
        layers.append(layer(*overlay))
    return Symbol("line", tuple(layers), alpha)


def marker(colour: str, *, shape: str = "circle", size_mm: float = 2.5, outline: str = "#232323",
           outline_width_mm: float = 0.3, alpha: float = 1.0) -> Symbol:
    """Simple marker; ``shape`` is a QGIS marker name (``circle``, ``triangle``, ``diamond``, ``square`` …)."""
    return Symbol("marker", (("SimpleMarker", {
        "name": shape, "color": _rgba(colour), "outline_color": _rgba(outline), "outline_style": "solid",
        "outline_width": f"{outline_width_mm:g}", "outline_width_unit": "MM", "size": f"{size_mm:g}",
        "size_unit": "MM", "angle": "0", "joinstyle": "bevel", "scale_method": "diameter",
        "vertical_anchor_point": "1", "horizontal_anchor_point": "1", "offset": "0,0", "offset_unit": "MM",
    }),), alpha)


def symbol_kind_for(geometry_type: str) -> str:
    """``fill``/``line``/``marker`` for an OGC geometry type name."""
    g = geometry_type.lower()
    if "polygon" in g:
        return "fill"
    if "line" in g:
        return "line"
    return "marker"


def _symbol_xml(name: str, sym: Symbol) -> str:
    parts = [
        f'<symbol type="{sym.kind}" name={quoteattr(name)} alpha="{sym.alpha:g}" clip_to_extent="1" force_rhr="0">'
    ]
    for cls, props in sym.layers:
        parts.append(f'<layer class="{cls}" pass="0" locked="0" enabled="1">')
        parts.append('<Option type="Map">')
        parts += [f'<Option type="QString" name={quoteattr(k)} value={quoteattr(v)}/>' for k, v in props.items()]
        parts.append("</Option>")
        parts += [f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items()]
        parts.append('<data_defined_properties><Option type="Map"><Option type="QString" name="name" value=""/>'
                     '<Option name="properties"/><Option type="QString" name="type" value="collection"/></Option>'
                     "</data_defined_properties>")
        parts.append("</layer>")
    parts.append("</symbol>")
    return "".join(parts)


def _document(renderer: str, *, labeling: str = "") -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Labeling">\n'
        f"{renderer}\n{labeling}\n"
        "<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity>\n"
        "</qgis>\n"
    )


def _simple_labeling(field_name: str, *, size_pt: float = 8.0) -> str:
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName={quoteattr(field_name)} isExpression="0" fontSize="{size_pt:g}" fontSizeUnit="Point" '
        'textColor="30,30,30,255" textOpacity="1" fontWeight="50" fontItalic="0" fontFamily="Sans Serif" '
        'namedStyle="Regular" blendMode="0" multilineHeight="1">'
        '<text-buffer bufferDraw="1" bufferSize="0.8" bufferSizeUnits="MM" bufferColor="255,255,255,255" '
        'bufferOpacity="1" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/>'
        "</text-style>"
        '<placement placement="1" dist="1" distUnits="MM" priority="5" offsetType="0"/>'
        '<rendering scaleVisibility="1" scaleMin="0" scaleMax="200000" obstacle="1" drawLabels="1" '
        'upsidedownLabels="0" limitNumLabels="0" maxNumLabels="2000" minFeatureSize="0"/>'
        "</settings></labeling>"
    )


def single_qml(sym: Symbol, *, label_field: str | None = None) -> str:
    """A single-symbol style."""
    renderer = (
        '<renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0">'
        f"<symbols>{_symbol_xml('0', sym)}</symbols></renderer-v2>"
    )
    return _document(renderer, labeling=_simple_labeling(label_field) if label_field else "")


def categorized_qml(attribute: str, categories: Sequence[tuple[str, str, Symbol]], *,
                    label_field: str | None = None) -> str:
    """Categories of ``attribute``: ``(value, label, symbol)``, drawn in order."""
    cats = "".join(
        f"<category value={quoteattr(str(v))} symbol=\"{i}\" label={quoteattr(lab)} render=\"true\"/>"
        for i, (v, lab, _) in enumerate(categories)
    )
    syms = "".join(_symbol_xml(str(i), s) for i, (_, _, s) in enumerate(categories))
    renderer = (
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(attribute)} symbollevels="0" enableorderby="0" '
        f'forceraster="0"><categories>{cats}</categories><symbols>{syms}</symbols></renderer-v2>'
    )
    return _document(renderer, labeling=_simple_labeling(label_field) if label_field else "")


def graduated_qml(attribute: str, ranges: Sequence[tuple[float, float, str, Symbol]], *,
                  label_field: str | None = None) -> str:
    """Graduated ranges of ``attribute``: ``(lower, upper, label, symbol)``."""
    rng = "".join(
        f'<range lower="{lo:.6f}" upper="{hi:.6f}" symbol="{i}" label={quoteattr(lab)} render="true"/>'
        for i, (lo, hi, lab, _) in enumerate(ranges)
    )
    syms = "".join(_symbol_xml(str(i), s) for i, (_, _, _, s) in enumerate(ranges))
    renderer = (
        f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(attribute)} graduatedMethod="GraduatedColor" '
        f'symbollevels="0" enableorderby="0" forceraster="0"><ranges>{rng}</ranges><symbols>{syms}</symbols>'
        '<classificationMethod id="EqualInterval"><symmetricMode enabled="0" symmetrypoint="0" astride="0"/>'
        '<labelFormat format="%1 - %2" labelprecision="2" trimtrailingzeroes="1"/></classificationMethod>'
        "</renderer-v2>"
    )
    return _document(renderer, labeling=_simple_labeling(label_field) if label_field else "")


def rule_based_qml(rules: Sequence[tuple[str, str, Symbol]], *, label_field: str | None = None) -> str:
    """Rules ``(QGIS filter expression, label, symbol)``; a feature may match several."""
    root = "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "siteselect/root")) + "}"
    body = "".join(
        f'<rule key="{{{uuid.uuid5(uuid.NAMESPACE_URL, f"siteselect/rule/{i}/{flt}")}}}" filter={quoteattr(flt)} '
        f'label={quoteattr(lab)} symbol="{i}"/>'
        for i, (flt, lab, _) in enumerate(rules)
    )
    syms = "".join(_symbol_xml(str(i), s) for i, (_, _, s) in enumerate(rules))
    renderer = (
        '<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">'
        f'<rules key="{root}">{body}</rules><symbols>{syms}</symbols></renderer-v2>'
    )
    return _document(renderer, labeling=_simple_labeling(label_field) if label_field else "")


def score_ramp(n: int, *, cmap: str = "viridis") -> list[str]:
    """``n`` hex colours along a matplotlib colour map (low → high)."""
    from matplotlib.colors import to_hex

    cm = colormaps[cmap]
    return [to_hex(cm(i / max(n - 1, 1))) for i in range(n)]
