//! The OpenAPI 3.1 document of an integration definition: create, read, update and delete of the
//! chosen lists' items through Microsoft Graph (docs/microsoft/sharepoint-content-writes.md),
//! with each list's fields typed: the JSON Schema type of each column's type, required columns
//! required when an item is created, read-only columns `readOnly`. What an integration
//! generator consumes. Paths name the real site and list ids, so a generated client needs nothing
//! else; tokens come from the connection's certificate (OAuth 2 client credentials).
//!
//! Items of a document library are files: Graph creates them through the drive, not `POST
//! …/items`, so a library gets read, update and delete only.

use serde_json::{Map, Value, json};
use spconnect_graph::sharepoint::ColumnType;

use crate::definition::{ColumnSpec, IntegrationDefinition, ListSpec};

/// The OpenAPI document of `definition` (validate it first).
pub fn document(definition: &IntegrationDefinition) -> Value {
    let keys = schema_keys(&definition.lists);
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("ODataError".into(), odata_error());
    for (list, key) in definition.lists.iter().zip(&keys) {
        add_list(list, key, &mut paths, &mut schemas);
    }
    let graph = definition.graph_host.trim_end_matches('/');
    let authority = definition.authority_host.trim_end_matches('/');
    let sites: Vec<String> =
        definition.lists.iter().map(|l| format!("{} ({})", l.list_name, l.site_name)).collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": definition.name.trim(),
            "version": "1.0.0",
            "description": format!(
                "Create, read, update and delete the items of {} through Microsoft Graph, as \
                 defined with spconnect by {}. Tokens: OAuth 2 client credentials with the \
                 connection's certificate.",
                sites.join(", "),
                definition.created_by
            ),
        },
        "servers": [{ "url": format!("{graph}/v1.0") }],
        "security": [{ "graph": [] }],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "graph": {
                    "type": "oauth2",
                    "description": "An app-only token for Microsoft Graph, got with the connection's certificate.",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": format!("{authority}/{}/oauth2/v2.0/token", definition.tenant_id),
                            "scopes": { format!("{graph}/.default"): "The application permissions granted to the connection." },
                        }
                    }
                }
            }
        }
    })
}

