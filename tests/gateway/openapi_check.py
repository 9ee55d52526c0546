"""Check HTTP responses against the gateway's OpenAPI document (tests only)."""
from __future__ import annotations

from typing import Any, Mapping

import pytest

from tests.conftest import in_ci


def need_jsonschema() -> Any:
    """Import jsonschema; skip loudly without it (a failure under CI)."""
    try:
        import jsonschema
    except ImportError:
        message = (
            "!!! jsonschema is not installed: the OpenAPI response checks did NOT run "
            "(pip install -e '.[dev]'; under CI=true this is a failure)."
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return jsonschema


def resolve(document: Mapping[str, Any], node: Any) -> Any:
    """Inline every ``$ref`` of ``node`` (the document has no recursive schemas)."""
    if isinstance(node, Mapping):
        if "$ref" in node:
            target: Any = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(document, target)
        return {key: resolve(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(document, value) for value in node]
    return node


def to_json_schema(schema: Any) -> Any:
    """Turn an OpenAPI 3.0 schema (``nullable``) into plain JSON Schema."""
    if isinstance(schema, list):
        return [to_json_schema(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = {key: to_json_schema(value) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def response_spec(
    document: Mapping[str, Any], template: str, method: str, status: int
) -> dict[str, Any]:
    """Return the documented response of an operation for ``status``.

    Raises:
        AssertionError: The operation or the status is not documented.
    """
    operation = document["paths"][template][method.lower()]
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {template} does not document status {status}"
    spec: dict[str, Any] = resolve(document, responses[str(status)])
    return spec


def check_response(
    document: Mapping[str, Any],
    template: str,
    method: str,
    status: int,
    content_type: str | None,
    body: Any,
) -> None:
    """Assert a response is documented: status, content type and body schema.

    Args:
        document: The OpenAPI document.
        template: The documented path.
        method: HTTP method.
        status: Response status.
        content_type: Response ``Content-Type`` (parameters are ignored).
        body: The decoded JSON body, or the text for non-JSON types.
    """
    jsonschema = need_jsonschema()
    spec = response_spec(document, template, method, status)
    content = spec.get("content")
    if not content:
        assert not body, f"{method} {template} {status} documents no body"
        return
    media = (content_type or "").split(";")[0].strip()
    assert media in content, f"{method} {template} {status}: {media} is not documented"
    schema = to_json_schema(content[media].get("schema", {}))
    jsonschema.validate(body, schema)
