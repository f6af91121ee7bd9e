"""siteselect: site selection for industrial establishment.

Layers → constraints / factors → overlay → ranking → outputs, with road reach
from networkx graphs. Everything is held in SWEREF 99 TM (EPSG:3006).
"""

from __future__ import annotations

__version__ = "0.1.0"
