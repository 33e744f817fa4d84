"""Directory operations (applications, service principals, app role assignments): the bodies
the emulator returns, and the bodies we send, against Microsoft's Graph description."""

from __future__ import annotations

import uuid

import pytest

from emulator_harness import (
    ADMIN,
    GRAPH_APP_ID,
    TENANT_ID,
    ClientCertificate,
    expect,
    graph_service_principal,
)

SHAREPOINT_APP_ID = "00000003-0000-0ff1-ce00-000000000000"
SITES_SELECTED_ROLE = "883ea226-0bf2-4a8f-9f9d-92c9162a727d"
SHAREPOINT_SITES_SELECTED_ROLE = "20d37865-089c-4dee-8c41-6967602d4ac8"


@pytest.fixture(scope="module")
def certificate() -> ClientCertificate:
    return ClientCertificate(common_name="fidelity test")


@pytest.fixture(scope="module")
def new_application_body(certificate) -> dict:
    """What spconnect sends to create a connection's app (docs/microsoft §2.3)."""
    return {
        "displayName": "Fidelity test connection",
        "signInAudience": "AzureADMyOrg",
        "requiredResourceAccess": [
            {"resourceAppId": GRAPH_APP_ID,
             "resourceAccess": [{"id": SITES_SELECTED_ROLE, "type": "Role"}]},
            {"resourceAppId": SHAREPOINT_APP_ID,
             "resourceAccess": [{"id": SHAREPOINT_SITES_SELECTED_ROLE, "type": "Role"}]},
        ],
        "keyCredentials": [certificate.key_credential()],
    }


@pytest.fixture(scope="module")
def new_application(graph, new_application_body):
    """POST /applications (the reply, checked by its own test)."""
    return graph.post("/applications", new_application_body)


@pytest.fixture(scope="module")
def application(new_application) -> dict:
    return expect(new_application, 201)


@pytest.fixture(scope="module")
def new_service_principal(graph, application):
    return graph.post("/servicePrincipals", {"appId": application["appId"]})


@pytest.fixture(scope="module")
def service_principal(new_service_principal) -> dict:
    return expect(new_service_principal, 201)


@pytest.fixture(scope="module")
def graph_resource(graph) -> dict:
    return graph_service_principal(graph)


# ---- /me ----------------------------------------------------------------------------------------


def test_get_me_matches_description(graph, fidelity):
    body = fidelity.response(graph.get("/me"), 200)

    assert body["userPrincipalName"] == ADMIN[0]


def test_get_me_selected_properties_matches_description(graph, fidelity):
    body = fidelity.response(graph.get("/me?$select=id,displayName,userPrincipalName"), 200)

    assert set(body) - {"@odata.context"} == {"id", "displayName", "userPrincipalName"}


def test_get_user_by_id_matches_description(graph, fidelity):
    me = expect(graph.get("/me"), 200)

    fidelity.response(graph.get(f"/users/{me['id']}"), 200)


@pytest.mark.parametrize("relation", ["transitiveMemberOf", "memberOf"])
def test_get_my_memberships_matches_description(graph, fidelity, relation):
    body = fidelity.response(graph.get(f"/me/{relation}"), 200)

    assert any(o["@odata.type"] == "#microsoft.graph.directoryRole" for o in body["value"])


def test_get_organization_matches_description(graph, fidelity):
    body = fidelity.response(graph.get("/organization"), 200)

    assert [o["id"] for o in body["value"]] == [TENANT_ID]


def test_other_user_without_user_read_all_403_matches_error_description(graph, fidelity):
    """spconnect's delegated scopes read the signed-in user only."""
    body = fidelity.error(graph.get(f"/users/{uuid.uuid4()}"), 403)

    assert body["error"]["code"] == "Authorization_RequestDenied"


# ---- applications -------------------------------------------------------------------------------


def test_post_applications_request_body_matches_description(fidelity, new_application_body):
    fidelity.request("POST", "/applications", new_application_body)


def test_post_applications_response_matches_description(fidelity, new_application):
    fidelity.response(new_application, 201)


def test_get_applications_page_matches_description(graph, fidelity, application):
    graph.post("/applications", {"displayName": "Fidelity second app"})  # so that a page has a next link

    body = fidelity.response(graph.get("/applications?$top=1"), 200)

    assert len(body["value"]) == 1
    assert isinstance(body.get("@odata.nextLink"), str)


def test_get_application_by_id_matches_description(graph, fidelity, application):
    fidelity.response(graph.get(f"/applications/{application['id']}"), 200)


