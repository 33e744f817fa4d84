//! Generated large tenants: the same operations answer for generated sites, lists and columns.

mod common;

use common::*;
use spconnect_emulator::{Config, TenantSpec};

#[test]
fn tenant_specs_parse_and_refuse_bad_sizes() {
    assert_eq!("demo".parse::<TenantSpec>(), Ok(TenantSpec::Demo));
    assert_eq!(
        "large:10000:20:30".parse::<TenantSpec>(),
        Ok(TenantSpec::Large { sites: 10_000, lists: 20, columns: 30 })
    );
    for bad in ["large:0:1:1", "large:1:1", "large:x:1:1", "large:1:1:100000", "huge"] {
        assert!(bad.parse::<TenantSpec>().is_err(), "{bad}");
    }
}

#[test]
fn generated_sites_lists_columns_items_and_drives_answer() {
    let client = Client::start_with(Config {
        tenant: TenantSpec::Large { sites: 300, lists: 20, columns: 30 },
        ..Config::default()
    });
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    let found = client.graph("GET", "/sites?search=Site%2000242", &admin, None).json();
    assert_eq!(found["value"].as_array().expect("list").len(), 1, "{found}");
    let site =
        client.graph("GET", "/sites/contoso.sharepoint.com:/sites/site-00242", &admin, None).json();
    let site_id = site["id"].as_str().expect("id").to_owned();
    let lists =
        client.graph("GET", &format!("/sites/{site_id}/lists?$top=100"), &admin, None).json();
    let lists = lists["value"].as_array().expect("lists").clone();
    assert_eq!(lists.len(), 20);
    let list_id = lists[1]["id"].as_str().expect("id");
    let columns = client
        .graph("GET", &format!("/sites/{site_id}/lists/{list_id}/columns?$top=500"), &admin, None)
        .json();
    let custom = columns["value"]
        .as_array()
        .expect("columns")
        .iter()
        .filter(|c| c["name"].as_str().is_some_and(|n| n.starts_with("Field")))
        .count();
    assert_eq!(custom, 30);
    let items = client
        .graph(
            "GET",
            &format!("/sites/{site_id}/lists/{list_id}/items?expand=fields"),
            &admin,
            None,
        )
        .json();
    assert_eq!(items["value"].as_array().expect("items").len(), 3);
    let drives = client.graph("GET", &format!("/sites/{site_id}/drives"), &admin, None).json();
    let drive_id = drives["value"][0]["id"].as_str().expect("a library").to_owned();
    let children = client.graph("GET", &format!("/drives/{drive_id}/root/children"), &admin, None);
    assert_eq!(children.status, 200, "{}", children.text);
    let again =
        client.graph("GET", &format!("/sites/{site_id}/lists/{list_id}"), &admin, None).json();
    assert_eq!(again["id"], list_id, "generated ids are stable across requests");
}
