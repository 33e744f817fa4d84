//! The OpenAPI export of an integration definition: typed fields (each column type's JSON Schema
//! type, required columns required on create, read-only columns read-only), lookups by id, no
//! create on a library, and the whole document valid OpenAPI 3.1 for a published validator
//! (openapi-spec-validator, from the test environment `scripts/test` installs). A broken
//! document is refused by the same validator, so the check can fail.

#[path = "../../../tests/support/openapi_validator.rs"]
mod openapi_validator;

use openapi_validator::validate;
use serde_json::json;
use spconnect_connections::{DefinitionError, IntegrationDefinition, ListSpec, openapi};
use spconnect_graph::sharepoint::{Column, ColumnType, List, Site};

fn column(name: &str, column_type: ColumnType, required: bool, read_only: bool) -> Column {
    Column {
        id: format!("id-{name}"),
        name: name.into(),
        display_name: format!("The {name}"),
        description: None,
        column_type,
        required,
        indexed: false,
        read_only,
        hidden: false,
        unique: false,
        default_value: None,
    }
}

fn site() -> Site {
    Site {
        id: "contoso.sharepoint.com,1111,2222".into(),
        name: "hr".into(),
        display_name: "Human <b>Resources</b>".into(),
        web_url: "https://contoso.sharepoint.com/sites/hr".into(),
        description: None,
        is_root: true,
    }
}

fn employees() -> List {
    List {
        id: "list-employees".into(),
        name: "Employees".into(),
        display_name: "Employees & \"friends\"".into(),
        web_url: String::new(),
        description: None,
        template: "genericList".into(),
        hidden: false,
        system: false,
        columns: vec![
            column(
                "Title",
                ColumnType::Text { multiple_lines: false, max_length: Some(255) },
                true,
                false,
            ),
            column(
                "Level",
                ColumnType::Number { minimum: Some(1.0), maximum: Some(9.0) },
                false,
                false,
            ),
            column(
                "Status",
                ColumnType::Choice {
                    choices: vec!["Active".into(), "Leaver".into()],
                    allow_text_entry: false,
                },
                true,
                false,
            ),
            column("Start", ColumnType::DateTime { date_only: true }, false, false),
            column("Remote", ColumnType::Boolean, false, false),
            column("Salary", ColumnType::Currency { locale: Some("en-us".into()) }, false, false),
            column(
                "Department",
                ColumnType::Lookup {
                    list_id: "x".into(),
                    column_name: "Title".into(),
                    multiple: false,
                },
                true,
                false,
            ),
            column("Mentors", ColumnType::PersonOrGroup { multiple: true }, false, false),
            column("Profile", ColumnType::Hyperlink { is_picture: false }, false, false),
            column(
                "Band",
                ColumnType::Calculated {
                    output_type: Some("number".into()),
                    formula: Some("=[Level]*2".into()),
                },
                true,
                false,
            ),
            column("Modified", ColumnType::DateTime { date_only: false }, false, true),
            column("Odd", ColumnType::Unknown, false, false),
        ],
    }
}

fn documents() -> List {
    List {
        id: "list-docs".into(),
        name: "Shared Documents".into(),
        display_name: "Documents".into(),
        web_url: String::new(),
        description: None,
        template: "documentLibrary".into(),
        hidden: false,
        system: false,
        columns: vec![column(
            "Title",
            ColumnType::Text { multiple_lines: false, max_length: None },
            false,
            false,
        )],
    }
}

fn definition() -> IntegrationDefinition {
    let all: Vec<String> = employees().columns.iter().map(|c| c.name.clone()).collect();
    IntegrationDefinition {
        name: "HR sync".into(),
        tenant_id: "b5a1c6d2-3e4f-4a5b-8c9d-0e1f2a3b4c5d".into(),
        graph_host: "https://graph.microsoft.com".into(),
        authority_host: "https://login.microsoftonline.com".into(),
        created_by: "admin@contoso.onmicrosoft.com".into(),
        created_at: 1_796_000_000,
        lists: vec![
            ListSpec::new(&site(), &employees(), &all).expect("employees"),
            ListSpec::new(&site(), &documents(), &["Title".to_owned()]).expect("documents"),
        ],
    }
}