def test_get_application_key_credentials_with_key_matches_description(graph, fidelity, application):
    body = fidelity.response(
        graph.get(f"/applications/{application['id']}?$select=id,keyCredentials"), 200
    )

    assert body["keyCredentials"][0]["key"], "key is returned when keyCredentials is selected"


def test_get_application_by_app_id_matches_description(graph, fidelity, application):
    fidelity.response(graph.get(f"/applications(appId='{application['appId']}')"), 200)


def test_patch_application_request_body_matches_description_and_answers_204(
    graph, fidelity, application
):
    body = {
        "displayName": "Fidelity test connection (renamed)",
        "notes": "Created by the schema fidelity tests.",
        "tags": ["spconnect"],
    }
    fidelity.request("PATCH", f"/applications/{application['id']}", body)

    reply = graph.patch(f"/applications/{application['id']}", body)

    assert reply.status_code == 204, reply.text


def test_upsert_application_by_unique_name_matches_description(graph, fidelity):
    unique_name = f"fidelity-{uuid.uuid4()}"
    path = f"/applications(uniqueName='{unique_name}')"
    body = {"displayName": "Fidelity upserted app", "signInAudience": "AzureADMyOrg"}
    fidelity.request("PATCH", path, body)

    created = graph.patch(path, body, headers={"Prefer": "create-if-missing"})

    fidelity.response(created, 201)
    fidelity.response(graph.get(path), 200)


def test_add_key_request_and_response_match_description(graph, fidelity, application, certificate):
    rollover = ClientCertificate(common_name="fidelity rollover")
    path = f"/applications/{application['id']}/addKey"
    body = {
        "keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": rollover.base64_der},
        "proof": certificate.proof(application["id"]),
    }
    fidelity.request("POST", path, body)

    fidelity.response(graph.post(path, body), 200)


@pytest.fixture(scope="module")
def deleted_application(graph) -> dict:
    doomed = expect(graph.post("/applications", {"displayName": "Fidelity deleted app"}), 201)
    assert graph.request("DELETE", f"/applications/{doomed['id']}").status_code == 204
    return doomed


def test_list_deleted_applications_matches_description(graph, fidelity, deleted_application):
    body = fidelity.response(graph.get("/directory/deletedItems/microsoft.graph.application"), 200)

    assert deleted_application["id"] in [a["id"] for a in body["value"]]


def test_get_deleted_item_matches_description(graph, fidelity, deleted_application):
    body = fidelity.response(graph.get(f"/directory/deletedItems/{deleted_application['id']}"), 200)

    assert body["@odata.type"] == "#microsoft.graph.application"


def test_add_and_remove_password_match_description(graph, fidelity, application):
    path = f"/applications/{application['id']}/addPassword"
    body = {"passwordCredential": {"displayName": "Fidelity secret"}}
    fidelity.request("POST", path, body)

    secret = fidelity.response(graph.post(path, body), 200)

    remove = {"keyId": secret["keyId"]}
    fidelity.request("POST", f"/applications/{application['id']}/removePassword", remove)
    fidelity.response(graph.post(f"/applications/{application['id']}/removePassword", remove), 204)


def test_remove_key_request_matches_description_and_answers_204(graph, fidelity, application, certificate):
    spare = ClientCertificate(common_name="fidelity spare")
    added = expect(graph.post(f"/applications/{application['id']}/addKey", {
        "keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": spare.base64_der},
        "proof": certificate.proof(application["id"]),
    }), 200)
    path = f"/applications/{application['id']}/removeKey"
    body = {"keyId": added["keyId"], "proof": certificate.proof(application["id"])}
    fidelity.request("POST", path, body)

    fidelity.response(graph.post(path, body), 204)


def test_delete_application_answers_204_as_described(graph, fidelity):
    doomed = expect(graph.post("/applications", {"displayName": "Fidelity doomed app"}), 201)

    fidelity.response(graph.request("DELETE", f"/applications/{doomed['id']}"), 204)


def test_permanently_delete_deleted_item_answers_204_as_described(graph, fidelity):
    doomed = expect(graph.post("/applications", {"displayName": "Fidelity purged app"}), 201)
    assert graph.request("DELETE", f"/applications/{doomed['id']}").status_code == 204

    fidelity.response(graph.request("DELETE", f"/directory/deletedItems/{doomed['id']}"), 204)


def test_restore_deleted_application_matches_description(graph, fidelity):
    doomed = expect(graph.post("/applications", {"displayName": "Fidelity restored app"}), 201)
    assert graph.request("DELETE", f"/applications/{doomed['id']}").status_code == 204

    fidelity.response(graph.post(f"/directory/deletedItems/{doomed['id']}/restore", {}), 200)


# ---- service principals and app role assignments -------------------------------------------


