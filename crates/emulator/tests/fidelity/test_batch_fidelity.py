"""JSON batching (`POST /$batch`): the envelope, and each response inside it against the
operation its request addresses (method + url), as if the request had been sent on its own."""

from __future__ import annotations

import uuid

import pytest

from emulator_harness import SHAREPOINT_HOST, expect

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def hr_site(graph) -> dict:
    return expect(graph.get(f"/sites/{SHAREPOINT_HOST}:/sites/hr"), 200)


def run_batch(graph, fidelity, requests_sent: list[dict], statuses: dict[str, int]) -> dict:
    body = fidelity.batch(graph.post("/$batch", {"requests": requests_sent}), requests_sent, statuses)
    return {r["id"]: r for r in body["responses"]}


def test_directory_reads_in_a_batch_match_their_operations(graph, fidelity):
    requests_sent = [
        {"id": "me", "method": "GET", "url": "/me?$select=id,displayName"},
        {"id": "groups", "method": "GET", "url": "/me/transitiveMemberOf"},
        {"id": "org", "method": "GET", "url": "/organization"},
        {"id": "apps", "method": "GET", "url": "/applications?$top=2"},
        {"id": "graph", "method": "GET",
         "url": "/servicePrincipals(appId='00000003-0000-0000-c000-000000000000')"},
    ]

    responses = run_batch(graph, fidelity, requests_sent, {r["id"]: 200 for r in requests_sent})

    assert responses["org"]["body"]["value"]


def test_site_reads_in_a_batch_match_their_operations(graph, fidelity, hr_site):
    site = hr_site["id"]
    lists = expect(graph.get(f"/sites/{site}/lists"), 200)["value"]
    employees = next(l for l in lists if l["list"]["template"] == "genericList")
    drive = expect(graph.get(f"/sites/{site}/drive"), 200)
    requests_sent = [
        {"id": "1", "method": "GET", "url": "/sites/root"},
        {"id": "2", "method": "GET", "url": f"/sites/{site}/lists"},
        {"id": "3", "method": "GET", "url": f"/sites/{site}/lists/{employees['id']}/columns"},
        {"id": "4", "method": "GET", "url": f"/sites/{site}/lists/{employees['id']}/items?expand=fields"},
        {"id": "5", "method": "GET", "url": f"/sites/{site}/permissions"},
        {"id": "6", "method": "GET", "url": f"/drives/{drive['id']}/root/children"},
        {"id": "7", "method": "GET", "url": f"/sites/{site}/sites"},
    ]

    run_batch(graph, fidelity, requests_sent, {r["id"]: 200 for r in requests_sent})


def test_writes_in_a_batch_match_their_operations(graph, fidelity, hr_site):
    requests_sent = [
        {"id": "app", "method": "POST", "url": "/applications", "headers": JSON,
         "body": {"displayName": "Fidelity batch app", "signInAudience": "AzureADMyOrg"}},
        {"id": "grant", "method": "POST", "url": f"/sites/{hr_site['id']}/permissions",
         "headers": JSON, "body": {"roles": ["read"], "grantedToIdentities": [
             {"application": {"id": str(uuid.uuid4()), "displayName": "Fidelity batch"}}]}},
    ]
    for request in requests_sent:
        fidelity.request(request["method"], request["url"], request["body"])

    run_batch(graph, fidelity, requests_sent, {"app": 201, "grant": 201})


def test_errors_in_a_batch_match_their_operations(graph, fidelity, hr_site):
    requests_sent = [
        {"id": "missing-app", "method": "GET", "url": f"/applications/{uuid.uuid4()}"},
        {"id": "missing-list", "method": "GET", "url": f"/sites/{hr_site['id']}/lists/{uuid.uuid4()}"},
        {"id": "dependent", "method": "GET", "url": "/organization", "dependsOn": ["missing-app"]},
    ]

    responses = run_batch(
        graph, fidelity, requests_sent, {"missing-app": 404, "missing-list": 404, "dependent": 424}
    )

    assert responses["missing-app"]["body"]["error"]["code"] == "Request_ResourceNotFound"
    assert responses["missing-list"]["body"]["error"]["code"] == "itemNotFound"
