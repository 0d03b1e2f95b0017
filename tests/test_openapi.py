from openapi_spec_validator import validate


def test_openapi_document_is_valid(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
    paths = spec["paths"]
    assert "/api/v1/me" in paths
    assert "/api/v1/tokens" in paths
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_served_without_cdn(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html
    assert "/static/ninja/" in html


def _named_types(tp, found: set) -> None:
    """Every pydantic model and enum reachable from a type annotation."""
    import enum
    import typing

    from pydantic import BaseModel

    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp not in found:
            found.add(tp)
            for field in tp.model_fields.values():
                _named_types(field.annotation, found)
        return
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        found.add(tp)
        return
    for arg in typing.get_args(tp):
        _named_types(arg, found)


def _operations():
    from mercator.api import api

    api.get_openapi_schema()  # mounts every router
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                yield path, operation


def test_schema_names_are_unique(db):
    """The document names each schema once: two classes of one name would show one
    operation the other's fields (``/prices/quote`` showed the RFQ quote's)."""
    from collections import defaultdict

    by_name: dict[str, set[str]] = defaultdict(set)
    for _path, operation in _operations():
        found: set = set()
        for model in operation.response_models.values():
            _named_types(model, found)
        for model in operation.models:
            _named_types(model, found)
        for tp in found:
            if tp.__module__.startswith("mercator"):
                by_name[tp.__name__].add(f"{tp.__module__}.{tp.__qualname__}")
    clashes = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert clashes == {}


def test_price_quote_documents_its_own_schemas(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/prices/quote"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schemas = spec["components"]["schemas"]
    assert "payment_terms" in schemas[body.rsplit("/", 1)[1]]["properties"]
    assert "freight_per_unit" in schemas[answer.rsplit("/", 1)[1]]["properties"]


def _document(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_every_operation_declares_the_errors_any_route_can_give(client, db):
    """401 behind authentication, 422 where there is input, 400 where there is a JSON
    body: the framework answers these for any route, so the document says so."""
    missing = []
    for path, operations in _document(client)["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            wanted = set()
            if operation.get("security"):
                wanted.add("401")
            if operation.get("parameters") or operation.get("requestBody"):
                wanted.add("422")
            if operation.get("requestBody"):
                wanted.add("400")
            if wanted - declared:
                missing.append((method, path, sorted(wanted - declared)))
    assert missing == []


# A daily series bounded by ``days``, not a list of records.
SERIES = {("get", "/api/v1/market/price-index")}


def test_every_list_answers_the_page_shape(client, db):
    document = _document(client)
    arrays = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            ok = operation["responses"].get("200", {})
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("type") == "array" and (method, path) not in SERIES:
                arrays.append((method, path))
            ref = schema.get("$ref", "")
            if ref.rsplit("/", 1)[-1].startswith("Paged"):
                page = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
                assert set(page["properties"]) == {"items", "count", "limit", "offset"}
    assert arrays == []
