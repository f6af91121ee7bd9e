"""Existing industrial and port land for the embedded Västmanland layers.

Each row: (il_id, name, municipality, kind, lon, lat, area_ha, plan_use, source).

These are the named industrial areas and port areas whose position a public
source states; their extent is an estimate (a rectangle of ``area_ha``,
aspect 1.5, centred on the stated position). The builder adds every
candidate site of ``facts_sites.py`` whose plan is in force (``gällande``)
with plan use J or Z, as ``kind`` "detaljplan".

``PLANTS`` are large works inside towns (kind "plant"): without them the
1 km housing evidence marks the works as housing. Several of them are also
establishments of the public validation set in ``bench/validation/`` (flagged
``model_input = yes`` there, and reported separately by
``bench/validity.py``): their positions are the same estimates, so the
validation is circular for those rows (Skultuna's position is now the
coordinate of its Wikipedia article, an independent source; the other
seven are still the same estimates). A real catalog carries them from the
detaljplaner (plan use J), which the sample does not have.
"""

from __future__ import annotations

INDUSTRIAL_KINDS = ("verksamhetsområde", "port", "detaljplan", "plant")

INDUSTRIAL_AREAS: list[tuple[str, str, str, str, float, float, float, str | None, str]] = [
    ("IL-VAS-01", "Finnslätten", "Västerås", "verksamhetsområde", 16.5867, 59.6381, 150.0, "J",
     ("sv.wikipedia 'Finnslätten': industrial district at 59.638 N 16.587 E between Lugna Gatan, "
      "Tillbergaleden, Österleden, Norrleden and Mälarbanan [S]; extent [E] ±500 m")),
    ("IL-VAS-02", "Hacksta", "Västerås", "verksamhetsområde", 16.4617, 59.5872, 120.0, "J",
     ("sv.wikipedia 'Hacksta, Västerås': industrial district at 59.587 N 16.462 E between "
      "Mälarbanan, Saltängsvägen and Söderleden [S]; extent [E] ±500 m")),
    ("IL-VAS-03", "Västerås hamn – Västra hamnen", "Västerås", "port", 16.5200, 59.5950, 60.0, "J",
     ("DOMAIN.md and NGA World Port Index 25395: Västerås port at 59.592 N 16.525 E [S]; "
      "port and quay land extent [E] ±500 m")),
    ("IL-VAS-04", "Västerås Östra hamnen", "Västerås", "port", 16.5510, 59.6030, 20.0, "J",
     "DOMAIN.md: Östra hamnen 59.603 N 16.551 E [S]; extent [E] ±300 m"),
    ("IL-SUR-03", "Nordanö industrial area, Virsbo", "Surahammar", "verksamhetsområde", 16.0960, 59.8720,
     20.0, "J",
     ("ekomuseum.se 'Virsbo bruksområde': the modern industrial area of Virsbo lies in Nordanö, "
      "two kilometres east of the old works [S]; position [E] ±1 km, extent [E]")),
    ("IL-KOP-01", "Köpings hamn", "Köping", "port", 16.0050, 59.5025, 30.0, "J",
     ("koping.se 'Köpings hamn': djuphamn, spannmålskaj, oljepir, Nordkalk and Cementa quays [S]; "
      "position and extent [E] ±1 km")),
]

#: Large works inside towns: (il_id, name, municipality, "plant", lon, lat, area_ha, plan_use, source).
#: Positions [E] ±0.7–1 km from the works' description; areas [E].
PLANTS: list[tuple[str, str, str, str, float, float, float, str | None, str]] = [
    ("IL-KOP-02", "Volvo transmission plant and GKN Driveline, Köping", "Köping", "plant",
     15.9720, 59.5085, 60.0, "J",
     ("volvogroup.com 2014 'Investering i Köping' (transmission plant); hem.bredband.net/geodri "
      "'Volvo Komponenter AB i Köping 1987' (works by E18 Arbogavägen, Ullvi) [S]; extent [E]")),
    ("IL-HAL-01", "Kanthal works, Hallstahammar", "Hallstahammar", "plant",
     16.2280, 59.6110, 30.0, "J",
     "Kanthal handbook (production centre in Hallstahammar) [S]; position south of the centre [E] ±700 m"),
    ("IL-HAL-02", "Bulten works, Hallstahammar", "Hallstahammar", "plant",
     16.2440, 59.6180, 15.0, "J",
     "ratos.se 'Bulten-Kanthal' (bolt works in Hallstahammar since 1873) [S]; position [E] ±800 m"),
    ("IL-SUR-01", "Ramnäs bruk", "Surahammar", "plant", 16.2000, 59.7710, 10.0, "J",
     "ratos.se 'Bulten-Kanthal' (Ramnäs chain works, founded 1590) [S]; position [E] ±700 m"),
    ("IL-SUR-02", "Virsbo works", "Surahammar", "plant", 16.0600, 59.8720, 8.0, "J",
     "[E] tap works in Virsbo (sv.wikipedia 'Virsbo', not re-checked); position ±1 km"),
    ("IL-VAS-05", "Skultuna Messingsbruk", "Västerås", "plant", 16.4181, 59.7167, 10.0, "J",
     ("sv.wikipedia 'Skultuna Messingsbruk': brass works since 1607, coordinates 59.716717 N "
      "16.418067 E [S]; extent [E]")),
    ("IL-FAG-01", "Fagersta bruk works (Epiroc, Fagersta Stainless)", "Fagersta", "plant",
     15.8020, 59.9910, 60.0, "J",
     ("epiroc.com 2021 'Sustainable engineering at Epiroc in Fagersta'; steel-photo.org 'Fagersta "
      "Stainless' (wire mill of the old Fagersta Bruk) [S]; position by Kolbäcksån [E] ±1 km")),
    ("IL-FAG-02", "Seco Tools works, Fagersta", "Fagersta", "plant", 15.8170, 60.0050, 15.0, "J",
     "metal-supply.dk 'Seco Tools indvier ny, svensk fabrik' (Fagersta) [S]; position [E] ±1 km"),
]
