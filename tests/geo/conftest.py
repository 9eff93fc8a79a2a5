from __future__ import annotations

import pytest

from junheng.domain.tables import YearTables
from junheng.synth import generate_county


@pytest.fixture(scope="session")
def demo_tables() -> YearTables:
    return generate_county("130431", seed=7, children=False, teachers=False)
