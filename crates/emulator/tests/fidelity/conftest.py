"""Fixtures for the schema-fidelity tests: the emulator (plain HTTP on 127.0.0.1), Microsoft's
Graph OpenAPI description, Graph clients (an administrator's delegated token, and an app-only
token), and `fidelity`, which checks request and response bodies against the operation the
description gives for the request's path, and each response inside a JSON batch against the
operation its request addresses."""

from __future__ import annotations

import sys
import urllib.parse
import warnings
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "independent"))  # the shared emulator_harness module

from emulator_harness import (  # noqa: E402
    ADMIN,
    Graph,
    RunningEmulator,
    app_only_token,
    create_connection_app,
    delegated_token,
)
from graph_openapi import MODULES, OPEN_TYPES, GraphDescription, Operation  # noqa: E402


class UndeclaredPropertyWarning(UserWarning):
    """A property of an open type (see graph_openapi.OPEN_TYPES) that the description lacks."""


@pytest.fixture(scope="session")
def emulator():
    running = RunningEmulator()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def description() -> GraphDescription:
    return GraphDescription(*(HERE / "openapi" / name for name in MODULES))


@pytest.fixture(scope="session")
def graph(emulator) -> Graph:
    """Graph with the administrator's delegated token (spconnect's consented scopes)."""
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy, no CA bundle from the environment
    token = delegated_token(session, emulator.base_url, *ADMIN)
    yield Graph(session, emulator.base_url, token["access_token"])
    session.close()


@pytest.fixture(scope="session")
def app_graph(emulator, graph) -> Graph:
    """Graph with an application token (client credentials, certificate) of a new connection
    app that holds Graph's `Sites.Read.All` application permission."""
    app = create_connection_app(graph, "Sites.Read.All", "Fidelity app-only client")
    session = requests.Session()
    session.trust_env = False
    token = app_only_token(session, emulator.base_url, app.app_id, app.certificate)
    yield Graph(session, emulator.base_url, token["access_token"])
    session.close()


