"""Stage 1, layers in: files, catalogs, PostGIS and OGC services, Swedish importers, population grids."""
