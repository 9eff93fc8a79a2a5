"""Where Junheng finds its data files: the one place that knows the ``shared/data`` folder.

The real inputs (the NBS 2016 village lists, county boundaries, the national
births and education series) are offline copies in ``shared/data`` beside the
repository; nothing is downloaded at run time.  Every module that reads one of
them asks :func:`find_data_dir`, so an installation that keeps the folder
elsewhere sets one environment variable, ``JUNHENG_SHARED_DATA``.

The data shipped inside the package (standard packs, layout and staffing rules,
school-age rules) is found next to the module that reads it, with
``importlib.resources`` semantics; it is not configurable because a province
overrides it with its own TOML file, not by moving the package's.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "JUNHENG_SHARED_DATA"
"""Environment variable naming the ``shared/data`` folder explicitly."""

MARKER = "national_births.csv"
"""A file every ``shared/data`` folder holds: how a candidate folder is recognised."""


def find_data_dir(data_dir: Path | str | None = None) -> Path:
    """Locate ``shared/data``: the argument, else ``$JUNHENG_SHARED_DATA``, else a
    ``shared/data`` folder beside one of this package's ancestor folders."""
    if data_dir is not None:
        path = Path(data_dir)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        for parent in Path(__file__).resolve().parents:
            candidate = parent / "shared" / "data"
            if (candidate / MARKER).is_file():
                path = candidate
                break
        else:
            raise FileNotFoundError(
                f"找不到 shared/data 目录，请设置环境变量 {ENV_VAR} / shared/data not found; set {ENV_VAR}")
    if not (path / MARKER).is_file():
        raise FileNotFoundError(f"{path} 不是 shared/data 目录 / {path} is not a shared/data folder")
    return path
