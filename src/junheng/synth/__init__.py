"""Synthetic demo county on a real county's village list (demo, test fixture, benchmarks).

``generate_county("130431", seed=7)`` builds 鸡泽县 (Hebei, flat) and
``generate_county("630106")`` 湟中 (Qinghai, mountainous) as ``YearTables``:
org units with synthesised village points inside the real boundary, children by
village and single year of age shaped by the national births series, a school
network placed as a real county has it, yearly facts that pass the importer's
cross-field rules, teachers and children with valid (synthetic) ID numbers.
See ``docs/dev/demo-county.md``.
"""

from junheng.synth.county import DEFAULT_YEARS, generate_county, summary
from junheng.synth.sources import COUNTIES, ENV_VAR, CountyProfile, county_profile, find_data_dir

__all__ = [
    "COUNTIES",
    "DEFAULT_YEARS",
    "ENV_VAR",
    "CountyProfile",
    "county_profile",
    "find_data_dir",
    "generate_county",
    "summary",
]
