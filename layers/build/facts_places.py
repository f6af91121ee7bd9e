"""Point, line and area facts for the embedded Västmanland layers.

All coordinates are WGS84 (lon, lat). Each table says where its facts come
from; ``layers/README.md`` repeats this per layer with the accuracy.
"""

from __future__ import annotations

#: SCB municipality codes and population 31 Dec 2024 (DOMAIN.md, SCB).
MUNICIPALITIES: dict[str, tuple[str, int]] = {
    "Skinnskatteberg": ("1904", 4256),
    "Surahammar": ("1907", 9845),
    "Kungsör": ("1960", 8694),
    "Hallstahammar": ("1961", 16653),
    "Norberg": ("1962", 5452),
    "Västerås": ("1980", 160634),
    "Sala": ("1981", 22843),
    "Fagersta": ("1982", 13072),
    "Köping": ("1983", 25729),
    "Arboga": ("1984", 13980),
}

#: Main towns outside the county: name -> (lon, lat, population, pop_year).
#: Stockholm and Uppsala: SCB statistiska tätorter 2020 (as listed on Swedish
#: Wikipedia "Lista över Nordens största tätorter"). The others are SCB tätort
#: figures rounded to the nearest 500 and recalled, not re-checked: treat as ±5 %.
EXTERNAL_TOWNS: dict[str, tuple[float, float, int, int]] = {
    "Stockholm": (18.0686, 59.3293, 1617407, 2020),
    "Uppsala": (17.6389, 59.8586, 166698, 2020),
    "Örebro": (15.2066, 59.2741, 126000, 2020),
    "Eskilstuna": (16.5077, 59.3712, 71000, 2020),
    "Enköping": (17.0770, 59.6360, 23500, 2020),
    "Avesta": (16.1679, 60.1455, 14500, 2020),
    "Ludvika": (15.1878, 60.1496, 14500, 2020),
    "Kumla": (15.1430, 59.1277, 15000, 2020),
    "Hedemora": (15.9870, 60.2795, 7500, 2020),
    "Hallsberg": (15.1099, 59.0667, 7500, 2020),
    "Smedjebacken": (15.4130, 60.1404, 5000, 2020),
    "Heby": (16.8640, 59.9380, 3000, 2020),
}

#: Ports: (port_id, name, operator, max_draught_m, deep_water, lon, lat, note).
PORTS: list[tuple[str, str, str, float | None, bool, float, float]] = [
    # DOMAIN.md [S]: western harbour 59.592 N 16.525 E, max draught 6.8 m (also NGA WPI 25395).
    ("SEVST", "Västerås hamn (Västra hamnen)", "Mälarhamnar AB", 6.8, True, 16.5250, 59.5920),
    # DOMAIN.md [E]: ≈59.50 N 16.01 E; placed at the mouth of Köpingsån, SE of the centre.
    ("SEKOG", "Köpings hamn", "Mälarhamnar AB", 6.8, True, 16.0080, 59.5035),
]

#: Airports: name -> (lon, lat). DOMAIN.md [E].
AIRPORTS: dict[str, tuple[float, float]] = {
    "Västerås flygplats (Hässlö)": (16.6330, 59.5890),
}

