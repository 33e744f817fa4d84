"""SharePoint through Graph (sites, lists, columns, items, content types, drives, site
permissions): the bodies the emulator returns, and the bodies we send, against Microsoft's Graph
description. Sites are addressed by their composite id `{host},{site guid},{web guid}`."""

from __future__ import annotations

import uuid

import pytest

from emulator_harness import SHAREPOINT_HOST, expect


@pytest.fixture(scope="module")
def root_site(graph) -> dict:
    return expect(graph.get("/sites/root"), 200)


@pytest.fixture(scope="module")
def hr_site(graph) -> dict:
    """The HR site collection (it has a subsite and a custom list with items)."""
    return expect(graph.get(f"/sites/{SHAREPOINT_HOST}:/sites/hr"), 200)


@pytest.fixture(scope="module")
def hr_lists(graph, hr_site) -> list[dict]:
    return expect(graph.get(f"/sites/{hr_site['id']}/lists"), 200)["value"]


@pytest.fixture(scope="module")
def employees(hr_lists) -> dict:
    """A generic list with items."""
    return next(l for l in hr_lists if l["list"]["template"] == "genericList")


@pytest.fixture(scope="module")
def documents(hr_lists) -> dict:
    return next(l for l in hr_lists if l["list"]["template"] == "documentLibrary")


def test_root_site_id_is_composite(root_site):
    host, site_guid, web_guid = root_site["id"].split(",")
    assert host == SHAREPOINT_HOST
    uuid.UUID(site_guid), uuid.UUID(web_guid)


def test_get_root_site_matches_description(graph, fidelity):
    fidelity.response(graph.get("/sites/root"), 200)


def test_get_site_by_composite_id_matches_description(graph, fidelity, root_site):
    fidelity.response(graph.get(f"/sites/{root_site['id']}"), 200)


def test_get_site_with_sharepoint_ids_matches_description(graph, fidelity, hr_site):
    body = fidelity.response(
        graph.get(f"/sites/{hr_site['id']}?$select=id,displayName,sharepointIds"), 200
    )

    assert body["sharepointIds"]["siteId"] == hr_site["id"].split(",")[1]


def test_get_site_by_path_matches_description(graph, fidelity):
    body = fidelity.response(graph.get(f"/sites/{SHAREPOINT_HOST}:/sites/hr"), 200)

    assert body["webUrl"] == f"https://{SHAREPOINT_HOST}/sites/hr"


def test_get_lists_of_a_site_by_path_matches_description(graph, fidelity):
    fidelity.response(graph.get(f"/sites/{SHAREPOINT_HOST}:/sites/hr:/lists"), 200)


def test_search_sites_matches_description(graph, fidelity):
    body = fidelity.response(graph.get("/sites?search=hr"), 200)

    assert body["value"]


def test_get_all_sites_matches_description(app_graph, fidelity):
    """getAllSites is for application permissions only."""
    body = fidelity.response(app_graph.get("/sites/getAllSites"), 200)

    assert any(s["webUrl"] == f"https://{SHAREPOINT_HOST}/sites/hr" for s in body["value"])


def test_get_subsites_matches_description(graph, fidelity, hr_site):
    body = fidelity.response(graph.get(f"/sites/{hr_site['id']}/sites"), 200)

    assert [s["name"] for s in body["value"]] == ["benefits"]


def test_get_list_items_with_fields_matches_description(graph, fidelity, hr_site, employees):
    body = fidelity.response(
        graph.get(f"/sites/{hr_site['id']}/lists/{employees['id']}/items?expand=fields"), 200
    )

    assert body["value"] and all("fields" in item for item in body["value"])


def test_get_list_items_page_with_next_link_matches_description(graph, fidelity, hr_site, employees):
    body = fidelity.response(
        graph.get(f"/sites/{hr_site['id']}/lists/{employees['id']}/items?expand=fields&$top=1"), 200
    )

    assert isinstance(body.get("@odata.nextLink"), str)


