"""Stage 2a, road networks: graph building, caching, shortest paths, reach and isochrones."""
