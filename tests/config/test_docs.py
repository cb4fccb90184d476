"""docs/sector.md is the page the models write, and every field has a description to write."""

from __future__ import annotations

from pathlib import Path

from ridgeline.config.docs import _models, main, render
from ridgeline.config.sector import Sector
from tests.conftest import ROOT


def test_the_reference_page_matches_the_models() -> None:
    shipped = (ROOT / "docs" / "sector.md").read_text()
    assert shipped == render(), "docs/sector.md is out of date: run python -m ridgeline.config.docs docs/sector.md"


def test_every_field_of_every_model_is_described_on_the_page() -> None:
    page = render()
    models = _models(Sector)
    assert {m.__name__ for m in models} >= {"Sector", "SiteConfig", "SensorConfig", "LineConfig", "ZoneConfig",
                                           "RuleConfig", "MaritimeConfig", "Thresholds"}
    for model in models:
        assert f"## {model.__name__}\n" in page
        for name, info in model.model_fields.items():
            if info.exclude:
                continue
            assert info.description, f"{model.__name__}.{name} has no description"
            assert f"| `{name}` |" in page


def test_the_generator_writes_the_page(tmp_path: Path) -> None:
    assert main([str(tmp_path / "sector.md")]) == 0
    assert (tmp_path / "sector.md").read_text() == render()
    assert main([]) == 2
