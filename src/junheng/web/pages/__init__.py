"""HTML pages (Jinja2 + HTMX), one module per area; they call the same services as the API."""

from fastapi import APIRouter

from junheng.web.pages import admin, assess, dashboard, imports, jobs, login, schools

router = APIRouter(include_in_schema=False)
for _module in (login, dashboard, schools, assess, imports, jobs, admin):
    router.include_router(_module.router)

__all__ = ["router"]
