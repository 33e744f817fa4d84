"""SharePoint content writes through Graph (create a list with columns, add a column, create,
update and delete an item): the request bodies we send and the bodies the emulator answers,
against Microsoft's Graph description."""

from __future__ import annotations

import uuid

import pytest

from emulator_harness import SHAREPOINT_HOST, expect

HOSTILE = "<script>alert(\"x\")</script> 'Q&A' – ünïcødé 🚀"


@pytest.fixture(scope="module")
def site(graph) -> dict:
    return expect(graph.get(f"/sites/{SHAREPOINT_HOST}:/sites/projects"), 200)


@pytest.fixture(scope="module")
def created_list(graph, fidelity, site) -> dict:
    path = f"/sites/{site['id']}/lists"
    body = {
        "displayName": f"{HOSTILE} {uuid.uuid4().hex[:8]}",
        "columns": [
            {"name": "Author0", "text": {}},
            {"name": "PageCount", "number": {"minimum": 0}},
        ],
        "list": {"template": "genericList"},
    }
    fidelity.request("POST", path, body)
    created = fidelity.response(graph.post(path, body), 201)
    assert created["displayName"] == body["displayName"]
    return created


def test_create_list_matches_description(created_list):
    assert created_list["list"]["template"] == "genericList"


def test_create_column_matches_description(graph, fidelity, site, created_list):
    path = f"/sites/{site['id']}/lists/{created_list['id']}/columns"
    body = {
        "description": "test",
        "enforceUniqueValues": False,
        "hidden": False,
        "indexed": False,
        "name": "Status",
        "choice": {"allowTextEntry": False, "choices": ["Open", "Closed"], "displayAs": "dropDownMenu"},
    }
    fidelity.request("POST", path, body)

    column = fidelity.response(graph.post(path, body), 201)

    assert column["choice"]["choices"] == ["Open", "Closed"]


def test_create_update_delete_item_match_description(graph, fidelity, site, created_list):
    items = f"/sites/{site['id']}/lists/{created_list['id']}/items"
    body = {"fields": {"Title": HOSTILE, "Author0": "Ada", "PageCount": 12}}
    fidelity.request("POST", items, body)
    item = fidelity.response(graph.post(items, body), 201)
    assert item["fields"]["Title"] == HOSTILE

    fields_path = f"{items}/{item['id']}/fields"
    change = {"PageCount": 13}
    fidelity.request("PATCH", fields_path, change)
    # Microsoft's page says 200 with the item's fieldValueSet
    # (https://learn.microsoft.com/graph/api/listitem-update); the generated description says 204
    # without a body, so only the request body is checked against it.
    patched = graph.patch(fields_path, change, headers={"If-Match": item["eTag"]})
    fields = expect(patched, 200)
    assert fields["PageCount"] == 13
    assert fields["@odata.etag"].endswith(',2"')

    stale = graph.patch(fields_path, change, headers={"If-Match": item["eTag"]})
    assert fidelity.error(stale, 412)["error"]["code"] == "resourceModified"

    fidelity.response(graph.request("DELETE", f"{items}/{item['id']}"), 204)


def test_unknown_field_400_matches_error_description(graph, fidelity, site, created_list):
    items = f"/sites/{site['id']}/lists/{created_list['id']}/items"

    body = fidelity.error(graph.post(items, {"fields": {"Title": "x", "Nope": 1}}), 400)

    assert body["error"]["code"] == "invalidRequest"
