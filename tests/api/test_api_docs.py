"""The API's documentation pages load nothing from outside Dutyflow's origin: every script,
style sheet and icon that ``/docs`` and ``/redoc`` reference is one Dutyflow serves itself, and
the pages render in a browser that can reach nothing else (as offline)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from dutyflow.api.app import create_app
from dutyflow.api.routes.api_docs import ASSETS, ASSETS_DIR
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.runtime.serving import bind, serve
from dutyflow.settings import REPO_ROOT
from dutyflow.store.db import make_engine
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.one_database

DOC_PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")


class References(HTMLParser):
    """Every URL a page makes the browser load: scripts, style sheets, icons, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {"script": "src", "link": "href", "img": "src", "iframe": "src", "redoc": ""}
        wanted = names.get(tag)
        for name, value in attrs:
            if value and (name == wanted or name == "spec-url"):
                self.urls.append(value)


def references(page: str) -> list[str]:
    parser = References()
    parser.feed(page)
    # The start-up scripts name the OpenAPI document too (Swagger UI's ``url: '/openapi.json'``).
    parser.urls += re.findall(r"url: '([^']+)'", page)
    return parser.urls


def docs_app() -> FastAPI:
    return create_app(
        engine=make_engine("sqlite://"),
        policies=PolicyLibrary(REPO_ROOT / "policies"),
        directory=AgencyDirectory.load(REPO_ROOT / "agencies", "http://intake.invalid"),
        task_queue="unused",
        secrets=lambda _agency: b"unused",
    )


@pytest.fixture
async def docs() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=docs_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://dutyflow.test") as http:
        yield http


@pytest.mark.parametrize("path", DOC_PAGES)
async def test_documentation_pages_reference_only_their_own_origin(
    docs: httpx.AsyncClient, path: str
) -> None:
    page = await docs.get(path)

    assert page.status_code == 200
    for url in references(page.text):
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{path} loads {url} from another origin"
        assert url.startswith("/"), url
    assert "cdn" not in page.text.lower()
    assert "fonts.googleapis" not in page.text


async def test_every_asset_the_documentation_references_is_served_from_the_vendored_files(
    docs: httpx.AsyncClient,
) -> None:
    referenced = {
        url for path in ("/docs", "/redoc") for url in references((await docs.get(path)).text)
    }
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/redoc.standalone.js"} <= referenced

    for url in referenced:
        answer = await docs.get(url)
        assert answer.status_code == 200, url
        if url.startswith("/docs/assets/"):
            name = url.rsplit("/", 1)[1]
            assert answer.content == (ASSETS_DIR / name).read_bytes()
            assert answer.headers["content-type"].startswith(ASSETS[name])


@pytest.mark.parametrize(
    "asset", ["README.md", "swagger-ui.LICENSE", "..%2F..%2Fpyproject.toml", "nothing.js"]
)
async def test_nothing_but_the_listed_assets_can_be_fetched(
    docs: httpx.AsyncClient, asset: str
) -> None:
    answer = await docs.get(f"/docs/assets/{asset}")

    assert answer.status_code == 404


async def test_the_documentation_pages_forbid_scripts_from_other_origins(
    docs: httpx.AsyncClient,
) -> None:
    for path in DOC_PAGES:
        policy = (await docs.get(path)).headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"].split() == ["'self'", "'unsafe-inline'"]
        assert directives["default-src"] == "'self'"
        assert directives["connect-src"] == "'self'"


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        await launched.close()


async def test_swagger_ui_and_redoc_render_with_no_other_origin_reachable(browser: Any) -> None:
    server = await serve(docs_app(), bind("127.0.0.1", 0, "api"), "api")
    outside: list[str] = []
    try:
        page = await browser.new_page()

        async def only_own_origin(route: Any) -> None:
            if route.request.url.startswith(server.url + "/"):
                await route.continue_()
            else:
                outside.append(route.request.url)
                await route.abort()

        await page.route("**/*", only_own_origin)
        await page.goto(server.url + "/docs")
        # An operation of the API, rendered by Swagger UI from the served OpenAPI document.
        await page.locator(".opblock", has_text="/health").first.wait_for()
        await page.goto(server.url + "/redoc")
        await page.get_by_role("heading", name=re.compile("Dutyflow")).first.wait_for()
        await page.get_by_text("/health").first.wait_for(state="attached")
    finally:
        await server.stop()

    assert outside == []
