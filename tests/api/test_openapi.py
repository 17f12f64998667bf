"""``/openapi.json`` and ``/docs`` on the app ``main.py`` serves: the API's routes, and only those."""

from __future__ import annotations

import httpx
from fastapi.routing import APIRoute
from openapi_spec_validator import validate

from api.routes import API_DOCS, ROUTERS
from core.character_fields import EDITABLE_FIELDS, ENUMS


def _api_operations() -> set[tuple[str, str]]:
    return {(route.path, method.lower()) for router in ROUTERS for route in router.routes
            if isinstance(route, APIRoute) and route.include_in_schema for method in route.methods}


async def test_the_schema_is_valid_and_lists_every_api_route_and_nothing_else(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    schema = response.json()
    validate(schema)  # OpenAPI 3.1, as the spec's own JSON Schema has it
    assert schema["info"]["title"] == API_DOCS["title"] and schema["info"]["version"] == API_DOCS["version"]
    operations = {(path, method) for path, item in schema["paths"].items() for method in item}
    assert operations == _api_operations()
    assert len(schema["paths"]) == 41 and len(operations) == 55  # 7 paths, 13 operations: admin providers + models
    # 4 paths, 6 operations: admin users and invites; 8 paths, 9 operations: expression sets
    assert not any(path.startswith(("/_nicegui", "/storage", "/login", "/studio")) for path in schema["paths"])
    assert "/" not in schema["paths"]


async def test_swagger_ui_and_redoc_load_the_schema(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "swagger-ui" in docs.text and "'/openapi.json'" in docs.text
    redoc = await client.get("/redoc")
    assert redoc.status_code == 200 and '"/openapi.json"' in redoc.text


async def test_the_pages_are_still_served_beside_the_docs(client: httpx.AsyncClient) -> None:
    login = await client.get("/login")
    assert login.status_code == 200 and login.headers.get("x-nicegui-content") == "page"


async def test_the_schema_shows_the_character_fields_allowed_values(client: httpx.AsyncClient) -> None:
    components = (await client.get("/openapi.json")).json()["components"]["schemas"]
    create, patch = components["CharacterCreate"]["properties"], components["CharacterPatch"]["properties"]
    assert set(create) == set(EDITABLE_FIELDS) and set(patch) == {*EDITABLE_FIELDS, "version"}
    for name, values in ENUMS.items():
        for properties in (create, patch):
            assert next(o["enum"] for o in properties[name]["anyOf"] if "enum" in o) == list(values)
    assert components["CharacterCreate"]["required"] == ["name"]
    assert components["CharacterPatch"]["required"] == ["version"]
