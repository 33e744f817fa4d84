"""Files of a document library through Graph: a library item's driveItem against Microsoft's
Graph description, and its content as a redirect to the pre-authenticated download URL."""

from __future__ import annotations

import requests

from emulator_harness import SHAREPOINT_HOST, expect


def _documents_item(graph) -> str:
    site = expect(graph.get(f"/sites/{SHAREPOINT_HOST}:/sites/hr"), 200)
    return f"/sites/{site['id']}/lists/Documents/items/1"


def test_get_library_item_drive_item_matches_description(graph, fidelity):
    item = fidelity.response(graph.get(f"{_documents_item(graph)}/driveItem"), 200)

    assert item["name"] == "Welcome.docx"
    assert item["@microsoft.graph.downloadUrl"].startswith(graph.root.removesuffix("/v1.0"))


def test_drive_item_content_redirects_to_a_download_url_without_a_token(graph):
    reply = graph.get(f"{_documents_item(graph)}/driveItem/content")
    assert reply.status_code == 302, reply.text

    with requests.Session() as session:
        session.trust_env = False  # loopback only
        download = session.get(reply.headers["Location"], timeout=10)

    assert download.status_code == 200
    assert download.content.startswith(b"Welcome.docx")
