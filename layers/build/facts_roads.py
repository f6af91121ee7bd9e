"""Road network facts for the embedded Västmanland layers.

The network is a *node table* (named points, WGS84 lon/lat) plus *edge
lists* (sequences of node names). Because every road line is built from the
same node coordinates, roads that meet share exactly the same end point and
the network is connected by construction.

Coordinates are estimates of where each road corridor runs (town centres,
interchanges and a few bends), typically within 1–2 km of the real road.
Sources for the corridors: Trafikverket project pages and Swedish Wikipedia
articles on Riksväg 66, Riksväg 68 and Länsväg 252 (see ``layers/README.md``);
interchange names and numbers from DOMAIN.md / Trafikverket E18 Köping–Västjädra
news pages. Speeds are the posted limits where known, otherwise the typical
limit for the road type, calibrated against DOMAIN.md's travel-time table.
"""

from __future__ import annotations

#: Named network nodes: name -> (lon, lat) in WGS84.
NODES: dict[str, tuple[float, float]] = {
    # --- town centres inside the county (SCB tätort marker positions) ---
    "Västerås": (16.5436, 59.6193),
    "Köping": (15.9929, 59.5122),
    "Arboga": (15.8438, 59.3961),
    "Kungsör": (16.1074, 59.4231),
    "Hallstahammar": (16.2359, 59.6158),
    "Surahammar": (16.2282, 59.7058),
    "Sala": (16.5915, 59.9208),
    "Fagersta": (15.8064, 59.9974),
    "Norberg": (15.9322, 60.0735),
    "Skinnskatteberg": (15.6942, 59.8269),
    "Kolsva": (15.8473, 59.5966),
    "Riddarhyttan": (15.5450, 59.8085),
    "Ramnäs": (16.2021, 59.7693),
    "Virsbo": (16.0488, 59.8710),
    "Kolbäck": (16.2299, 59.5637),
    "Strömsholm": (16.2427, 59.5274),
    "Kvicksund": (16.3176, 59.4594),
    "Skultuna": (16.4311, 59.7183),
    "Tillberga": (16.6231, 59.6840),
    "Ransta": (16.6357, 59.8092),
    "Munktorp": (16.1367, 59.5334),
    "Valskog": (15.9443, 59.4418),
    "Dingtuna": (16.3897, 59.5715),
    "Västerfärnebo": (16.2778, 59.9461),
    "Möklinta": (16.5419, 60.0768),
    # --- towns outside the county ---
    "Enköping": (17.0770, 59.6360),
    "Stockholm": (18.0686, 59.3293),
    "Uppsala": (17.6389, 59.8586),
    "Örebro": (15.2066, 59.2741),
    "Eskilstuna": (16.5077, 59.3712),
    "Avesta": (16.1679, 60.1455),
    "Ludvika": (15.1878, 60.1496),
    "Hedemora": (15.9870, 60.2795),
    "Smedjebacken": (15.4130, 60.1404),
    "Heby": (16.8640, 59.9380),
    "Kumla": (15.1430, 59.1277),
    "Hallsberg": (15.1099, 59.0667),
    # --- E18 interchanges (trafikplatser) and motorway bends ---
    "Tpl Järva (E18/E4)": (17.9900, 59.3720),
    "E18 Jakobsberg": (17.8300, 59.4250),
    "E18 Bro": (17.6400, 59.5150),
    "Tpl Bålsta": (17.5300, 59.5650),
    "E18 Litslena": (17.3200, 59.6050),
    "Tpl Enköping östra": (17.1150, 59.6230),
    "Tpl Enköping västra": (17.0300, 59.6290),
    "E18 Nykvarn": (16.8500, 59.6420),
    "E18 Irsta": (16.7200, 59.6250),
    "Tpl Hälla": (16.6150, 59.6080),
    "Tpl Korsäng": (16.5750, 59.6160),
    "Tpl Skallberg": (16.5300, 59.6190),
    "Tpl Bäckby": (16.4950, 59.6150),
    "Tpl Skälby": (16.4550, 59.6140),
    "Tpl Västjädra": (16.3850, 59.6070),
    "Tpl Eriksberg": (16.2650, 59.5970),
    "Tpl Sörstafors": (16.2150, 59.5900),
    "Tpl Morgendal": (16.1500, 59.5730),
    "Tpl Strö": (16.0750, 59.5480),
    "Tpl Köping östra": (16.0250, 59.5280),
    "Tpl Köping västra": (15.9650, 59.5230),
    "E18 Himmeta": (15.9350, 59.4700),
    "Tpl Arboga östra (E18/E20)": (15.9050, 59.4150),
    "Tpl Arboga": (15.8500, 59.4100),
    "E18 Fellingsbro": (15.6000, 59.4000),
    "Tpl Glanshammar": (15.4200, 59.3250),
    "Tpl Örebro östra": (15.2700, 59.2900),
    # --- E20 ---
    "E20 Hällby": (15.9900, 59.4100),
    "Tpl Kungsör": (16.1000, 59.4060),
    "E20 Torshälla": (16.2800, 59.3950),
    "Tpl Eskilstuna västra": (16.4400, 59.3850),
    # --- national / county road junctions and bends ---
    "Rv56/252 Kvicksund norra": (16.3300, 59.4950),
    "Rv56 Lunda": (16.3650, 59.5550),
    "Rv56 Eskilstuna norra": (16.4300, 59.4100),
    "Rv56 Nordanby": (16.5400, 59.6500),
    "Rv56 Hökåsen": (16.5600, 59.7100),
    "Rv56 Kumla": (16.6150, 59.8350),
    "Evelund (56/70)": (16.6050, 59.9050),
    "Rv56 Heby väst": (16.7400, 59.9300),
    "Rv70 Fjärdhundra": (17.0000, 59.7600),
    "Rv70 Enåker": (16.8200, 59.8500),
    "Rv70 Sala norra": (16.5700, 59.9500),
    "Rv70 Broddbo": (16.4750, 59.9900),
    "Rv70 Hedåker": (16.3900, 60.0450),
    "Rv70 Krylbo södra": (16.3000, 60.0900),
    "Rv70 Avesta södra": (16.2000, 60.1250),
    "Rv66 Dingtuna norra": (16.4100, 59.6550),
    "Rv66 Sörkvarn": (16.3200, 59.6850),
    "Rv66/252 Långsjön": (16.2650, 59.6950),
    "Rv66 Surahammar": (16.2450, 59.7100),
    "Rv66/252 Ramnäs": (16.2080, 59.7650),
    "Rv66/233 Sothällen": (16.1500, 59.8100),
    "Rv66 Ängelsberg": (16.0050, 59.9300),
    "Rv66/68 Oti": (15.7950, 59.9750),
    "Rv66 Söderbärke": (15.6800, 59.9950),
    "Rv66 Björsjö": (15.5500, 60.0900),
    "Rv68 Fagersta norra": (15.8150, 60.0150),
    "Rv68 Snyten": (15.8750, 60.0380),
    "Rv68 Norberg": (15.9500, 60.0650),
    "Rv68 Kärrgruvan": (16.0500, 60.1050),
    "Lv252 Borgåsund": (16.2700, 59.5050),
    "Lv252 Trångfors": (16.2400, 59.6350),
    "Lv250 Köping norra": (15.9300, 59.5500),
    "Lv250 Odensvi": (15.8300, 59.6900),
    "Lv250/233 Gunnilbo": (15.8200, 59.7950),
    "Lv250 Hedkärra": (15.8000, 59.9000),
    "Lv233 Färna": (15.9800, 59.8000),
    "Valskog väg": (16.0000, 59.4600),
    "Sala–Västerfärnebo": (16.4300, 59.9300),
    "Skultuna väg": (16.4700, 59.6700),
    # --- urban streets in Västerås (port, industry, airport access) ---
    "Västerås centrum": (16.5446, 59.6100),
    "Västerås centrum syd": (16.5420, 59.6040),
    "Västerås hamn (västra)": (16.5250, 59.5935),
    "Västerås östra hamnen": (16.5520, 59.6040),
    "Hacksta": (16.4620, 59.5870),
    "Johannisberg": (16.4950, 59.5900),
    "Västerås flygplats": (16.6320, 59.5930),
    "Finnslätten": (16.5870, 59.6380),
    "Erikslund": (16.4450, 59.6200),
    "Köping hamn": (16.0080, 59.5035),
    "Kungsör norra": (16.0950, 59.4300),
}

