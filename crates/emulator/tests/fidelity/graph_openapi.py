"""Microsoft's Graph v1.0 OpenAPI description (the module files in `openapi/`, all from one
commit, see `openapi/SOURCE.md`) as a checker of request and response bodies.

- Modules: each file is one module of the per-module split Microsoft builds its PowerShell SDK
  from. Paths and component definitions are merged in the order the files are given; the first
  module that defines a path or a component wins (the modules come from one generator run, so
  shared components agree up to descriptions).
- `/me` is the signed-in user: Microsoft documents `GET /me` and `GET /users/{id}` as the same
  operation (https://learn.microsoft.com/graph/api/user-get, and `/me/transitiveMemberOf` with
  `/users/{id}/transitiveMemberOf`: https://learn.microsoft.com/graph/api/user-list-transitivememberof).
  The PowerShell split leaves the `/me` paths out, so `/me` is looked up as `/users/{user-id}`;
  likewise a site addressed by path (`/sites/{hostname}:/{path}`) as `/sites/{site-id}` (`ALIASES`).
- Graph's generator writes `additionalProperties: {type: object}` on its object schemas, meaning
  "open type: keep unknown properties" (SOURCE.md, "Validating JSON against these schemas"). Read
  as JSON Schema it rejects every property defined in a sibling `allOf` branch (a site's
  `displayName` fails the `entity` branch), and also the documented members of open types such as
  `ODataErrors.InnerError` (`date`, `request-id`: strings). Those entries are removed; properties
  a schema does not declare are reported separately by `undeclared_properties`.
- Nullability of complex properties: the generator writes every complex-typed property as a bare
  `$ref` (it has no form for "nullable complex"), while Graph returns `null` for unset ones (its
  documented examples: `"certification": null`, `"optionalClaims": null`,
  `"samlSingleSignOnSettings": null`). A `null` value of such a property is treated as absent.
- Instance annotations (`@odata.context`, `@odata.etag`, `@deprecated.X`, …) are OData control
  information, not properties: they are taken out before validating and checked on their own.
- Undeclared properties: a property that neither the declared type nor a type derived from it
  (OData polymorphism, e.g. `sharepointIdentitySet` for an `identitySet`) declares is reported.
  Types documented as open (`OPEN_TYPES`) may carry more; `DYNAMIC_TYPES` are made of them.
- Validation: `openapi_schema_validator.OAS30Validator` with OAS 3.0 format checking, plus a
  lenient `base64url` check (base64 or base64url text) for Graph's `Edm.Binary` properties.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml
from jsonschema.exceptions import ValidationError, best_match
from openapi_schema_validator import OAS30Validator, oas30_format_checker

OPEN_TYPE = {"type": "object"}
STRING_ANNOTATIONS = ("@odata.context", "@odata.nextLink", "@odata.deltaLink", "@odata.type",
                      "@odata.etag", "@odata.id", "@odata.editLink")

# Entity types Graph documents as open ("This resource is an open type that allows additional
# properties beyond those documented here"): undeclared properties are worth a warning only.
OPEN_TYPES = {"microsoft.graph.application", "microsoft.graph.servicePrincipal"}
# Types whose members are all dynamic: list item column values, service-specific error details.
DYNAMIC_TYPES = {"microsoft.graph.fieldValueSet", "microsoft.graph.ODataErrors.InnerError"}

FORMAT_CHECKER = copy.deepcopy(oas30_format_checker)


@FORMAT_CHECKER.checks("base64url", raises=(binascii.Error, ValueError))
def _is_base64url(instance: object) -> bool:
    """Edm.Binary text: base64url (OData JSON) or plain base64, padded or not."""
    if not isinstance(instance, str):
        return True
    text = instance.replace("-", "+").replace("_", "/")
    base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    return True


def _load(path: Path) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)


def _strip_open_type_markers(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: _strip_open_type_markers(value)
            for key, value in node.items()
            if not (key == "additionalProperties" and value == OPEN_TYPE)
        }
    if isinstance(node, list):
        return [_strip_open_type_markers(value) for value in node]
    return node


def strip_annotations(instance: Any) -> Any:
    """The instance without OData instance annotations (keys starting with `@`), at any depth."""
    if isinstance(instance, dict):
        return {k: strip_annotations(v) for k, v in instance.items() if not k.startswith("@")}
    if isinstance(instance, list):
        return [strip_annotations(v) for v in instance]
    return instance


def json_path(parts) -> str:
    text = "$"
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass
class Operation:
    """One operation of the description: which file it came from, its template and definition."""

    source: str
    template: str
    method: str
    definition: dict

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.template} ({self.source})"


# The modules in `openapi/`, in the order their paths and components are merged.
MODULES = ("Applications.yml", "Sites.yml", "Files.yml", "Users.yml",
           "Identity.DirectoryManagement.yml")

# Path prefixes Microsoft documents as aliases of a path the description has (see the notes
# above), as (pattern, replacement): `/me` is the signed-in user; a site addressed by its path,
# `/sites/{hostname}:/{server-relative-path}` (ending there or with `:`), is the site
# (https://learn.microsoft.com/graph/api/site-getbypath).
ALIASES = (
    (re.compile(r"^/me(?=/|$)"), "/users/{user-id}"),
    (re.compile(r"^/sites/[^/]+:(/[^:]*)?(:(?=/|$)|$)"), "/sites/{site-id}"),
)


class GraphDescription:
    def __init__(self, *modules: Path) -> None:
        documents = [(path.name, _load(path)) for path in modules]
        schemas: dict[str, Any] = {}
        self.responses: dict[str, Any] = {}
        self.schema_source: dict[str, str] = {}
        self._paths: list[tuple[re.Pattern, int, str, str, dict]] = []
        templates: set[str] = set()
        for source, document in documents:
            components = document.get("components", {})
            for name, schema in components.get("schemas", {}).items():
                if name not in schemas:
                    schemas[name], self.schema_source[name] = schema, source
            for name, response in components.get("responses", {}).items():
                self.responses.setdefault(name, response)
            for template, item in document["paths"].items():
                if template in templates:
                    continue
                templates.add(template)
                pattern, literal = self._template_pattern(template)
                self._paths.append((pattern, literal, source, template, item))
        self.schemas = _strip_open_type_markers(schemas)
        self._derived = self._derived_types()

    # ---- paths ------------------------------------------------------------------------------

    @staticmethod
    def _template_pattern(template: str) -> tuple[re.Pattern, int]:
        parts = re.split(r"(\{[^}]+\})", template)
        regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
        literal = sum(len(p) for p in parts if not p.startswith("{"))
        return re.compile(f"^{regex}$"), literal

    def operation(self, method: str, path: str) -> Operation | None:
        """The operation for a concrete request path (after `/v1.0`, without query). Action and
        function segments may be given without their `microsoft.graph.` namespace and a
        function without its `()`, as clients send them; `/me` stands for the signed-in user."""
        path = path.split("?", 1)[0]
        for alias, target in ALIASES:
            path = alias.sub(target, path, count=1)
        candidates = [path]
        head, _, last = path.rpartition("/")
        if head and not last.startswith("microsoft.graph."):
            candidates.append(f"{head}/microsoft.graph.{last}")
        if not last.endswith(")"):
            candidates += [f"{candidate}()" for candidate in candidates[1:]]
        found = [
            (literal, source, template, item)
            for candidate in candidates
            for pattern, literal, source, template, item in self._paths
            if pattern.match(candidate) and method.lower() in item
        ]
        if not found:
            return None
        # The template with the most literal text: `/sites/microsoft.graph.getAllSites()` over
        # `/sites/{site-id}`.
        literal, source, template, item = max(found, key=lambda f: f[0])
        return Operation(source, template, method.lower(), item[method.lower()])

    # ---- schemas of an operation -----------------------------------------------------------

    def _deref_response(self, response: dict) -> dict:
        while "$ref" in response:
            response = self.responses[response["$ref"].rsplit("/", 1)[-1]]
        return response

    def success(self, operation: Operation, status: int) -> tuple[str, dict | None]:
        """The response key (`200`, `201`, `2XX`) for `status` and its application/json schema."""
        responses = operation.definition.get("responses", {})
        for key in (str(status), f"{str(status)[0]}XX"):
            if key in responses:
                content = self._deref_response(responses[key]).get("content", {})
                schema = content.get("application/json", {}).get("schema")
                return key, _strip_open_type_markers(schema) if schema else None
        raise KeyError(f"{operation} describes no {status} response (has {sorted(responses)})")

    def error(self, operation: Operation) -> dict:
        response = self._deref_response(operation.definition["responses"]["default"])
        return response["content"]["application/json"]["schema"]

    def request_body(self, operation: Operation) -> dict:
        body = operation.definition["requestBody"]
        return _strip_open_type_markers(body["content"]["application/json"]["schema"])

    def resolve(self, schema: dict) -> dict:
        while isinstance(schema, dict) and "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def collection_items(self, schema: dict) -> dict | None:
        """The item schema if `schema` describes a collection page (`value` array)."""
        value = self.resolve(schema).get("properties", {}).get("value")
        if value and self.resolve(value).get("type") == "array":
            return self.resolve(value)["items"]
        return None

    # ---- validation -------------------------------------------------------------------------

    def validate(self, instance: Any, schema: dict, prefix=()) -> list[str]:
        """Problems of `instance` (annotations removed) against `schema`, as readable lines."""
        root = dict(schema)
        root["components"] = {"schemas": self.schemas}
        validator = OAS30Validator(root, format_checker=FORMAT_CHECKER)
        problems = []
        prepared = self.prepare(instance, schema)
        for error in sorted(validator.iter_errors(prepared), key=lambda e: list(e.absolute_path)):
            problems.append(self._describe(error, prefix))
        return problems

    def _is_complex_ref(self, schema: Any) -> bool:
        if not (isinstance(schema, dict) and set(schema) == {"$ref"}):
            return False
        target = self.resolve(schema)
        return "allOf" in target or target.get("type") == "object" or "properties" in target

    def prepare(self, instance: Any, schema: Any) -> Any:
        """The instance as the validator should see it: without OData annotations, and without
        `null` values of complex-typed properties (see the module notes)."""
        if isinstance(instance, list):
            items = self._items(schema)
            return [self.prepare(v, items) if items is not None else strip_annotations(v) for v in instance]
        if not isinstance(instance, dict):
            return instance
        declared = self._declared(schema)
        prepared = {}
        for key, value in instance.items():
            if key.startswith("@"):
                continue
            sub = declared.get(key)
            if value is None and self._is_complex_ref(sub):
                continue
            prepared[key] = self.prepare(value, sub) if sub is not None else strip_annotations(value)
        return prepared

    @staticmethod
    def _describe(error: ValidationError, prefix) -> str:
        where = json_path([*prefix, *error.absolute_path])
        message = error.message
        if error.context:
            deepest = best_match(error.context)
            message += f" (closest branch: {json_path([*prefix, *deepest.absolute_path])}: {deepest.message})"
        if len(message) > 600:
            message = message[:600] + "…"
        return f"{where}: {message} [schema: {'/'.join(map(str, error.absolute_schema_path))}]"

    def annotation_problems(self, instance: Any, prefix=()) -> list[str]:
        """OData annotations whose values have the wrong JSON type."""
        problems = []

        def walk(node, parts):
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in STRING_ANNOTATIONS and not isinstance(value, str):
                        problems.append(f"{json_path(parts + [key])}: annotation is not a string: {value!r}")
                    if key == "@odata.count" and not isinstance(value, int):
                        problems.append(f"{json_path(parts + [key])}: @odata.count is not an integer")
                    walk(value, parts + [key])
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    walk(value, parts + [index])

        walk(instance, list(prefix))
        return problems

    # ---- properties a schema does not declare ---------------------------------------------

    def _derived_types(self) -> dict[str, set[str]]:
        """Schema name -> names of the schemas derived from it (directly or not) through allOf."""
        direct: dict[str, set[str]] = {}
        for name, schema in self.schemas.items():
            for branch in schema.get("allOf", []) if isinstance(schema, dict) else []:
                if isinstance(branch, dict) and "$ref" in branch:
                    direct.setdefault(branch["$ref"].rsplit("/", 1)[-1], set()).add(name)
        derived: dict[str, set[str]] = {}
        for base in direct:
            pending, found = list(direct[base]), set()
            while pending:
                name = pending.pop()
                if name not in found:
                    found.add(name)
                    pending.extend(direct.get(name, ()))
            derived[base] = found
        return derived

    @staticmethod
    def _ref_name(schema: Any) -> str | None:
        if isinstance(schema, dict) and "$ref" in schema:
            return schema["$ref"].rsplit("/", 1)[-1]
        return None

    def _declared(self, schema: Any, seen=None, derived=True) -> dict[str, Any]:
        """Property name -> subschema, over $ref, allOf, anyOf and oneOf; with `derived`, also the
        properties of the types derived from a referenced type."""
        seen = set() if seen is None else seen
        if not isinstance(schema, dict):
            return {}
        name = self._ref_name(schema)
        if name is not None:
            if name in seen:
                return {}
            declared = self._declared(self.schemas.get(name, {}), seen | {name}, derived=False)
            if derived:
                for sub in sorted(self._derived.get(name, ())):
                    for key, value in self._declared(self.schemas[sub], seen | {name, sub}, False).items():
                        declared.setdefault(key, value)
            return declared
        declared = dict(schema.get("properties", {}))
        for keyword in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(keyword, []):
                for key, sub in self._declared(branch, seen, derived).items():
                    declared.setdefault(key, sub)
        return declared

    def _type_name(self, schema: Any) -> str | None:
        """The component name of an object schema (following anyOf/oneOf to a $ref)."""
        name = self._ref_name(schema)
        if name or not isinstance(schema, dict):
            return name
        for keyword in ("anyOf", "oneOf"):
            for branch in schema.get(keyword, []):
                name = self._ref_name(branch)
                if name:
                    return name
        return None

    def _items(self, schema: Any) -> Any:
        schema = self.resolve(schema)
        if isinstance(schema, dict):
            if schema.get("type") == "array":
                return schema.get("items")
            for keyword in ("anyOf", "oneOf", "allOf"):
                for branch in schema.get(keyword, []):
                    items = self._items(branch)
                    if items is not None:
                        return items
        return None

    def undeclared_properties(self, instance: Any, schema: Any, prefix=()) -> Iterator[tuple[str, str | None]]:
        """(JSON path, declaring type name) of the properties (not annotations) that the schema
        does not declare. Dynamic types, and schemas that declare nothing, are not looked into."""
        if isinstance(instance, list):
            items = self._items(schema)
            if items is not None:
                for index, value in enumerate(instance):
                    yield from self.undeclared_properties(value, items, (*prefix, index))
            return
        if not isinstance(instance, dict):
            return
        type_name = self._type_name(schema)
        if type_name in DYNAMIC_TYPES:
            return
        declared = self._declared(schema)
        if not declared:
            return
        for key, value in instance.items():
            if key.startswith("@"):
                continue
            if key not in declared:
                yield json_path([*prefix, key]), type_name
            else:
                yield from self.undeclared_properties(value, declared[key], (*prefix, key))
