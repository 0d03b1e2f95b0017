"""Every number of the OpenAPI document says what it counts or measures, and in what unit.

A field typed integer or number, a string constrained to digits (a decimal amount sent as
a string), and a numeric query or path parameter must each carry a description; a new one
without it fails here, listed by schema and field."""

from typing import Any

from mercator.api import api


def _is_numeric(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return True
    return kind == "string" and "[0-9]" in schema.get("pattern", "")


def _walk(name: str, schema: Any, path: str, described: bool, missing: list[str]) -> None:
    """``described``: the property holding this schema (an ``anyOf`` of a nullable field
    carries its description on the property, not on each member) has a description."""
    if not isinstance(schema, dict):
        return
    described = described or bool(schema.get("description"))
    if _is_numeric(schema) and not described:
        missing.append(f"{name}.{path}")
    for key, sub in (schema.get("properties") or {}).items():
        _walk(name, sub, f"{path}.{key}" if path else key, False, missing)
    for combinator in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(combinator) or []:
            _walk(name, sub, path, described, missing)
    if "items" in schema:
        _walk(name, schema["items"], f"{path}[]", False, missing)


def numbers_without_description(doc: dict[str, Any]) -> list[str]:
    missing: list[str] = []
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        _walk(name, schema, "", False, missing)
    for url, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []):
                schema = param.get("schema", {})
                members = [schema, *(schema.get("anyOf") or [])]
                if not any(_is_numeric(m) for m in members):
                    continue
                if not (param.get("description") or schema.get("description")):
                    missing.append(f"{method.upper()} {url} ?{param['name']}")
    return missing


def test_every_number_of_the_document_has_a_description() -> None:
    missing = numbers_without_description(api.get_openapi_schema())
    assert not missing, (
        f"{len(missing)} numeric fields or parameters have no description "
        "(say what it counts or measures, and its unit):\n" + "\n".join(missing)
    )


def test_the_check_finds_an_undescribed_number() -> None:
    """The check itself: a bare integer, a nullable one, a digit string and a numeric
    query parameter are reported; the same described are not."""
    doc = {
        "components": {
            "schemas": {
                "Out": {
                    "properties": {
                        "bare": {"type": "integer"},
                        "nullable": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                        "amount": {"type": "string", "pattern": "^[0-9]+$"},
                        "rows": {"type": "array", "items": {"type": "number"}},
                        "ok": {"type": "integer", "description": "days"},
                        "ok_nullable": {
                            "anyOf": [{"type": "integer"}, {"type": "null"}],
                            "description": "seconds",
                        },
                        "text": {"type": "string"},
                    }
                }
            }
        },
        "paths": {
            "/x": {
                "get": {
                    "parameters": [
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                        {
                            "name": "days",
                            "in": "query",
                            "schema": {"type": "integer"},
                            "description": "days",
                        },
                    ]
                }
            }
        },
    }
    assert numbers_without_description(doc) == [
        "Out.bare",
        "Out.nullable",
        "Out.amount",
        "Out.rows[]",
        "GET /x ?limit",
    ]
