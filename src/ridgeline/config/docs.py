"""The sector file's reference page, written from the models so that it cannot drift from them.

``python -m ridgeline.config.docs docs/sector.md`` writes the page; a test compares the
shipped page with ``render()``.  Each model gets a section: its docstring, then one row per
field with the type, the default, the bounds and the description.
"""

from __future__ import annotations

import enum
import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from ridgeline.config.sector import Sector

HEADER = """# The sector file

A sector file (YAML) describes one deployment: its terrain, the watched line, the sites and
their sensors, cell towers, rules and maritime settings.  Paths are relative to the sector
file.  Unknown fields are errors, and every error names the file and the field.

This page is generated from the models in `src/ridgeline/config/` by
`python -m ridgeline.config.docs docs/sector.md`; a test fails when the two differ.

A site's sensors say what runs them at the edge (`ridgeline edge SECTOR --site ID` runs
every sensor with a `source`); pixel coordinates are in the camera's full-resolution frame,
origin top left:

```yaml
sites:
  - id: pinkham
    lon: -71.2531
    lat: 44.2578
    sensors:
      - id: road-cam
        kind: camera
        azimuth_deg: 200
        day_range_m: 800
        night_range_m: 200
        source: rtsp://10.0.0.7/stream1      # or a file, relative to the sector file
        lines:
          - {id: road, points: [[320, 0], [320, 360]]}
        zones:
          - {id: yard, polygon: [[0, 200], [200, 200], [200, 360], [0, 360]], loiter_s: 60}
        masks:                               # never analysed, black in every image
          - [[400, 0], [640, 0], [640, 120], [400, 120]]
      - id: ais
        kind: ais
        day_range_m: 40000
        night_range_m: 40000
        source: tcp://10.0.0.9:10110
```
"""

_BOUNDS = ((annotated_types.Ge, "ge", "≥"), (annotated_types.Gt, "gt", ">"), (annotated_types.Le, "le", "≤"),
           (annotated_types.Lt, "lt", "<"), (annotated_types.MinLen, "min_length", "at least"),
           (annotated_types.MaxLen, "max_length", "at most"))


def _models(root: type[BaseModel]) -> list[type[BaseModel]]:
    """Every model reachable from ``root``, in the order a reader meets them."""
    seen: list[type[BaseModel]] = []

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.append(model)
        for info in model.model_fields.values():
            if not info.exclude:
                for inner in _inner_models(info.annotation):
                    visit(inner)

    visit(root)
    return seen


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found += _inner_models(arg)
    return found


def _type(annotation: Any) -> str:
    """A type as a reader of YAML thinks of it."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type(a) for a in args)
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is tuple:
        return "[" + ", ".join(_type(a) for a in args) + "]"
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    names = {str: "text", float: "number", int: "integer", bool: "true/false"}
    if annotation in names:
        return names[annotation]
    return getattr(annotation, "__name__", str(annotation))


def _default(info: FieldInfo) -> str:
    if info.default is PydanticUndefined and info.default_factory is None:
        return "required"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
        return "`[]`" if value == [] else "(defaults below)"
    if info.default is None:
        return "none"
    if isinstance(info.default, bool):
        return f"`{str(info.default).lower()}`"
    if isinstance(info.default, list | tuple):
        return "`" + json.dumps(list(info.default)) + "`"
    if isinstance(info.default, enum.Enum):
        return f"`{info.default.value}`"
    return f"`{info.default}`"


def _bounds(info: FieldInfo) -> str:
    found = []
    for meta in info.metadata:
        for kind, attr, word in _BOUNDS:
            if isinstance(meta, kind):
                found.append(f"{word} {getattr(meta, attr)}")
    return ", ".join(found)


def _section(model: type[BaseModel]) -> str:
    doc = inspect.cleandoc(model.__doc__ or "")
    rows = ["| field | type | default | limits | description |", "| --- | --- | --- | --- | --- |"]
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {_type(info.annotation)} | {_default(info)} | {_bounds(info)} | {description} |")
    return f"## {model.__name__}\n\n{doc}\n\n" + "\n".join(rows) + "\n"


def render() -> str:
    """The whole reference page."""
    return HEADER + "\n" + "\n".join(_section(m) for m in _models(Sector))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m ridgeline.config.docs OUT.md", file=sys.stderr)
        return 2
    Path(argv[0]).write_text(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
