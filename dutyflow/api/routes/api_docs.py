"""The API's own documentation, with every asset served from Dutyflow's origin: Swagger UI at
``/docs`` and ReDoc at ``/redoc`` load their scripts, styles and icon from ``/docs/assets/``
(files vendored in ``static/api-docs/``, see its README for versions and licences), never from
a CDN. The origin that serves case content runs no script from anywhere else, and the pages work
offline. FastAPI's own ``/docs`` and ``/redoc`` are switched off in `dutyflow.api.app`.

GET /docs                   Swagger UI
GET /docs/oauth2-redirect   Swagger UI's OAuth2 redirect page
GET /redoc                  ReDoc
GET /docs/assets/{asset}    one of `ASSETS`, by name; any other name is 404
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import FileResponse, HTMLResponse

from dutyflow.settings import REPO_ROOT

ASSETS_DIR = REPO_ROOT / "static" / "api-docs"
ASSETS_PATH = "/docs/assets"
# The only files served, by name, with their media types: nothing else in the directory (or
# outside it) can be asked for.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "redoc.standalone.js": "text/javascript",
}
OPENAPI_URL = "/openapi.json"
TITLE = "Dutyflow API"
# Only this origin: the pages' inline start-up scripts, the vendored assets, the OpenAPI
# document. ReDoc renders the document in a worker made from a blob.
DOCS_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


def _with_headers(page: HTMLResponse) -> HTMLResponse:
    page.headers.update(DOCS_HEADERS)
    return page


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _with_headers(
        get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title=f"{TITLE}: Swagger UI",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
            # The validator badge would send the document to an outside service.
            swagger_ui_parameters={"validatorUrl": None},
        )
    )


@router.get("/docs/oauth2-redirect")
async def swagger_ui_redirect() -> HTMLResponse:
    return _with_headers(get_swagger_ui_oauth2_redirect_html())


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _with_headers(
        get_redoc_html(
            openapi_url=OPENAPI_URL,
            title=f"{TITLE}: ReDoc",
            redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS_PATH}/favicon-32x32.png",
            with_google_fonts=False,
        )
    )


@router.get(ASSETS_PATH + "/{asset}")
async def docs_asset(asset: str) -> FileResponse:
    media_type = ASSETS.get(asset)
    if media_type is None:
        raise HTTPException(status_code=404, detail="no such asset")
    return FileResponse(
        ASSETS_DIR / asset,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
