"""Shared fixtures: a small demo company, generated once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from custlab.demo import DemoSpec, generate

ROOT = Path(__file__).resolve().parents[1]
SMALL_DEMO = DemoSpec(customers=1_500, months=24, end_month="2026-10", seed=7)


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """A 1,500-customer demo company (Parquet) with its custlab.toml."""
    folder = tmp_path_factory.mktemp("demo")
    generate(folder, SMALL_DEMO, progress=False)
    return folder


def write(path: Path, text: str) -> Path:
    """Write ``text`` (dedented by the caller) to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
