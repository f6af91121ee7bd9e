"""Check siteselect's layout rules that import-linter's layer contract does not cover.

Run by ``make lint`` after ``lint-imports`` (which enforces the stage order in
``pyproject.toml``). This adds:

* **no import cycles** between any two modules of the package, counting imports
  made inside functions (a lazy import that hides a cycle is still a cycle);
* **no module over 600 lines**, so no stage grows a second job unnoticed.

Exit 0 when both hold, else 1 with one line per problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import networkx as nx

MAX_LINES = 600
PACKAGE = "siteselect"


def import_cycles(package: str = PACKAGE) -> list[list[str]]:
    """Sets of modules that import each other, directly or through others.

    Parameters
    ----------
    package
        Top-level package to analyse (must be importable).

    Returns
    -------
    list of list of str
        One sorted list of module names per strongly connected component with
        more than one module; empty when the import graph is acyclic.
    """
    graph = grimp.build_graph(package, cache_dir=None)
    g = nx.DiGraph()
    for mod in graph.modules:
        g.add_node(mod)
        for dep in graph.find_modules_directly_imported_by(mod):
            if dep != mod:
                g.add_edge(mod, dep)
    # a package's __init__ importing its own submodules is how a package exposes them, not a cycle
    # unless a submodule imports the package back; keep those edges, they are real cycles then.
    return sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)


def long_modules(root: Path, limit: int = MAX_LINES) -> list[tuple[Path, int]]:
    """Python files under ``root`` with more than ``limit`` lines, longest first."""
    found = []
    for path in sorted(root.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            found.append((path, n))
    return sorted(found, key=lambda item: -item[1])


def main() -> int:
    """Print every problem; return the exit code."""
    root = Path(__file__).resolve().parents[1] / PACKAGE
    problems = []
    for cycle in import_cycles():
        problems.append("import cycle: " + " <-> ".join(cycle))
    for path, n in long_modules(root):
        problems.append(f"{path.relative_to(root.parent)}: {n} lines (limit {MAX_LINES}); split it by job")
    for line in problems:
        print(line)
    if not problems:
        print(f"architecture: no import cycles, no module over {MAX_LINES} lines")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