def test_post_service_principal_request_and_response_match_description(
    fidelity, application, new_service_principal
):
    fidelity.request("POST", "/servicePrincipals", {"appId": application["appId"]})
    fidelity.response(new_service_principal, 201)


def test_get_service_principals_page_matches_description(graph, fidelity, service_principal):
    body = fidelity.response(graph.get("/servicePrincipals?$top=2"), 200)

    assert len(body["value"]) == 2
    assert isinstance(body.get("@odata.nextLink"), str)


def test_get_graph_service_principal_by_app_id_matches_description(graph, fidelity):
    fidelity.response(graph.get(f"/servicePrincipals(appId='{GRAPH_APP_ID}')"), 200)


def test_get_graph_service_principal_selected_properties_matches_description(graph, fidelity):
    body = fidelity.response(
        graph.get(f"/servicePrincipals(appId='{GRAPH_APP_ID}')?$select=id,appRoles"), 200
    )

    assert {r["value"] for r in body["appRoles"]} >= {"Sites.Read.All", "Sites.Selected"}


def test_get_service_principal_by_id_matches_description(graph, fidelity, service_principal):
    fidelity.response(graph.get(f"/servicePrincipals/{service_principal['id']}"), 200)


def test_patch_and_delete_service_principal_answer_204_as_described(graph, fidelity, application):
    extra = expect(graph.post("/applications", {"displayName": "Fidelity extra app"}), 201)
    principal = expect(graph.post("/servicePrincipals", {"appId": extra["appId"]}), 201)
    path = f"/servicePrincipals/{principal['id']}"
    body = {"tags": ["spconnect"], "notes": "Changed by the fidelity tests."}
    fidelity.request("PATCH", path, body)

    fidelity.response(graph.patch(path, body), 204)
    fidelity.response(graph.request("DELETE", path), 204)


def test_upsert_service_principal_by_app_id_matches_description(graph, fidelity):
    extra = expect(graph.post("/applications", {"displayName": "Fidelity upserted principal"}), 201)
    path = f"/servicePrincipals(appId='{extra['appId']}')"
    fidelity.request("PATCH", path, {})

    created = fidelity.response(graph.patch(path, {}, headers={"Prefer": "create-if-missing"}), 201)

    assert created["appId"] == extra["appId"]


def test_grant_app_role_request_and_response_match_description(
    graph, fidelity, graph_resource, service_principal
):
    path = f"/servicePrincipals/{graph_resource['id']}/appRoleAssignedTo"
    role = next(r for r in graph_resource["appRoles"] if r["value"] == "Sites.Selected")
    body = {
        "principalId": service_principal["id"],
        "resourceId": graph_resource["id"],
        "appRoleId": role["id"],
    }
    fidelity.request("POST", path, body)

    fidelity.response(graph.post(path, body), 201)


def test_list_app_role_assignments_matches_description(
    graph, fidelity, graph_resource, service_principal
):
    path = f"/servicePrincipals/{graph_resource['id']}/appRoleAssignedTo"
    role = next(r for r in graph_resource["appRoles"] if r["value"] == "Sites.Read.All")
    expect(
        graph.post(path, {"principalId": service_principal["id"],
                          "resourceId": graph_resource["id"], "appRoleId": role["id"]}),
        201,
    )

    body = fidelity.response(graph.get(path), 200)

    assert any(a["principalId"] == service_principal["id"] for a in body["value"])


# ---- errors ---------------------------------------------------------------------------------------


def test_unknown_application_404_matches_error_description(graph, fidelity):
    body = fidelity.error(graph.get(f"/applications/{uuid.uuid4()}"), 404)

    assert body["error"]["code"] == "Request_ResourceNotFound"


def test_app_role_assignments_of_a_principal_and_removal_match_description(
    graph, fidelity, graph_resource, service_principal
):
    role = next(r for r in graph_resource["appRoles"] if r["value"] == "Sites.ReadWrite.All")
    granted = expect(graph.post(f"/servicePrincipals/{graph_resource['id']}/appRoleAssignedTo", {
        "principalId": service_principal["id"], "resourceId": graph_resource["id"], "appRoleId": role["id"],
    }), 201)
    assignments = f"/servicePrincipals/{service_principal['id']}/appRoleAssignments"

    body = fidelity.response(graph.get(assignments), 200)
    fidelity.response(graph.get(f"{assignments}/{granted['id']}"), 200)
    fidelity.response(
        graph.request("DELETE", f"/servicePrincipals/{graph_resource['id']}/appRoleAssignedTo/{granted['id']}"),
        204,
    )

    assert granted["id"] in [a["id"] for a in body["value"]]
