"""The OpenAPI schema states the rules the API's validation enforces.

drf-spectacular describes each serializer field on its own; some rules are not
visible from a field, so this post-processing hook writes them into the schema:

- text is stored in PostgreSQL, which refuses NUL: every request string says so
  (`pattern`), and a required text field (DRF trims it, then refuses it empty) must
  hold something other than spaces;
- ids in list filters are positive database ids (minimum 1);
- a decision `request_changes` needs a comment, `edit_approve` an edited text;
- tagging needs topics, a risk, or both;
- a form (multipart or urlencoded) cannot carry null: leave the field out instead.

Each rule has a test in tests/api/test_schema_agrees.py, and schemathesis checks the
whole (tests/api/test_schema_fuzz.py).
"""

from __future__ import annotations

import copy
from typing import Any

from responder.inbox.selectors import MAX_ID

# Python's re and ECMA regexes both read these (\s is the whitespace DRF trims).
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
ID_FILTERS = {"account", "owner", "case"}
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _text_rules(component: dict[str, Any]) -> None:
    for prop in component.get("properties", {}).values():
        if prop.get("type") != "string" or "enum" in prop or "format" in prop:
            continue
        if prop.get("readOnly"):
            continue
        prop["pattern"] = NOT_BLANK if prop.get("minLength", 0) >= 1 else NO_NUL


def _decision_rules(component: dict[str, Any]) -> None:
    text = {"type": "string", "pattern": NOT_BLANK}
    component["anyOf"] = [
        {"properties": {"decision": {"enum": ["approve"]}}},
        {
            "properties": {"decision": {"enum": ["request_changes"]}, "comment": text},
            "required": ["comment"],
        },
        {
            "properties": {"decision": {"enum": ["edit_approve"]}, "edited_text": text},
            "required": ["edited_text"],
        },
    ]
    component["description"] = (
        "request_changes needs a comment, edit_approve an edited_text (not only spaces)."
    )


def _tag_rules(component: dict[str, Any]) -> None:
    component["anyOf"] = [{"required": ["topics"]}, {"required": ["risk"]}]
    component["description"] = "Give topics, a risk, or both."


def _operations(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for operations in result.get("paths", {}).values()
        for operation in operations.values()
        if isinstance(operation, dict)
    ]


def _id_filters(result: dict[str, Any]) -> None:
    for operation in _operations(result):
        for param in operation.get("parameters", []):
            schema = param.get("schema", {})
            is_id = param.get("in") == "query" and param.get("name") in ID_FILTERS
            if is_id and schema.get("type") == "integer":
                schema.update(minimum=1, maximum=MAX_ID)


def _query_text_without_nul(result: dict[str, Any]) -> None:
    """Free-text query parameters (q, topic, ...) are refused with a NUL, as forms are."""
    for operation in _operations(result):
        for param in operation.get("parameters", []):
            schema = param.get("schema", {})
            free_text = schema.get("type") == "string" and not {"enum", "format"} & set(schema)
            if param.get("in") == "query" and free_text and param.get("name") != "cursor":
                schema.setdefault("pattern", NO_NUL)


def _forms_without_null(result: dict[str, Any]) -> None:
    schemas = result["components"]["schemas"]
    for operation in _operations(result):
        content = operation.get("requestBody", {}).get("content", {})
        for media in FORM_TYPES:
            ref = content.get(media, {}).get("schema", {}).get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            component = schemas.get(name)
            properties = component.get("properties", {}) if component else {}
            if not any(p.get("nullable") for p in properties.values()):
                continue
            form_name = f"{name}Form"
            if form_name not in schemas:
                form = copy.deepcopy(component)
                for prop in form["properties"].values():
                    prop.pop("nullable", None)
                schemas[form_name] = form
            content[media]["schema"] = {"$ref": f"#/components/schemas/{form_name}"}


def state_the_rules(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    schemas = result.get("components", {}).get("schemas", {})
    for name, component in schemas.items():
        if name.endswith("Request"):
            _text_rules(component)
    if "DecideInputRequest" in schemas:
        _decision_rules(schemas["DecideInputRequest"])
    if "TagInputRequest" in schemas:
        _tag_rules(schemas["TagInputRequest"])
    _id_filters(result)
    _query_text_without_nul(result)
    _forms_without_null(result)
    return result