#: Road lines: (ref, road_class, speed_kmh, [node names...]).
#: ``ref`` None for municipal streets and access roads.
ROADS: list[tuple[str | None, str, float, list[str]]] = [
    # E18 Stockholm – Enköping – Västerås – Köping – Arboga – Örebro (motorway)
    ("E18", "motorway", 110.0, [
        "Tpl Järva (E18/E4)", "E18 Jakobsberg", "E18 Bro", "Tpl Bålsta", "E18 Litslena",
        "Tpl Enköping östra", "Tpl Enköping västra", "E18 Nykvarn", "E18 Irsta", "Tpl Hälla",
        "Tpl Korsäng", "Tpl Skallberg", "Tpl Bäckby", "Tpl Skälby", "Tpl Västjädra",
        "Tpl Eriksberg", "Tpl Sörstafors", "Tpl Morgendal", "Tpl Strö", "Tpl Köping östra",
        "Tpl Köping västra", "E18 Himmeta", "Tpl Arboga östra (E18/E20)"]),
    ("E18;E20", "motorway", 110.0, [
        "Tpl Arboga östra (E18/E20)", "Tpl Arboga", "E18 Fellingsbro", "Tpl Glanshammar",
        "Tpl Örebro östra"]),
    # E20 Arboga – Kungsör – Eskilstuna
    ("E20", "motorway", 100.0, [
        "Tpl Arboga östra (E18/E20)", "E20 Hällby", "Tpl Kungsör"]),
    ("E20", "motorway", 110.0, ["Tpl Kungsör", "E20 Torshälla", "Tpl Eskilstuna västra"]),
    # city accesses from motorway interchanges
    (None, "primary", 30.0, ["Stockholm", "Tpl Järva (E18/E4)"]),
    (None, "primary", 30.0, ["Enköping", "Tpl Enköping östra"]),
    (None, "primary", 30.0, ["Enköping", "Tpl Enköping västra"]),
    (None, "primary", 30.0, ["Örebro", "Tpl Örebro östra"]),
    (None, "primary", 40.0, ["Eskilstuna", "Tpl Eskilstuna västra"]),
    (None, "secondary", 30.0, ["Köping", "Tpl Köping östra"]),
    (None, "secondary", 30.0, ["Köping", "Tpl Köping västra"]),
    (None, "secondary", 30.0, ["Arboga", "Tpl Arboga"]),
    (None, "secondary", 30.0, ["Kungsör", "Tpl Kungsör"]),
    # Västerås main streets (port, Hacksta, airport, Finnslätten, Erikslund)
    (None, "secondary", 30.0, ["Västerås", "Västerås centrum"]),
    (None, "secondary", 30.0, ["Västerås centrum", "Tpl Skallberg"]),
    (None, "secondary", 40.0, ["Västerås centrum", "Västerås centrum syd"]),
    (None, "tertiary", 40.0, ["Västerås centrum syd", "Västerås hamn (västra)"]),
    (None, "tertiary", 40.0, ["Västerås centrum syd", "Västerås östra hamnen"]),
    (None, "secondary", 50.0, ["Västerås östra hamnen", "Tpl Korsäng"]),
    (None, "secondary", 50.0, ["Västerås östra hamnen", "Västerås flygplats"]),
    (None, "secondary", 50.0, ["Västerås flygplats", "Tpl Hälla"]),
    (None, "secondary", 50.0, ["Tpl Skälby", "Erikslund"]),
    (None, "secondary", 50.0, ["Tpl Bäckby", "Hacksta"]),
    (None, "secondary", 50.0, ["Hacksta", "Johannisberg", "Västerås hamn (västra)"]),
    (None, "secondary", 50.0, ["Tpl Korsäng", "Finnslätten"]),
    (None, "secondary", 50.0, ["Finnslätten", "Rv56 Nordanby"]),
    # Riksväg 56: Eskilstuna – Kvicksund – Västjädra (E18); Bäckby – Sala – Heby
    ("56", "trunk", 80.0, [
        "Eskilstuna", "Rv56 Eskilstuna norra", "Kvicksund", "Rv56/252 Kvicksund norra",
        "Rv56 Lunda", "Tpl Västjädra"]),
    ("56", "trunk", 80.0, [
        "Tpl Skallberg", "Rv56 Nordanby", "Rv56 Hökåsen", "Rv56 Kumla", "Evelund (56/70)"]),
    ("56", "trunk", 80.0, ["Evelund (56/70)", "Rv56 Heby väst", "Heby"]),
    (None, "secondary", 30.0, ["Sala", "Evelund (56/70)"]),
    (None, "tertiary", 60.0, ["Ransta", "Rv56 Kumla"]),
    (None, "tertiary", 60.0, ["Tillberga", "Rv56 Nordanby"]),
    # Riksväg 70: Enköping – Sala (Evelund) – Avesta
    ("70", "trunk", 80.0, [
        "Enköping", "Rv70 Fjärdhundra", "Rv70 Enåker", "Evelund (56/70)"]),
    ("70", "trunk", 80.0, [
        "Sala", "Rv70 Sala norra", "Rv70 Broddbo", "Rv70 Hedåker", "Rv70 Krylbo södra",
        "Rv70 Avesta södra"]),
    (None, "primary", 30.0, ["Rv70 Avesta södra", "Avesta"]),
    ("70", "trunk", 80.0, ["Avesta", "Hedemora"]),
    # Riksväg 66: Västerås (Skälby) – Surahammar – Ramnäs – Virsbo – Oti (Fagersta) – Ludvika
    ("66", "trunk", 90.0, [
        "Tpl Skälby", "Rv66 Dingtuna norra", "Rv66 Sörkvarn", "Rv66/252 Långsjön",
        "Rv66 Surahammar", "Rv66/252 Ramnäs", "Rv66/233 Sothällen", "Virsbo",
        "Rv66 Ängelsberg", "Rv66/68 Oti"]),
    ("66", "trunk", 80.0, [
        "Rv66/68 Oti", "Rv66 Söderbärke", "Rv66 Björsjö", "Smedjebacken", "Ludvika"]),
    (None, "tertiary", 30.0, ["Surahammar", "Rv66 Surahammar"]),
    (None, "tertiary", 30.0, ["Ramnäs", "Rv66/252 Ramnäs"]),
    # Riksväg 68: Oti – Fagersta – Norberg – Avesta
    ("68", "trunk", 50.0, ["Rv66/68 Oti", "Fagersta", "Rv68 Fagersta norra"]),
    ("68", "trunk", 70.0, [
        "Rv68 Fagersta norra", "Rv68 Snyten", "Rv68 Norberg", "Rv68 Kärrgruvan",
        "Rv70 Avesta södra"]),
    (None, "tertiary", 30.0, ["Norberg", "Rv68 Norberg"]),
    # Länsväg 252: rv 56 – Strömsholm – Kolbäck – Sörstafors (E18) – Hallstahammar – rv 66
    ("252", "secondary", 80.0, [
        "Rv56/252 Kvicksund norra", "Lv252 Borgåsund", "Strömsholm", "Kolbäck",
        "Tpl Sörstafors"]),
    ("252", "secondary", 40.0, ["Tpl Sörstafors", "Hallstahammar", "Lv252 Trångfors"]),
    ("252", "secondary", 90.0, ["Lv252 Trångfors", "Rv66/252 Långsjön"]),
    (None, "tertiary", 50.0, ["Hallstahammar", "Tpl Eriksberg"]),
    # Länsväg 250: Köping – Kolsva – Gunnilbo – Fagersta (Oti)
    ("250", "secondary", 80.0, [
        "Köping", "Lv250 Köping norra", "Kolsva", "Lv250 Odensvi", "Lv250/233 Gunnilbo",
        "Lv250 Hedkärra", "Rv66/68 Oti"]),
    # Länsväg 233: rv 66 (Sothällen) – Gunnilbo – Skinnskatteberg – Riddarhyttan
    ("233", "secondary", 80.0, [
        "Rv66/233 Sothällen", "Lv233 Färna", "Lv250/233 Gunnilbo", "Skinnskatteberg",
        "Riddarhyttan"]),
    # local links
    (None, "tertiary", 70.0, ["Köping", "Munktorp", "Kolbäck"]),
    (None, "tertiary", 70.0, ["Arboga", "Valskog", "Valskog väg", "Kungsör norra", "Kungsör"]),
    (None, "tertiary", 70.0, ["Valskog", "E18 Himmeta"]),
    (None, "tertiary", 50.0, ["Köping", "Köping hamn"]),
    (None, "tertiary", 70.0, ["Dingtuna", "Tpl Västjädra"]),
    (None, "tertiary", 70.0, ["Skultuna", "Skultuna väg", "Tpl Bäckby"]),
    (None, "tertiary", 70.0, ["Skultuna", "Rv66 Dingtuna norra"]),
    (None, "tertiary", 70.0, ["Sala", "Sala–Västerfärnebo", "Västerfärnebo"]),
    (None, "tertiary", 70.0, ["Sala", "Möklinta"]),
    # outside the county: E4 Stockholm – Uppsala, road 50/51 Örebro – Kumla – Hallsberg
    ("E4", "motorway", 110.0, ["Tpl Järva (E18/E4)", "Uppsala"]),
    ("55", "trunk", 90.0, ["Enköping", "Uppsala"]),
    ("50", "trunk", 90.0, ["Örebro", "Kumla", "Hallsberg"]),
]