#[test]
fn the_export_types_every_field_and_is_valid_openapi_3_1() {
    let definition = definition();
    definition.validate().expect("a valid definition");
    let document = openapi::document(&definition);
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], "https://graph.microsoft.com/v1.0");
    let schemas = &document["components"]["schemas"];
    let fields = &schemas["EmployeesFriendsFields"]["properties"];
    assert_eq!(fields["Title"]["type"], "string");
    assert_eq!(fields["Title"]["maxLength"], 255);
    assert_eq!(fields["Level"]["minimum"], 1.0);
    assert_eq!(fields["Status"]["enum"], json!(["Active", "Leaver"]));
    assert_eq!(fields["Start"]["format"], "date-time");
    assert_eq!(fields["Remote"]["type"], "boolean");
    assert_eq!(fields["Salary"]["type"], "number");
    assert_eq!(fields["DepartmentLookupId"]["type"], json!(["integer", "string"]));
    assert_eq!(fields["MentorsLookupId"]["type"], "array");
    assert_eq!(fields["Profile"]["properties"]["Url"]["format"], "uri");
    assert_eq!(fields["Band"]["readOnly"], true, "calculated columns are never written");
    assert_eq!(fields["Modified"]["readOnly"], true);
    assert_eq!(fields["Odd"]["title"], "The Odd");
    assert!(schemas["EmployeesFriendsFields"].get("required").is_none(), "updates require nothing");
    assert_eq!(
        schemas["EmployeesFriendsNewFields"]["required"],
        json!(["Title", "Status", "DepartmentLookupId"]),
        "required and writable columns are required on create"
    );
    let items = "/sites/contoso.sharepoint.com,1111,2222/lists/list-employees/items";
    assert!(document["paths"][items]["post"].is_object());
    assert!(document["paths"][format!("{items}/{{item-id}}/fields")]["patch"].is_object());
    let library = "/sites/contoso.sharepoint.com,1111,2222/lists/list-docs/items";
    assert!(document["paths"][library]["get"].is_object());
    assert!(document["paths"][library].get("post").is_none(), "files are not created as items");
    assert!(
        document["info"]["description"].as_str().expect("text").contains("Human <b>Resources</b>")
    );

    match validate(&document) {
        Some(result) => result.expect("openapi-spec-validator accepts the export"),
        None => {
            eprintln!("skipped the validator: target/pyenv is missing (scripts/test installs it)")
        }
    }
}

#[test]
fn the_validator_refuses_a_broken_document() {
    let mut document = openapi::document(&definition());
    document["paths"]["/sites/x/lists/y/items"] = json!({"get": {"responses": "not an object"}});
    if let Some(result) = validate(&document) {
        assert!(result.is_err(), "a broken document must be refused");
    }
}

#[test]
fn a_definition_a_person_got_wrong_is_refused_in_plain_words() {
    let mut empty = definition();
    empty.lists.clear();
    assert_eq!(empty.validate(), Err(DefinitionError::NoLists));
    let mut unnamed = definition();
    unnamed.name = "  ".into();
    assert!(matches!(unnamed.validate(), Err(DefinitionError::InvalidName(_))));
    let mut twice = definition();
    twice.lists.push(twice.lists[0].clone());
    assert_eq!(
        twice.validate().map_err(|e| e.to_string()),
        Err("Employees & \"friends\" is in the definition twice.".into())
    );
    let unknown = ListSpec::new(&site(), &employees(), &["Nope".to_owned()]);
    assert_eq!(
        unknown.map_err(|e| e.to_string()),
        Err("Employees & \"friends\" has no column named Nope.".into())
    );
    assert_eq!(definition().site_ids(), ["contoso.sharepoint.com,1111,2222"]);
}
