"""The layering of DESIGN.md ("Layout"): lower layers never import higher ones.

Every ``ridgeline`` import in every module counts, those inside functions too (a late
import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "ridgeline"

BASE = {"errors", "jit", "model", "config"}
ENGINES = {"terrain", "vision", "maritime"}
SERVICES = {"transport", "store", "rules", "dispatch"}
#: what each part may import besides itself
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "jit": set(),
    "model": {"errors"},
    "config": {"errors", "model"},
    **{engine: BASE for engine in ENGINES},
    **{service: BASE | ENGINES | SERVICES for service in SERVICES},
    "app": BASE | ENGINES | SERVICES,
}
TOP = {"api", "web", "sim", "cli", "warm", "__main__", "__init__"}


def imports(path: Path) -> set[str]:
    """The parts of ``ridgeline`` a module imports (``ridgeline.store.db`` -> ``store``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found.update(n.split(".")[1] for n in names if n.startswith("ridgeline."))
    return found


def test_lower_layers_never_import_higher_ones() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        assert part in ALLOWED or part in TOP, f"{part}: a part of the package DESIGN.md's layout does not place"
        if part in TOP:
            continue
        for other in imports(path) - {part} - ALLOWED[part]:
            wrong.append(f"{path.relative_to(PACKAGE)} imports ridgeline.{other}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_a_late_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from ridgeline.app.live import run_live\n    import ridgeline.cli.sync\n")
    assert imports(module) == {"app", "cli"}
