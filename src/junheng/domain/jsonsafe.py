"""Values made safe for JSON: what a job result, a stored scenario summary or a teacher plan writes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """``value`` with numpy numbers as Python numbers and every non-finite float (NaN, ±infinity: e.g. the gap of
    a solve stopped without a bound) as ``None``, recursively through mappings (keys as text), lists and tuples.
    JSON has no such numbers, and PostgreSQL's JSON type refuses them.

    >>> json_safe({"gap": float("inf"), 1: [np.int64(2), float("nan")]})
    {'gap': None, '1': [2, None]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value