#: Railway stations/terminals: (station_id, name, kind, lon, lat).
#: Positions estimated at the station in each town (±300 m); kinds from
#: DOMAIN.md (Hacksta combi terminal, Jernhusen) and port rail sidings.
STATIONS: list[tuple[str, str, str, float, float]] = [
    ("ST-VAS", "Västerås C", "passenger", 16.5487, 59.6081),
    ("ST-VAS-KT", "Västerås kombiterminal (Hacksta)", "combi", 16.4650, 59.5910),
    ("ST-VAS-HAMN", "Västerås hamn, hamnspår", "freight", 16.5290, 59.5960),
    ("ST-KOP", "Köping", "passenger", 15.9960, 59.5085),
    ("ST-KOP-HAMN", "Köpings hamn, hamnspår", "freight", 16.0110, 59.5060),
    ("ST-ARB", "Arboga", "passenger", 15.8390, 59.3935),
    ("ST-KUN", "Kungsör", "passenger", 16.0970, 59.4215),
    ("ST-VSK", "Valskog (junction)", "freight", 15.9443, 59.4418),
    ("ST-KOL", "Kolbäck", "passenger", 16.2355, 59.5625),
    ("ST-HAL", "Hallstahammar", "passenger", 16.2265, 59.6135),
    ("ST-SUR", "Surahammar", "passenger", 16.2185, 59.7095),
    ("ST-RAM", "Ramnäs", "passenger", 16.2000, 59.7700),
    ("ST-VIR", "Virsbo", "passenger", 16.0550, 59.8700),
    ("ST-ANG", "Ängelsberg", "passenger", 16.0100, 59.9630),
    ("ST-FAG", "Fagersta C", "passenger", 15.7940, 59.9940),
    ("ST-FAG-V", "Fagersta Västanfors (freight yard)", "freight", 15.7700, 60.0100),
    ("ST-SAL", "Sala", "passenger", 16.6030, 59.9190),
    ("ST-SAL-G", "Sala godsbangård", "freight", 16.6080, 59.9130),
    ("ST-SKI", "Skinnskatteberg", "passenger", 15.6900, 59.8290),
    ("ST-KAR", "Karbenning", "freight", 16.0770, 60.0450),
    ("ST-ENK", "Enköping", "passenger", 17.0750, 59.6350),
    ("ST-STO", "Stockholm C", "passenger", 18.0580, 59.3300),
    ("ST-UPP", "Uppsala C", "passenger", 17.6460, 59.8580),
    ("ST-ORE", "Örebro C", "passenger", 15.2120, 59.2790),
    ("ST-ESK", "Eskilstuna C", "passenger", 16.5080, 59.3670),
    ("ST-AVE", "Avesta Krylbo", "passenger", 16.2140, 60.1290),
    ("ST-LUD", "Ludvika", "passenger", 15.1880, 60.1500),
    ("ST-HEB", "Heby", "passenger", 16.8640, 59.9370),
]

#: Rail lines: (line_id, name, [station ids or (lon, lat) bends]).
#: Corridors through the towns they serve (DOMAIN.md [S] for which towns),
#: bends estimated: ±2 km; Godsstråket south of Skinnskatteberg ±5 km.
RAIL_LINES: list[tuple[str, str, list[str | tuple[float, float]]]] = [
    ("R-ML", "Mälarbanan (Stockholm–Västerås–Kolbäck–Köping–Arboga–Örebro)", [
        "ST-STO", (17.90, 59.40), (17.64, 59.51), (17.53, 59.57), (17.30, 59.61), "ST-ENK",
        (16.85, 59.630), (16.70, 59.615), "ST-VAS", "ST-VAS-KT", (16.39, 59.575),
        "ST-KOL", (16.10, 59.530), "ST-KOP", "ST-VSK", "ST-ARB", (15.60, 59.350),
        (15.40, 59.300), "ST-ORE"]),
    ("R-SVB", "Svealandsbanan (Eskilstuna–Kungsör–Valskog)", [
        "ST-ESK", (16.30, 59.405), "ST-KUN", "ST-VSK"]),
    ("R-KLB", "Bergslagspendeln / Kolbäck–Ludvika", [
        "ST-KOL", "ST-HAL", "ST-SUR", "ST-RAM", "ST-VIR", "ST-ANG", "ST-FAG", "ST-FAG-V",
        (15.55, 60.09), (15.41, 60.135), "ST-LUD"]),
    ("R-SOL-N", "Sala–Oxelösund line: Sala–Västerås", [
        "ST-SAL", (16.636, 59.808), (16.622, 59.684), "ST-VAS"]),
    ("R-SOL-S", "Sala–Oxelösund line: Kolbäck–Kvicksund–Eskilstuna", [
        "ST-KOL", (16.243, 59.527), (16.318, 59.462), (16.40, 59.41), "ST-ESK"]),
    ("R-DAL", "Dalabanan (Uppsala–Sala–Avesta Krylbo)", [
        "ST-UPP", (17.30, 59.90), "ST-HEB", "ST-SAL", (16.45, 60.02), "ST-AVE"]),
    ("R-GSB", "Godsstråket genom Bergslagen (Frövi–Skinnskatteberg–Fagersta–Krylbo)", [
        (15.365, 59.466), (15.45, 59.58), (15.55, 59.72), "ST-SKI", (15.74, 59.93),
        "ST-FAG-V", (15.95, 60.03), "ST-KAR", "ST-AVE"]),
]