#: Motorway interchanges: (junction_id, name, number, ref, node name).
JUNCTIONS: list[tuple[str, str, str | None, str, str]] = [
    ("J-E18-BAL", "Bålsta", None, "E18", "Tpl Bålsta"),
    ("J-E18-ENKO", "Enköping östra", None, "E18", "Tpl Enköping östra"),
    ("J-E18-ENKV", "Enköping västra", None, "E18", "Tpl Enköping västra"),
    ("J-E18-HAL", "Hälla", None, "E18", "Tpl Hälla"),
    ("J-E18-KOR", "Korsäng", None, "E18", "Tpl Korsäng"),
    ("J-E18-SKA", "Skallberg", None, "E18", "Tpl Skallberg"),
    ("J-E18-BAC", "Bäckby", None, "E18", "Tpl Bäckby"),
    ("J-E18-129", "Skälby", "129", "E18", "Tpl Skälby"),
    ("J-E18-127", "Västjädra", "127", "E18", "Tpl Västjädra"),
    ("J-E18-126", "Eriksberg", "126", "E18", "Tpl Eriksberg"),
    ("J-E18-125", "Sörstafors", "125", "E18", "Tpl Sörstafors"),
    ("J-E18-124", "Morgendal", "124", "E18", "Tpl Morgendal"),
    ("J-E18-123", "Strö", "123", "E18", "Tpl Strö"),
    ("J-E18-KOPO", "Köping östra", None, "E18", "Tpl Köping östra"),
    ("J-E18-KOPV", "Köping västra", None, "E18", "Tpl Köping västra"),
    ("J-E18-ARBO", "Arboga östra (E18/E20)", None, "E18;E20", "Tpl Arboga östra (E18/E20)"),
    ("J-E18-ARB", "Arboga", None, "E18;E20", "Tpl Arboga"),
    ("J-E18-GLA", "Glanshammar", None, "E18;E20", "Tpl Glanshammar"),
    ("J-E18-ORE", "Örebro östra", None, "E18;E20", "Tpl Örebro östra"),
    ("J-E20-KUN", "Kungsör", None, "E20", "Tpl Kungsör"),
    ("J-E20-ESK", "Eskilstuna västra", None, "E20", "Tpl Eskilstuna västra"),
]

#: Free-flow car times to check the network against (DOMAIN.md, ±20 %):
#: (from town, to town, road km, minutes).
TRAVEL_TIMES: list[tuple[str, str, float, float]] = [
    ("Västerås", "Enköping", 37, 25),
    ("Västerås", "Köping", 37, 27),
    ("Köping", "Arboga", 18, 15),
    ("Arboga", "Örebro", 50, 35),
    ("Västerås", "Stockholm", 110, 75),
    ("Västerås", "Sala", 40, 35),
    ("Västerås", "Hallstahammar", 20, 18),
    ("Hallstahammar", "Surahammar", 12, 12),
    ("Västerås", "Fagersta", 60, 50),
    ("Fagersta", "Norberg", 15, 15),
    ("Fagersta", "Skinnskatteberg", 25, 25),
    ("Sala", "Avesta", 40, 35),
    ("Arboga", "Kungsör", 20, 20),
    ("Kungsör", "Eskilstuna", 25, 20),
]
