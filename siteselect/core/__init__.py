"""Foundations every stage shares: CRS guard, the one reader of user text, the one writer,
embedded data, labels, layer roles and vehicle profiles. Imports nothing else from siteselect
but :mod:`siteselect.errors`."""
