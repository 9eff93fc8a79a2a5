"""``junheng.synth.sources``: finding shared/data, county profiles, the national series."""

from __future__ import annotations

from pathlib import Path

import pytest

from junheng.synth import ENV_VAR, county_profile, find_data_dir
from junheng.synth.sources import read_national


def test_data_dir_is_found_beside_the_repository() -> None:
    path = find_data_dir()
    assert (path / "national_births.csv").is_file()
    assert path.name == "data" and path.parent.name == "shared"


def test_data_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = find_data_dir()
    monkeypatch.setenv(ENV_VAR, str(real))
    assert find_data_dir() == real
    monkeypatch.setenv(ENV_VAR, str(tmp_path))  # a folder without the data is refused
    with pytest.raises(FileNotFoundError):
        find_data_dir()


def test_county_codes_and_aliases() -> None:
    assert county_profile("130431").name == "鸡泽县"
    assert county_profile("630106").code == "630122"  # 湟中区 uses the 2016 list of 湟中县
    assert county_profile("630122000000").slug == "huangzhong"
    with pytest.raises(ValueError, match="110101"):
        county_profile("110101")


def test_national_series_calibration_values() -> None:
    nat = read_national(find_data_dir())
    # national_births.csv: 1786 (2016) and 902 (2023) ten-thousands
    assert nat.births_in(2016) == 17_860_000
    assert nat.births_in(2023) == 9_020_000
    assert nat.births_in(2030) == nat.births_in(2023)  # held flat beyond the series
    assert nat.births_in(2003) == nat.births_in(2008)
    # 253,383,938 / 0.1795 = 1.4116e9
    assert nat.population == pytest.approx(1.4116e9, rel=1e-3)
