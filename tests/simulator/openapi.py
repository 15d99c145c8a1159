"""Response schemas from BigCommerce's published OpenAPI 3.0 files, as JSON Schema validators.

The files are read in place from ``<repo>/../shared/reference/bigcommerce-openapi`` (they
may not be copied into the project). OpenAPI 3.0 schemas are a Draft 4 dialect, so they
are converted: ``$ref``s are inlined (recursion stops at the first repeat), ``nullable``
(and the Swagger 2 ``x-nullable`` some paths still use) becomes an alternative ``null``
type, and annotations (``example``, ``description``, ``x-*``) are dropped. Formats
``date-time`` and ``uuid`` are checked.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = REPO_ROOT.parent / "shared" / "reference" / "bigcommerce-openapi"

ANNOTATIONS = frozenset(
    {
        "example",
        "examples",
        "description",
        "title",
        "externalDocs",
        "xml",
        "deprecated",
        "readOnly",
        "writeOnly",
        "discriminator",
    }
)
SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties"})
SUBSCHEMAS = frozenset({"items", "additionalProperties", "not"})
SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})

# Where the published spec contradicts itself, its own prose wins. Each entry names a
# property that a schema types as non-nullable although its description says it can be null.
NULLABLE_BY_DESCRIPTION = {
    # "This value is `null` for complex products." (the product model's base_variant_id)
    "products_catalog.v3.yml": frozenset({"base_variant_id"}),
}

FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """ISO 8601, as ``datetime.fromisoformat`` reads it.

    Looser than RFC 3339 on purpose: the spec's own blog ``published_date.date`` example is
    ``2018-05-18 08:26:42.000000``. Exact v3 timestamp formats are tested separately.
    """
    if isinstance(value, str):
        datetime.fromisoformat(value)
    return True


@FORMAT_CHECKER.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    """A canonical UUID string."""
    return not isinstance(value, str) or str(uuid.UUID(value)) == value


def require_spec_dir() -> Path:
    """Return the spec folder, or skip the test when this checkout has none."""
    if not SPEC_DIR.is_dir():
        pytest.skip(f"BigCommerce OpenAPI files not found at {SPEC_DIR}; schema validation needs them")
    return SPEC_DIR


@cache
def _document(file_name: str) -> dict[str, Any]:
    """Parse one spec file.

    :param file_name: e.g. ``products_catalog.v3.yml``.
    """
    return yaml.safe_load((require_spec_dir() / file_name).read_text(encoding="utf-8"))


def _pointer(document: dict[str, Any], ref: str) -> Any:
    """Resolve a local JSON pointer such as ``#/components/schemas/Product``.

    :param document: the parsed spec.
    :param ref: the ``$ref`` value.
    """
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


class _Converter:
    """Turns one file's OpenAPI schemas into self-contained Draft 4 schemas.

    :param file_name: the spec file the schemas come from.
    """

    def __init__(self, file_name: str) -> None:
        self.document = _document(file_name)
        self.nullable_properties = NULLABLE_BY_DESCRIPTION.get(file_name, frozenset())

    def convert(self, schema: Any, seen: tuple[str, ...] = ()) -> Any:
        """Return ``schema`` with references inlined and OpenAPI keywords translated.

        :param schema: an OpenAPI schema object.
        :param seen: the ``$ref`` chain being expanded, to stop recursion.
        """
        if not isinstance(schema, dict):
            return schema
        if "$ref" in schema:
            ref = schema["$ref"]
            return {} if ref in seen else self.convert(_pointer(self.document, ref), (*seen, ref))
        converted: dict[str, Any] = {}
        for key, value in schema.items():
            if key in ANNOTATIONS or key.startswith("x-") or key == "nullable":
                continue
            if key in SUBSCHEMA_MAPS:
                converted[key] = {name: self._property(name, sub, seen) for name, sub in value.items()}
            elif key in SUBSCHEMAS and isinstance(value, dict):
                converted[key] = self.convert(value, seen)
            elif key in SUBSCHEMA_LISTS:
                converted[key] = [self.convert(sub, seen) for sub in value]
            else:
                converted[key] = value
        nullable = schema.get("nullable") is True or schema.get("x-nullable") is True
        return _or_null(converted) if nullable else converted

    def _property(self, name: str, schema: Any, seen: tuple[str, ...]) -> Any:
        """Convert one property schema, applying :data:`NULLABLE_BY_DESCRIPTION`.

        :param name: the property name.
        :param schema: its OpenAPI schema.
        :param seen: the ``$ref`` chain being expanded.
        """
        converted = self.convert(schema, seen)
        return _or_null(converted) if name in self.nullable_properties else converted


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a schema accepting what ``schema`` accepts, or ``null``.

    :param schema: a converted schema.
    """
    return {"anyOf": [schema, {"type": "null"}]}


@cache
def validator(file_name: str, pointer: str) -> jsonschema.Draft4Validator:
    """Return a validator for the schema at ``pointer`` in ``file_name``.

    :param file_name: e.g. ``pages.v3.yml``.
    :param pointer: a JSON pointer to a schema, e.g. ``#/components/schemas/typeRaw``.
    """
    converter = _Converter(file_name)
    schema = converter.convert({"$ref": pointer})
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)


def response_validator(
    file_name: str, path: str, status: str = "200", media_type: str = "application/json"
) -> jsonschema.Draft4Validator:
    """Return a validator for the documented ``GET`` response of ``path``.

    :param file_name: the spec file.
    :param path: the OpenAPI path, e.g. ``/catalog/products``.
    :param status: the response status key.
    :param media_type: the response media type.
    """
    document = _document(file_name)
    response = document["paths"][path]["get"]["responses"][status]
    response_pointer = f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/get/responses/{status}"
    if "$ref" in response:
        response_pointer = response["$ref"]
    media = media_type.replace("/", "~1")
    return validator(file_name, f"{response_pointer}/content/{media}/schema")


def errors_of(schema_validator: jsonschema.Draft4Validator, instance: object) -> list[str]:
    """Return readable validation errors (empty when ``instance`` is valid).

    :param schema_validator: from :func:`validator` or :func:`response_validator`.
    :param instance: the decoded response body.
    """
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in schema_validator.iter_errors(instance)
    ]
