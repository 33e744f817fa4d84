"""Fixtures for the schema-fidelity tests: the emulator (plain HTTP on 127.0.0.1), Microsoft's
Graph OpenAPI description, an administrator's Graph client, and `fidelity`, which checks request
and response bodies against the operation the description gives for the request's path."""

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

from emulator_harness import ADMIN, Graph, RunningEmulator, delegated_token  # noqa: E402
from graph_openapi import OPEN_TYPES, GraphDescription, Operation  # noqa: E402


class UndeclaredPropertyWarning(UserWarning):
    """A property of an open type (see graph_openapi.OPEN_TYPES) that the description lacks."""


@pytest.fixture(scope="session")
def emulator():
    running = RunningEmulator()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def description() -> GraphDescription:
    return GraphDescription(HERE / "openapi" / "Applications.yml", HERE / "openapi" / "Sites.yml")


@pytest.fixture(scope="session")
def graph(emulator) -> Graph:
    """Graph with the administrator's delegated token (spconnect's consented scopes)."""
    session = requests.Session()
    session.trust_env = False  # loopback only: no proxy, no CA bundle from the environment
    token = delegated_token(session, emulator.base_url, *ADMIN)
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
        if reply.status_code != status:
            pytest.fail(
                f"{method} {path} answered {reply.status_code}, expected {status}: {reply.text[:1500]}",
                pytrace=False,
            )
        operation = self.operation(method, path)
        key, schema = self.description.success(operation, status)
        body = reply.json() if reply.content else None
        if schema is None or body is None:
            return body
        title = f"{method} {path} → {status}, against {operation} response {key}"
        problems = self.description.annotation_problems(body)
        items = self.description.collection_items(schema)
        if items is not None:
            if not isinstance(body.get("value"), list):
                self._fail(title, ["$.value: missing or not an array"])
            for index, item in enumerate(body["value"]):
                prefix = ("value", index)
                problems += self.description.validate(item, items, prefix)
                problems += self._undeclared(item, items, prefix, title)
        else:
            problems += self.description.validate(body, schema)
            problems += self._undeclared(body, schema, (), title)
        self._fail(title, problems)
        return body

    def error(self, reply: requests.Response, status: int) -> dict:
        """An error answer: the status, and the body against the operation's `default` response."""
        method, path = reply.request.method, self._path(reply)
        if reply.status_code != status:
            pytest.fail(
                f"{method} {path} answered {reply.status_code}, expected {status}: {reply.text[:1500]}",
                pytrace=False,
            )
        operation = self.operation(method, path)
        schema = self.description.error(operation)
        body = reply.json()
        problems = self.description.validate(body, schema)
        title = f"{method} {path} → {status}, against {operation} response default"
        problems += self._undeclared(body, schema, (), title)
        self._fail(title, problems)
        return body

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