class Fidelity:
    """Checks bodies against the description and fails with: the operation, the JSON path and
    what the validator said."""

    def __init__(self, description: GraphDescription) -> None:
        self.description = description

    def operation(self, method: str, path: str) -> Operation:
        operation = self.description.operation(method, path)
        if operation is None:
            pytest.fail(f"the description has no operation for {method} {path}")
        return operation

    @staticmethod
    def _path(reply: requests.Response) -> str:
        path = urllib.parse.unquote(urllib.parse.urlsplit(reply.request.url).path)
        return path.removeprefix("/v1.0")

    def _fail(self, title: str, problems: list[str]) -> None:
        if problems:
            pytest.fail(f"{title}:\n  " + "\n  ".join(problems), pytrace=False)

    def request(self, method: str, path: str, body: dict) -> None:
        """The request body we are about to send is what the operation's requestBody describes."""
        operation = self.operation(method, path)
        schema = self.description.request_body(operation)
        problems = self.description.validate(body, schema)
        problems += [
            f"{where}: not a property of the request body schema"
            for where, _ in self.description.undeclared_properties(body, schema)
        ]
        self._fail(f"request body of {operation} does not match the description", problems)

    def response(self, reply: requests.Response, status: int) -> dict:
        """Checks the status, then the body against the operation's success response schema
        (collections: every `value` item against the item schema). Returns the body."""
        method, path = reply.request.method, self._path(reply)
        self._status(method, path, reply.status_code, status, reply.text)
        body = reply.json() if reply.content else None
        self._fail(*self.success_problems(method, path, status, body))
        return body

    def error(self, reply: requests.Response, status: int) -> dict:
        """An error answer: the status, and the body against the operation's `default` response."""
        method, path = reply.request.method, self._path(reply)
        self._status(method, path, reply.status_code, status, reply.text)
        body = reply.json()
        self._fail(*self.error_problems(method, path, status, body))
        return body

    def batch(self, reply: requests.Response, requests_sent: list[dict], statuses: dict[str, int]) -> dict:
        """A JSON batch (https://learn.microsoft.com/graph/json-batching): the envelope (200, one
        response per request id with `id`, integer `status`, `headers` object, `body`), then each
        response's status as `statuses[id]` and its body against the operation its request
        addresses (method + url): the success schema, or the `default` error schema."""
        self._status("POST", "/$batch", reply.status_code, 200, reply.text)
        body = reply.json()
        responses = body.get("responses")
        if not isinstance(responses, list):
            self._fail("POST /$batch", ["$.responses: missing or not an array"])
        by_id = {r.get("id"): r for r in responses if isinstance(r, dict)}
        sent = {r["id"]: r for r in requests_sent}
        envelope = [f"$.responses: {len(responses)} responses for {len(sent)} requests"] if len(responses) != len(sent) else []
        envelope += [f"request {i!r}: no response" for i in sent if i not in by_id]
        for index, inner in enumerate(responses):
            where = f"$.responses[{index}]"
            if not isinstance(inner, dict) or inner.get("id") not in sent:
                envelope.append(f"{where}: not an object with the id of a request: {inner!r:.200}")
                continue
            if not isinstance(inner.get("status"), int) or isinstance(inner.get("status"), bool):
                envelope.append(f"{where}.status: not an integer")
            if "headers" in inner and not isinstance(inner["headers"], dict):
                envelope.append(f"{where}.headers: not an object")
        self._fail("POST /$batch: the batch envelope", envelope)
        for request_id, request in sent.items():
            inner = by_id[request_id]
            path = self._inner_path(request["url"])
            method = request["method"].upper()
            title = f"$batch request {request_id!r} ({method} {path})"
            self._status(title, "", inner["status"], statuses[request_id], repr(inner.get("body"))[:1500])
            content_type = {k.lower(): v for k, v in inner.get("headers", {}).items()}.get("content-type", "")
            if "body" in inner and not content_type.startswith("application/json"):
                self._fail(title, [f"headers: Content-Type {content_type!r} for a JSON body"])
            if inner["status"] < 400:
                self._fail(*self.success_problems(method, path, inner["status"], inner.get("body"), title))
            else:
                self._fail(*self.error_problems(method, path, inner["status"], inner.get("body"), title))
        return body

    @staticmethod
    def _inner_path(url: str) -> str:
        """The path a batch request's relative `url` addresses, as in a top-level request."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        path = "/" + path.lstrip("/")
        return path.removeprefix("/v1.0")

    @staticmethod
    def _status(method: str, path: str, actual: int, expected: int, text: str) -> None:
        if actual != expected:
            pytest.fail(f"{method} {path} answered {actual}, expected {expected}: {text[:1500]}",
                        pytrace=False)

    def success_problems(self, method, path, status, body, title=None) -> tuple[str, list[str]]:
        """(title, problems) of a success body against the operation's success response schema."""
        operation = self.operation(method, path)
        key, schema = self.description.success(operation, status)
        title = f"{title or f'{method} {path}'} → {status}, against {operation} response {key}"
        if body is None:
            return title, []
        if schema is None:  # a body the description cannot check is a failure, never a pass
            return title, ["the description gives no JSON schema for this response's body"]
        problems = self.description.annotation_problems(body)
        items = self.description.collection_items(schema)
        if items is not None:
            if not isinstance(body.get("value"), list):
                return title, ["$.value: missing or not an array"]
            for index, item in enumerate(body["value"]):
                prefix = ("value", index)
                problems += self.description.validate(item, items, prefix)
                problems += self._undeclared(item, items, prefix, title)
        else:
            problems += self.description.validate(body, schema)
            problems += self._undeclared(body, schema, (), title)
        return title, problems

    def error_problems(self, method, path, status, body, title=None) -> tuple[str, list[str]]:
        """(title, problems) of an error body against the operation's `default` response."""
        operation = self.operation(method, path)
        schema = self.description.error(operation)
        title = f"{title or f'{method} {path}'} → {status}, against {operation} response default"
        if body is None:
            return title, ["no error body"]
        problems = self.description.validate(body, schema)
        problems += self._undeclared(body, schema, (), title)
        return title, problems

    def _undeclared(self, instance, schema, prefix, title) -> list[str]:
        """Undeclared properties: failures, except on open types (a warning there)."""
        problems = []
        for where, type_name in self.description.undeclared_properties(instance, schema, prefix):
            if type_name in OPEN_TYPES:
                warnings.warn(UndeclaredPropertyWarning(
                    f"{title}: {where} is not declared by {type_name} (an open type)"))
            else:
                problems.append(f"{where}: {type_name or 'the schema'} declares no such property")
        return problems


@pytest.fixture(scope="session")
def fidelity(description) -> Fidelity:
    return Fidelity(description)
