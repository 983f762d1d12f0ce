"""The web application: FastAPI app with the JSON API, the pages and the static files."""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import fastapi_offline
import plotly
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from kansenspiegel import __version__
from kansenspiegel.access import Users
from kansenspiegel.conversations import Rounds
from kansenspiegel.disclosure import INTERNAL, PUBLIC
from kansenspiegel.errors import UserError
from kansenspiegel.messages import t
from kansenspiegel.mirror import Mirror
from kansenspiegel.views import OwnData, Published
from kansenspiegel.web import accounts, api, pages, rounds, uploads
from kansenspiegel.web.cache import ResponseCache
from kansenspiegel.web.guards import HeadAsGet, NoTrailingSlash
from kansenspiegel.web.limits import BodyLimit

HERE = resources.files("kansenspiegel.web")
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
#: Swagger UI 5 (reads OpenAPI 3.1), shipped inside the fastapi-offline package: no CDN.
SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"

#: Answers that hold own data or an upload's report.
PRIVATE_PREFIXES = ("/own", "/upload", "/api/v1/own", "/api/v1/validate", "/login", "/logout", "/rounds", "/api/v1/rounds")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; worker-src 'self' blob:; child-src blob:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


def create_app(
    db: str | Path | None = None,
    *,
    mirror: Mirror | None = None,
    dataset: str | None = None,
    internal: bool = False,
    own_db: str | Path | None = None,
    users: Users | str | Path | None = None,
    rounds_db: str | Path | None = None,
) -> FastAPI:
    """The dashboard on a database file (read-only) or on a given `Mirror`.

    ``own_db``: a separate database file for own client files uploaded on the upload page
    (created on the first load; without it, the upload page only checks files).

    ``internal=True`` is for an authorised analyst on their own data: pages and the API show
    exact counts; downloads still pass the public policy unless ``?export=internal`` is asked
    for, and such an export says so on every row.

    ``users``: the accounts of a shared server (a `Users` or its file). With it, own data needs a
    login and shows each user only their areas' datasets, and on an internal server only
    analysts see exact counts (`web.accounts`). Without it the server is for one person.

    ``rounds_db``: the conversation kit's database (staff personal data: registrations, answers,
    plans, notes); without it the conversation pages are off."""
    mirror = mirror if mirror is not None else Mirror.open(db, dataset=dataset)
    app = FastAPI(
        redirect_slashes=False,  # NoTrailingSlash redirects, relatively
        title="Kansenspiegel API",
        version=__version__,
        description="Published (disclosure-controlled) figures of the equal-opportunities mirror. Counts are rounded; small cells are suppressed (null).",
        docs_url=None,  # served below with local assets: the default page loads them from a CDN
        redoc_url=None,
    )
    uploads.clean_upload_dir()  # whatever a crashed check left behind
    app.state.dashboard = Published(mirror, INTERNAL if internal else PUBLIC)
    app.state.public = Published(mirror, PUBLIC) if internal else app.state.dashboard
    own = OwnData(own_db, INTERNAL if internal else PUBLIC) if own_db is not None else None
    app.state.dashboard.own = app.state.public.own = app.state.own = own
    app.state.users = users if (users is None or isinstance(users, Users)) else Users(users)
    app.state.rounds = Rounds(rounds_db) if rounds_db is not None else None
    app.state.planning = threading.Lock()
    app.state.login_throttles = accounts.throttles()
    app.state.login_checks = threading.BoundedSemaphore(accounts.MAX_CONCURRENT_CHECKS)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals["version"] = __version__
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/vendor/swagger", StaticFiles(directory=str(SWAGGER_ASSETS)), name="swagger")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Kansenspiegel API",
            swagger_js_url="/vendor/swagger/swagger-ui-bundle.js",
            swagger_css_url="/vendor/swagger/swagger-ui.css",
            swagger_favicon_url="/vendor/swagger/favicon.png",
        )
        # Swagger UI starts itself with an inline script: allowed on this page only
        page.headers["Content-Security-Policy"] = SECURITY_HEADERS["Content-Security-Policy"].replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
        return page

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if request.url.path.startswith(PRIVATE_PREFIXES):  # a municipality's own data and uploads: never stored by a browser or proxy
            response.headers["Cache-Control"] = "no-store"
        elif getattr(request.state, "user", None) is not None:  # an answer for one user (their name, an analyst's exact counts)
            response.headers["Cache-Control"] = "private, no-store"
            response.headers["Vary"] = "Cookie"
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        """A bug: a short answer without details, with the same security headers as any other."""
        response = error(request, 500, t("error.server", "nl" if dutch(request) else "en"))
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "no-store"
        return response

    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith(("/api/", "/download/")) and "text/html" in request.headers.get("accept", "")

    def dutch(request: Request) -> bool:
        """A page (not the API) in Dutch: the default, unless ?lang=en."""
        return wants_html(request) and request.query_params.get("lang") != "en"

    def error(request: Request, status: int, message: str) -> Response:
        if wants_html(request):
            body = f"<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>{status}</title></head><body><main><h1>{status}</h1><p>{_escape(message)}</p><p><a href='/'>Kansenspiegel</a></p></main></body></html>"
            return HTMLResponse(body, status_code=status)
        return JSONResponse({"detail": message}, status_code=status)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        """The one handler of the product's errors: a page in its language, the API in English."""
        return error(request, exc.status, exc.text("nl" if dutch(request) else "en"))

    async def login_needed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, accounts.LoginNeeded)
        target = accounts.login_url(request, exc)
        if target is not None:
            return RedirectResponse(target, status_code=303)
        response = error(request, 401, exc.text("nl" if dutch(request) else "en"))
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        parts = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path"))
            parts.append(f"{where}: {e.get('msg')}")
        if wants_html(request):
            return error(request, 422, "; ".join(parts))
        return JSONResponse(
            {"detail": "; ".join(parts), "errors": [{"loc": list(map(str, e.get("loc", ()))), "msg": e.get("msg")} for e in exc.errors()]}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and exc.detail == "Not Found":
            return error(request, 404, t("error.not_found", "nl" if dutch(request) else "en"))
        return error(request, exc.status_code, str(exc.detail))

    app.add_exception_handler(pages.AreaRedirect, pages.area_redirect)
    app.add_exception_handler(pages.AreaChoice, pages.area_choice)
    routers = [api.view_router(), api.router, api.own_router, rounds.api_router, pages.router, rounds.router]
    app.add_exception_handler(accounts.LoginNeeded, login_needed)
    for router in routers:
        app.include_router(router)
    app.state.query_names = query_names(routers)  # what the answer cache keys on
    app.add_middleware(ResponseCache)  # cached answers keep their security headers
    app.add_middleware(BodyLimit)  # a too big body is refused before anything reads it
    app.add_middleware(NoTrailingSlash)
    app.add_middleware(HeadAsGet)  # outermost: HEAD is GET without the body, cache included
    return app


def query_names(routers: list[APIRouter]) -> frozenset[str]:
    """Every query parameter some route reads: its own, those of a view's parameter model, and
    the area fields pages read themselves (`pages.Area`)."""
    names = {"export"}  # read by the downloads from the raw query
    for router in routers:
        for route in router.routes:
            stack = [getattr(route, "dependant", None)]
            while stack:
                dependant = stack.pop()
                if dependant is None:
                    continue
                stack.extend(dependant.dependencies)
                if isinstance(dependant.call, pages.Area):
                    names.add(dependant.call.param)
                for field in dependant.query_params:
                    annotation = field.field_info.annotation
                    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                        names.update(annotation.model_fields)
                    else:
                        names.add(field.alias)
    return frozenset(names)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
