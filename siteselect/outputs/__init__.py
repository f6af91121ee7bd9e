"""Stage 4, results out: map, live map, site sheets, offer pack, GeoPackage, PostGIS, summary."""
