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