/// A schema name per list from its title (letters and digits, each word capitalised), made
/// unique with a number.
fn schema_keys(lists: &[ListSpec]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(lists.len());
    for list in lists {
        let mut base: String = list
            .list_name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|f| f.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        if base.is_empty() || base.starts_with(|c: char| c.is_ascii_digit()) {
            base.insert_str(0, "List");
        }
        let mut key = base.clone();
        let mut n = 2;
        while keys.contains(&key) {
            key = format!("{base}{n}");
            n += 1;
        }
        keys.push(key);
    }
    keys
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn odata_error() -> Value {
    json!({
        "type": "object",
        "description": "Graph's error answer.",
        "properties": {
            "error": {
                "type": "object",
                "properties": {
                    "code": { "type": "string" },
                    "message": { "type": "string" },
                    "innerError": { "type": "object" }
                },
                "required": ["code", "message"]
            }
        },
        "required": ["error"]
    })
}

/// The name a column's value has in `fields`: lookups and people are written and read by id.
fn field_name(column: &ColumnSpec) -> String {
    match column.column_type {
        ColumnType::Lookup { .. } | ColumnType::PersonOrGroup { .. } => {
            format!("{}LookupId", column.name)
        }
        _ => column.name.clone(),
    }
}

/// The JSON Schema of a column's value.
fn column_schema(column: &ColumnSpec) -> Value {
    let mut schema = match &column.column_type {
        ColumnType::Text { max_length, .. } => {
            let mut s = json!({ "type": "string" });
            if let Some(max) = max_length {
                s["maxLength"] = json!(max);
            }
            s
        }
        ColumnType::Number { minimum, maximum } => {
            let mut s = json!({ "type": "number" });
            if let Some(min) = minimum {
                s["minimum"] = json!(min);
            }
            if let Some(max) = maximum {
                s["maximum"] = json!(max);
            }
            s
        }
        ColumnType::Currency { .. } => json!({ "type": "number" }),
        ColumnType::Choice { choices, allow_text_entry }
            if !*allow_text_entry && !choices.is_empty() =>
        {
            json!({ "type": "string", "enum": choices })
        }
        ColumnType::Choice { .. } => json!({ "type": "string" }),
        ColumnType::DateTime { .. } => json!({ "type": "string", "format": "date-time" }),
        ColumnType::Boolean => json!({ "type": "boolean" }),
        ColumnType::Lookup { multiple, .. } | ColumnType::PersonOrGroup { multiple } => {
            if *multiple {
                json!({ "type": "array", "items": { "type": "integer" } })
            } else {
                // Graph answers lookup ids as strings and accepts numbers.
                json!({ "type": ["integer", "string"], "pattern": "^[0-9]+$" })
            }
        }
        ColumnType::Hyperlink { .. } => json!({
            "type": "object",
            "properties": {
                "Url": { "type": "string", "format": "uri" },
                "Description": { "type": "string" }
            }
        }),
        ColumnType::Calculated { output_type, .. } => match output_type.as_deref() {
            Some("number" | "currency") => json!({ "type": "number" }),
            Some("boolean") => json!({ "type": "boolean" }),
            Some("dateTime") => json!({ "type": "string", "format": "date-time" }),
            _ => json!({ "type": "string" }),
        },
        ColumnType::Other { .. } | ColumnType::Unknown => json!({}),
    };
    let title = if column.display_name.is_empty() { &column.name } else { &column.display_name };
    schema["title"] = json!(title);
    if let Some(description) = &column.description {
        schema["description"] = json!(description);
    }
    if column.read_only {
        schema["readOnly"] = json!(true);
    }
    schema
}

/// The schema of a list's `fields`, with `required` when `creating`.
fn fields_schema(list: &ListSpec, creating: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for column in &list.columns {
        let name = field_name(column);
        if creating && column.required && !column.read_only {
            required.push(json!(name));
        }
        properties.insert(name, column_schema(column));
    }
    let mut schema = json!({
        "type": "object",
        "description": format!("The fields of an item of {} ({}).", list.list_name, list.site_name),
        "properties": properties,
    });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    schema
}

fn add_list(
    list: &ListSpec,
    key: &str,
    paths: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
) {
    let fields = format!("{key}Fields");
    let new_fields = format!("{key}NewFields");
    let item = format!("{key}Item");
    let page = format!("{key}ItemPage");
    schemas.insert(fields.clone(), fields_schema(list, false));
    if !list.is_library {
        schemas.insert(new_fields.clone(), fields_schema(list, true));
    }
    schemas.insert(
        item.clone(),
        json!({
            "type": "object",
            "properties": {
                "id": { "type": "string", "readOnly": true },
                "eTag": { "type": "string", "readOnly": true },
                "createdDateTime": { "type": "string", "format": "date-time", "readOnly": true },
                "lastModifiedDateTime": { "type": "string", "format": "date-time", "readOnly": true },
                "webUrl": { "type": "string", "readOnly": true },
                "fields": reference(&fields),
            },
            "required": ["id"],
        }),
    );
    schemas.insert(
        page.clone(),
        json!({
            "type": "object",
            "properties": {
                "value": { "type": "array", "items": reference(&item) },
                "@odata.nextLink": { "type": "string", "description": "The next page: follow it as given." },
            },
            "required": ["value"],
        }),
    );
    let select: Vec<String> = list.columns.iter().map(field_name).collect();
    let expand = format!("fields(select={})", select.join(","));
    let base = format!("/sites/{}/lists/{}/items", list.site_id, list.list_id);
    let error = json!({ "description": "Graph refused or failed.", "content": { "application/json": { "schema": reference("ODataError") } } });
    let expand_parameter = json!({
        "name": "$expand", "in": "query", "required": false,
        "description": "Which fields come with the item.",
        "schema": { "type": "string", "default": expand },
    });
    let item_id = json!({ "name": "item-id", "in": "path", "required": true, "schema": { "type": "string" } });
    let json_of = |schema: Value| json!({ "application/json": { "schema": schema } });

    let mut collection = json!({
        "get": {
            "operationId": format!("list{key}Items"),
            "summary": format!("The items of {}", list.list_name),
            "parameters": [
                expand_parameter.clone(),
                { "name": "$top", "in": "query", "required": false, "schema": { "type": "integer", "minimum": 1 } },
                { "name": "$filter", "in": "query", "required": false, "description": "Only on indexed columns in large lists.", "schema": { "type": "string" } },
            ],
            "responses": { "200": { "description": "A page of items.", "content": json_of(reference(&page)) }, "default": error },
        }
    });
    if !list.is_library {
        collection["post"] = json!({
            "operationId": format!("create{key}Item"),
            "summary": format!("Create an item in {}", list.list_name),
            "requestBody": {
                "required": true,
                "content": json_of(json!({ "type": "object", "properties": { "fields": reference(&new_fields) }, "required": ["fields"] })),
            },
            "responses": { "201": { "description": "The item created.", "content": json_of(reference(&item)) }, "default": error },
        });
    }
    paths.insert(base.clone(), collection);
    paths.insert(
        format!("{base}/{{item-id}}"),
        json!({
            "parameters": [item_id.clone()],
            "get": {
                "operationId": format!("get{key}Item"),
                "summary": format!("One item of {}", list.list_name),
                "parameters": [expand_parameter],
                "responses": { "200": { "description": "The item.", "content": json_of(reference(&item)) }, "default": error },
            },
            "delete": {
                "operationId": format!("delete{key}Item"),
                "summary": format!("Delete an item of {}", list.list_name),
                "responses": { "204": { "description": "Deleted." }, "default": error },
            },
        }),
    );
    paths.insert(
        format!("{base}/{{item-id}}/fields"),
        json!({
            "parameters": [item_id],
            "patch": {
                "operationId": format!("update{key}Item"),
                "summary": format!("Change values of an item of {}", list.list_name),
                "requestBody": { "required": true, "content": json_of(reference(&fields)) },
                "responses": { "200": { "description": "The item's values after the change.", "content": json_of(reference(&fields)) }, "default": error },
            },
        }),
    );
}