#: Stations that are announced but not in service: they count for grid capacity only
#: from the year their project says (layers/grid), never as an existing connection point.
PLANNED_SUBSTATIONS: frozenset[str] = frozenset({"SS-MUNGA", "SS-ARB-130", "SS-KUN-130"})

#: Substations: (substation_id, name, voltage_kv, operator, available_mw,
#: capacity_date, capacity_source, lon, lat). Confidence per row in README.
SUBSTATIONS: list[tuple[str, str, float, str | None, float | None, str | None, str | None,
                        float, float]] = [
    # Himmeta: existing transmission station "sydväst om Köping" (Vattenfall
    # Eldistribution project page); 220 kV per the ENTSO-E grid-map extract
    # (PyPSA-Eur entsoegridkit bus 7621, position used) and Länsposten 2017
    # (Svenska kraftnät's Himmeta–Lindbacka 220 kV line). DOMAIN.md said 400 kV.
    ("SS-HIMMETA", "Himmeta", 220.0, "Svenska kraftnät", None, None, None, 15.9714, 59.4974),
    # Finnslätten: OSM (c. 2016) substation tagged 220/130 kV inside the
    # Finnslätten industrial area; the Hamra–Finnslätten line is to be removed
    # once Munga is in service (Enköpings kommun project page).
    ("SS-FINNSLATTEN", "Finnslätten 220/130 kV", 220.0, "Svenska kraftnät", None, None, None,
     16.5785, 59.6455),
    ("SS-MUNGA", "Munga (planned 400 kV station)", 400.0, "Svenska kraftnät", 0.0, None,
     ("Enköpings kommun / Svenska kraftnät: new stamnät station at Munga with 400 kV "
     "Hamra–Munga, build start ≈2026, in service 2028; no capacity before that"),
     16.5250, 59.7350),
    ("SS-VAS-KVV", "Västerås Kraftvärmeverket 130 kV", 130.0, "Mälarenergi Elnät", None, None,
     None, 16.5066, 59.5937),
    ("SS-ARB-130", "Arboga NO 130 kV (planned)", 130.0, "Vattenfall Eldistribution", 0.0, None,
     ("Vattenfall Eldistribution, project 'Himmeta, Arboga och Kungsör' (consultation 2019): "
     "the grid feeding Arboga and Kungsör is fully used; new 130 kV station NE of Arboga planned"),
     15.8800, 59.4200),
    ("SS-KUN-130", "Kungsör NV 130 kV (planned)", 130.0, "Vattenfall Eldistribution", 0.0, None,
     ("Vattenfall Eldistribution, project 'Himmeta, Arboga och Kungsör' (consultation 2019): "
     "the grid feeding Arboga and Kungsör is fully used; "
     "new 130 kV station NW of Kungsör planned"),
     16.0850, 59.4350),
    # Assumed regional 130 kV receiving stations at industrial towns: position
    # estimated (±2 km), existence and operator not verified.
    ("SS-HAL-130", "Hallstahammar 130 kV", 130.0, "Vattenfall Eldistribution", None, None, None,
     16.2300, 59.6050),
    ("SS-SUR-130", "Surahammar 130 kV", 130.0, "Vattenfall Eldistribution", None, None, None,
     16.2150, 59.7150),
    ("SS-SAL-130", "Sala 130 kV", 130.0, "Vattenfall Eldistribution", None, None, None,
     16.6100, 59.9050),
    ("SS-FAG-130", "Fagersta 130 kV", 130.0, "Vattenfall Eldistribution", None, None, None,
     15.7740, 60.0102),
]

