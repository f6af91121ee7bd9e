"""Defaults shared by the scenario schema, the library and several commands, each written once."""

from __future__ import annotations

#: How many sites get a sheet, go on an enquiry's shortlist or into a sheet pack when
#: nothing says otherwise (a scenario's ``output.sheets_top_n``, a request's ``shortlist``).
TOP_N_SITES: int = 5
