"""docs/schema: every schema is a valid draft 2020-12 schema, docs/json.md links each one, and
the complete examples in docs/json.md are valid documents. The tests that run a command with
--json validate its output through helpers.run_json."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers import REPO, SCHEMA_DIR, schema_names, validate, validator

JSON_MD = (REPO / "docs" / "json.md").read_text(encoding="utf-8")
SCHEMA_OF = {
    "setup": "setup",
    "undo": "undo",
    "status": "status",
    "doctor": "doctor",
    "bench": "bench",
    "completion": "completion",
    "mirrors list": "mirrors-list",
    "mirrors add": "mirrors-edit",
    "mirrors remove": "mirrors-edit",
}
# Examples that leave fields out on purpose: setup's mirror entry is "...", status shows two of
# the eight settings.
SHORTENED = {"setup", "status"}


def examples() -> list[dict[str, Any]]:
    return [json.loads(b) for b in re.findall(r"```json\n(.*?)```", JSON_MD, re.S)]


@pytest.mark.parametrize("name", schema_names())
def test_schema_is_valid_and_linked_from_json_md(name: str) -> None:
    schema = validator(name).schema  # check_schema ran: a valid draft 2020-12 schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://goaccel.dev/schema/{name}.schema.json"
    assert f"(schema/{name}.schema.json)" in JSON_MD


def test_every_command_has_a_schema() -> None:
    assert {*SCHEMA_OF.values(), "error"} == set(schema_names())
    assert {p.name for p in SCHEMA_DIR.iterdir()} == {f"{n}.schema.json" for n in schema_names()}


def test_complete_examples_in_json_md_are_valid() -> None:
    checked = []
    for doc in examples():
        if doc["command"] in SHORTENED and doc["ok"]:
            continue
        validate(doc, SCHEMA_OF[doc["command"]])
        if doc["ok"] is False:
            validate(doc, "error")
        checked.append((doc["command"], doc["ok"]))
    assert ("undo", False) in checked and ("doctor", True) in checked
    assert len(checked) >= 5


def test_the_schemas_are_strict() -> None:
    """A field the code does not print, or a missing one, is an error, not a pass."""
    error = {
        "goaccel": "0.1.0",
        "schema": 1,
        "command": "undo",
        "ok": False,
        "error": {"message": "nothing to undo", "hint": None, "exit_code": 7},
    }
    validate(error, "undo")
    for broken in (
        {**error, "extra": 1},
        {**error, "error": {"message": "nothing to undo", "exit_code": 7}},  # hint is required
        {**error, "error": {**error["error"], "exit_code": 70}},  # 70 is the internal error's
        {**error, "error": {**error["error"], "message": "two\nlines"}},
        {**error, "command": "status"},
    ):
        with pytest.raises(AssertionError):
            validate(broken, "undo")
    internal = {**error, "error": {"message": "internal error: KeyError: 'x'", "exit_code": 70}}
    validate(internal, "error")
