"""The web application: Chinese UI (English switch), REST API, users, roles, audit.

``create_app(settings=None) -> FastAPI``; ``junheng serve`` runs it with uvicorn.
See ``docs/dev/web.md``.
"""

from junheng.services.settings import SETTINGS, Settings
from junheng.web.app import create_app

__all__ = ["SETTINGS", "Settings", "create_app"]
