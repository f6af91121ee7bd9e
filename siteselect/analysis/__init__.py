"""Stage 2b-3, vector analysis: constraints, measures, factors, weights, overlay, sensitivity,
land readiness and grid capacity."""