@pytest.mark.parametrize(
    "relative",
    [
        "/lists",
        "/lists/{employees}",
        "/lists/{employees}/columns",
        "/lists/{documents}/columns",
        "/lists/{employees}/contentTypes",
        "/lists/{employees}/items/1?expand=fields",
        "/lists/{employees}/items/1/fields",
        "/lists/{documents}/drive",
        "/columns",
        "/contentTypes",
        "/drives",
        "/drive",
    ],
)
def test_site_reads_match_description(graph, fidelity, hr_site, employees, documents, relative):
    path = relative.format(employees=employees["id"], documents=documents["id"])

    fidelity.response(graph.get(f"/sites/{hr_site['id']}{path}"), 200)


def test_get_list_column_by_id_matches_description(graph, fidelity, hr_site, employees):
    columns = expect(graph.get(f"/sites/{hr_site['id']}/lists/{employees['id']}/columns"), 200)["value"]

    fidelity.response(
        graph.get(f"/sites/{hr_site['id']}/lists/{employees['id']}/columns/{columns[0]['id']}"), 200
    )


@pytest.fixture(scope="module")
def hr_drive(graph, hr_site) -> dict:
    return expect(graph.get(f"/sites/{hr_site['id']}/drive"), 200)


def test_get_drive_by_id_matches_description(graph, fidelity, hr_drive):
    fidelity.response(graph.get(f"/drives/{hr_drive['id']}"), 200)


def test_get_drive_root_children_matches_description(graph, fidelity, hr_drive):
    body = fidelity.response(graph.get(f"/drives/{hr_drive['id']}/root/children"), 200)

    assert body["value"] and all("file" in item for item in body["value"])


def test_grant_site_permission_request_and_response_match_description(graph, fidelity, hr_site):
    path = f"/sites/{hr_site['id']}/permissions"
    body = {
        "roles": ["write"],
        "grantedToIdentities": [
            {"application": {"id": str(uuid.uuid4()), "displayName": "Fidelity connection"}}
        ],
    }
    fidelity.request("POST", path, body)

    fidelity.response(graph.post(path, body), 201)


def test_list_site_permissions_matches_description(graph, fidelity, root_site):
    path = f"/sites/{root_site['id']}/permissions"
    expect(
        graph.post(path, {"roles": ["read"], "grantedToIdentities": [
            {"application": {"id": str(uuid.uuid4()), "displayName": "Fidelity reader"}}]}),
        201,
    )

    body = fidelity.response(graph.get(path), 200)

    assert body["value"]


def test_site_permission_by_id_get_patch_delete_match_description(graph, fidelity, hr_site):
    path = f"/sites/{hr_site['id']}/permissions"
    granted = expect(graph.post(path, {"roles": ["read"], "grantedToIdentities": [
        {"application": {"id": str(uuid.uuid4()), "displayName": "Fidelity changed grant"}}]}), 201)
    one = f"{path}/{granted['id']}"

    fidelity.response(graph.get(one), 200)
    fidelity.request("PATCH", one, {"roles": ["write"]})
    changed = fidelity.response(graph.patch(one, {"roles": ["write"]}), 200)
    fidelity.response(graph.request("DELETE", one), 204)

    assert changed["roles"] == ["write"]


def test_unknown_list_404_matches_error_description(graph, fidelity, hr_site):
    body = fidelity.error(graph.get(f"/sites/{hr_site['id']}/lists/{uuid.uuid4()}"), 404)

    assert body["error"]["code"] == "itemNotFound"


def test_get_all_sites_with_a_delegated_token_400_matches_error_description(graph, fidelity):
    body = fidelity.error(graph.get("/sites/getAllSites"), 400)

    assert body["error"]["code"] == "invalidRequest"


def test_unknown_site_404_matches_error_description(graph, fidelity):
    missing = f"{SHAREPOINT_HOST},{uuid.uuid4()},{uuid.uuid4()}"

    body = fidelity.error(graph.get(f"/sites/{missing}"), 404)

    assert body["error"]["code"] == "itemNotFound"