#: Water bodies drawn from coordinates (±0.5–1 km): name -> outer ring.
WATER: dict[str, list[tuple[float, float]]] = {
    "Mälaren – Västeråsfjärden": [
        (16.505, 59.587), (16.522, 59.589), (16.540, 59.590), (16.575, 59.594),
        (16.615, 59.582), (16.645, 59.572),
        (16.655, 59.555), (16.640, 59.535), (16.600, 59.515), (16.570, 59.520),
        (16.555, 59.545), (16.545, 59.565), (16.535, 59.578), (16.510, 59.582)],
    "Mälaren (south of Västerås–Tidö)": [
        (16.360, 59.450), (16.450, 59.480), (16.500, 59.490), (16.560, 59.500),
        (16.620, 59.505), (16.700, 59.500), (16.800, 59.480), (16.800, 59.430),
        (16.650, 59.420), (16.500, 59.420), (16.400, 59.430)],
    "Mälaren – Blacken": [
        (16.120, 59.460), (16.180, 59.490), (16.250, 59.495), (16.300, 59.470),
        (16.295, 59.445), (16.220, 59.440), (16.150, 59.445)],
    "Mälaren – Galten / Köpingsviken": [
        (16.020, 59.495), (16.060, 59.490), (16.100, 59.470), (16.120, 59.450),
        (16.080, 59.437), (16.020, 59.442), (15.985, 59.455), (15.995, 59.480)],
    "Hjälmaren (eastern part)": [
        (15.350, 59.250), (15.600, 59.300), (15.850, 59.330), (16.050, 59.300),
        (16.200, 59.270), (16.100, 59.200), (15.800, 59.190), (15.500, 59.160),
        (15.300, 59.200)],
    "Åmänningen": [
        (16.022, 59.900), (16.050, 59.920), (16.060, 59.960), (16.045, 60.000),
        (16.028, 59.990), (16.022, 59.950), (16.018, 59.920)],
    "Södra Barken": [
        (15.700, 60.020), (15.760, 60.022), (15.785, 60.045), (15.750, 60.070),
        (15.680, 60.080), (15.660, 60.050)],
    "Norra Barken": [
        (15.450, 60.080), (15.550, 60.100), (15.550, 60.160), (15.480, 60.180),
        (15.430, 60.150)],
    "Väsman": [
        (15.170, 60.160), (15.220, 60.160), (15.260, 60.220), (15.250, 60.290),
        (15.200, 60.280), (15.170, 60.200)],
    "Virsbosjön": [
        (16.060, 59.880), (16.080, 59.882), (16.100, 59.900), (16.085, 59.906),
        (16.066, 59.892)],
    "Snyten": [
        (15.875, 60.045), (15.900, 60.048), (15.915, 60.062), (15.898, 60.066),
        (15.878, 60.056)],
}

#: Västerås residential districts (for urban_areas): name -> (lon, lat, radius_m).
#: Västerås is split into housing districts so that the harbour and industrial
#: zones (Finnslätten, Hacksta, Erikslund) are not marked as housing.
VASTERAS_DISTRICTS: dict[str, tuple[float, float, float]] = {
    "Västerås – Centrum/Kopparlunden": (16.5400, 59.6100, 900.0),
    "Västerås – Gideonsberg/Skallberget": (16.5400, 59.6270, 700.0),
    "Västerås – Önsta-Gryta": (16.5550, 59.6470, 600.0),
    "Västerås – Malmaberg/Haga": (16.5900, 59.6270, 450.0),
    "Västerås – Bjurhovda": (16.6180, 59.6380, 500.0),
    "Västerås – Östermalm/Kristiansborg": (16.5700, 59.6040, 600.0),
    "Västerås – Viksäng/Pettersberg": (16.5150, 59.6040, 600.0),
    "Västerås – Vallby/Skiljebo": (16.5050, 59.6230, 600.0),
    "Västerås – Råby": (16.4900, 59.6080, 450.0),
    "Västerås – Bäckby": (16.4600, 59.6010, 600.0),
    "Västerås – Skälby": (16.4350, 59.6080, 500.0),
}
