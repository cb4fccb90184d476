"""The one exception hierarchy: every error class of the package lives in errors.py and is drawn there."""

from __future__ import annotations

import ast
import builtins
import inspect
from pathlib import Path

import ridgeline.errors as errors

SRC = Path(errors.__file__).resolve().parent
BUILTIN = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
           and issubclass(getattr(builtins, n), BaseException)}


def _exception_classes(tree: ast.AST, known: set[str]) -> list[str]:
    """Classes whose bases are exceptions (built-in, ours, or named like one)."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        bases = {b.attr if isinstance(b, ast.Attribute) else b.id for b in node.bases
                 if isinstance(b, ast.Attribute | ast.Name)}
        if bases & (BUILTIN | known) or any(b.endswith(("Error", "Exception")) for b in bases):
            found.append(node.name)
    return found


def test_every_exception_class_is_in_errors_py() -> None:
    ours = {name for name, cls in inspect.getmembers(errors, inspect.isclass)
            if issubclass(cls, BaseException) and cls.__module__ == errors.__name__}
    stray = [f"{path.relative_to(SRC)}: {name}" for path in sorted(SRC.rglob("*.py")) if path.name != "errors.py"
             for name in _exception_classes(ast.parse(path.read_text()), ours)]
    assert stray == [], f"exception classes outside errors.py: {stray}"


def test_every_error_is_drawn_in_the_docstring_tree() -> None:
    doc = errors.__doc__ or ""
    classes = [cls for _n, cls in inspect.getmembers(errors, inspect.isclass)
               if issubclass(cls, errors.RidgelineError) and cls.__module__ == errors.__name__]
    assert len(classes) > 10
    for cls in classes:
        line = next((ln for ln in doc.splitlines() if f" {cls.__name__} " in f"{ln} "), None)
        assert line is not None, f"{cls.__name__} is not drawn in the errors.py docstring"
        if cls is not errors.RidgelineError:
            assert "──" in line, f"{cls.__name__}: not a branch of the tree"
            for base in cls.__bases__[1:]:  # the built-in it resembles is written beside it
                assert f"({base.__name__})" in line, f"{cls.__name__}: ({base.__name__}) missing in the tree"
