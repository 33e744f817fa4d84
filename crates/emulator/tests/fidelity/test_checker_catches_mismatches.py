"""The checker itself: it maps request paths to the right operations and reports what a wrong
body gets wrong (so a passing fidelity test means something). No emulator needed."""

from __future__ import annotations

import pytest

SITE = {"$ref": "#/components/schemas/microsoft.graph.site"}
LIST = {"$ref": "#/components/schemas/microsoft.graph.list"}
APPLICATION = {"$ref": "#/components/schemas/microsoft.graph.application"}
COLUMN = {"$ref": "#/components/schemas/microsoft.graph.columnDefinition"}


@pytest.mark.parametrize(
    "method, path, template, source",
    [
        ("GET", "/sites/root", "/sites/{site-id}", "Sites.yml"),
        ("GET", "/sites/contoso.sharepoint.com,a,b/lists/c/items",
         "/sites/{site-id}/lists/{list-id}/items", "Sites.yml"),
        ("POST", "/applications/6c1d/addKey",
         "/applications/{application-id}/microsoft.graph.addKey", "Applications.yml"),
        ("GET", "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')",
         "/servicePrincipals(appId='{appId}')", "Applications.yml"),
        ("PATCH", "/applications(uniqueName='x')",
         "/applications(uniqueName='{uniqueName}')", "Applications.yml"),
        ("GET", "/applications/6c1d", "/applications/{application-id}", "Applications.yml"),
        ("GET", "/me", "/users/{user-id}", "Users.yml"),
        ("GET", "/me/transitiveMemberOf", "/users/{user-id}/transitiveMemberOf", "Users.yml"),
        ("GET", "/users/6c1d", "/users/{user-id}", "Users.yml"),
        ("GET", "/organization", "/organization", "Identity.DirectoryManagement.yml"),
        ("GET", "/directory/deletedItems/6c1d", "/directory/deletedItems/{directoryObject-id}",
         "Identity.DirectoryManagement.yml"),
        ("GET", "/directory/deletedItems/microsoft.graph.application",
         "/directory/deletedItems/microsoft.graph.application", "Identity.DirectoryManagement.yml"),
        ("POST", "/directory/deletedItems/6c1d/restore",
         "/directory/deletedItems/{directoryObject-id}/microsoft.graph.restore",
         "Identity.DirectoryManagement.yml"),
        ("GET", "/sites/getAllSites", "/sites/microsoft.graph.getAllSites()", "Sites.yml"),
        ("GET", "/sites/microsoft.graph.getAllSites()", "/sites/microsoft.graph.getAllSites()", "Sites.yml"),
        ("GET", "/drives/b!x", "/drives/{drive-id}", "Files.yml"),
        ("GET", "/sites/contoso.sharepoint.com:/sites/hr", "/sites/{site-id}", "Sites.yml"),
        ("GET", "/sites/contoso.sharepoint.com:/", "/sites/{site-id}", "Sites.yml"),
        ("GET", "/sites/contoso.sharepoint.com:/sites/hr:/lists", "/sites/{site-id}/lists", "Sites.yml"),
        ("GET", "/drives/b!x/root/children", "/drives/{drive-id}/root/children", "Files.yml"),
    ],
)
def test_request_paths_map_to_their_operation(description, method, path, template, source):
    operation = description.operation(method, path)

    assert operation is not None
    assert (operation.template, operation.source) == (template, source)


def test_shared_schemas_come_from_applications_yml(description):
    assert description.schema_source["microsoft.graph.site"] == "Applications.yml"
    assert "isPersonalSite" in description._declared(SITE)
    assert "grantedToV2" in description._declared({"$ref": "#/components/schemas/microsoft.graph.permission"})


def test_a_valid_site_passes(description):
    site = {"id": "h,1,2", "displayName": "HR", "createdDateTime": "2026-01-15T09:00:00Z",
            "root": {}, "siteCollection": {"hostname": "contoso.sharepoint.com"}}

    assert description.validate(site, SITE) == []
    assert list(description.undeclared_properties(site, SITE)) == []


def test_a_malformed_date_time_is_reported(description):
    problems = description.validate({"createdDateTime": "yesterday"}, SITE)

    assert any(p.startswith("$.createdDateTime:") for p in problems), problems


def test_a_wrong_type_in_a_nested_facet_is_reported(description):
    problems = description.validate({"list": {"hidden": "no"}}, LIST)

    assert any(p.startswith("$.list.hidden:") and "boolean" in p for p in problems), problems


def test_a_malformed_uuid_is_reported(description):
    problems = description.validate({"keyCredentials": [{"keyId": "not-a-guid"}]}, APPLICATION)

    assert any(p.startswith("$.keyCredentials[0].keyId:") for p in problems), problems


