"""REST API routers (JSON; OpenAPI at /api/docs), one per resource; each route calls one service function."""

from fastapi import APIRouter

from junheng.web.api import admin, assessments, auth, dashboard, imports, jobs, org, schools

router = APIRouter(prefix="/api")
for _module in (auth, org, dashboard, schools, imports, assessments, jobs, admin):
    router.include_router(_module.router)

__all__ = ["router"]
