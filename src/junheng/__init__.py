"""均衡 Junheng: county compulsory-education balance — registry, assessment, planning, care.

The public Python API is re-exported here.
"""

from junheng.domain.tables import YearTables

__version__ = "0.1.0"
__all__ = ["YearTables", "__version__"]