def test_a_string_where_an_integer_belongs_is_reported(description):
    problems = description.validate({"text": {"maxLength": "255"}}, COLUMN)

    assert any(p.startswith("$.text.maxLength:") for p in problems), problems


def test_an_undeclared_property_of_a_closed_type_is_reported(description):
    found = list(description.undeclared_properties({"displayName": "HR", "bogus": 1}, SITE))

    assert found == [("$.bogus", "microsoft.graph.site")]


def test_properties_of_derived_types_are_declared(description):
    drive = {"owner": {"group": {"displayName": "Owners"}}}

    assert list(description.undeclared_properties(drive, {"$ref": "#/components/schemas/microsoft.graph.drive"})) == []


def test_null_complex_property_is_treated_as_absent_but_null_scalar_array_is_not(description):
    assert description.validate({"optionalClaims": None}, APPLICATION) == []
    assert description.validate({"identifierUris": None}, APPLICATION) != []


def test_annotations_are_not_properties_but_must_be_strings(description):
    site = {"@odata.context": "x", "@odata.etag": 5, "displayName": "HR"}

    assert description.validate(site, SITE) == []
    assert description.annotation_problems(site) == ["$.@odata.etag: annotation is not a string: 5"]


def test_error_envelope_requires_code_and_message(description):
    operation = description.operation("GET", "/applications/x")
    schema = description.error(operation)

    assert description.validate({"error": {"code": "x", "message": "y", "innerError": {
        "date": "2026-01-01T00:00:00", "request-id": "r"}}}, schema) == []
    assert any("message" in p for p in description.validate({"error": {"code": "x"}}, schema))


def test_me_is_an_alias_only_as_a_whole_segment(description):
    assert description.operation("GET", "/meetings") is None


class FakeReply:
    """What `Fidelity.batch` reads of a `requests.Response`."""

    def __init__(self, body: dict) -> None:
        self.status_code, self.text, self._body = 200, repr(body), body

    def json(self) -> dict:
        return self._body


BATCH_REQUESTS = [{"id": "1", "method": "GET", "url": "/organization"},
                  {"id": "2", "method": "GET", "url": "/applications/6c1d"}]
ORGANIZATION = {"value": [{"id": "b5a1c6d2-3e4f-4a5b-8c9d-0e1f2a3b4c5d", "displayName": "Contoso"}]}
NOT_FOUND = {"error": {"code": "Request_ResourceNotFound", "message": "gone"}}


def batch_reply(first_body: dict, second_body: dict = NOT_FOUND, second_status: int = 404) -> FakeReply:
    return FakeReply({"responses": [
        {"id": "1", "status": 200, "headers": {"Content-Type": "application/json"}, "body": first_body},
        {"id": "2", "status": second_status, "headers": {"Content-Type": "application/json"},
         "body": second_body},
    ]})


def test_a_valid_batch_passes(fidelity):
    fidelity.batch(batch_reply(ORGANIZATION), BATCH_REQUESTS, {"1": 200, "2": 404})


def test_a_batch_response_is_checked_against_its_own_operation(fidelity):
    wrong = {"value": [{"id": "x", "displayName": 5}]}  # organization.displayName is a string

    with pytest.raises(pytest.fail.Exception, match=r"(?s)/organization.*\$\.value\[0\]\.displayName"):
        fidelity.batch(batch_reply(wrong), BATCH_REQUESTS, {"1": 200, "2": 404})


def test_a_batch_error_is_checked_against_the_error_schema(fidelity):
    with pytest.raises(pytest.fail.Exception, match="message"):
        fidelity.batch(batch_reply(ORGANIZATION, {"error": {"code": "x"}}), BATCH_REQUESTS,
                       {"1": 200, "2": 404})


def test_a_batch_status_is_checked(fidelity):
    with pytest.raises(pytest.fail.Exception, match="answered 200, expected 404"):
        fidelity.batch(batch_reply(ORGANIZATION, {"id": "6c1d"}, 200), BATCH_REQUESTS,
                       {"1": 200, "2": 404})


def test_a_batch_missing_a_response_fails(fidelity):
    reply = FakeReply({"responses": batch_reply(ORGANIZATION)._body["responses"][:1]})

    with pytest.raises(pytest.fail.Exception, match="request '2': no response"):
        fidelity.batch(reply, BATCH_REQUESTS, {"1": 200, "2": 404})


def test_a_body_the_description_has_no_schema_for_is_a_problem(fidelity):
    _, problems = fidelity.success_problems("DELETE", "/applications/6c1d", 204, {"id": "6c1d"})

    assert problems == ["the description gives no JSON schema for this response's body"]
