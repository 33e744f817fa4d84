//! Generated large tenants: the same operations answer for generated sites, lists and columns.

mod common;

use common::*;
use serde_json::json;
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

/// An emulator with a generated tenant of that shape, and the administrator's token.
fn large_tenant(sites: u32, lists: u32, columns: u32) -> (Client, String) {
    let client = Client::start_with(Config {
        tenant: TenantSpec::Large { sites, lists, columns },
        ..Config::default()
    });
    let admin = client.user_token(ADMIN)["access_token"].as_str().expect("at").to_owned();
    (client, admin)
}

#[test]
fn generated_sites_lists_columns_items_and_drives_answer() {
    let (client, admin) = large_tenant(300, 20, 30);
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

#[test]
fn a_generated_webs_lists_page_holds_what_each_list_answers_on_its_own() {
    // A generated web's pages of lists are written from one template per list; every list in
    // them must be what the general path answers for that list alone, a list written to or
    // created must come in its place, and paging must hold.
    let (client, admin) = large_tenant(30, 5, 7);
    let site_id = |path: &str| {
        let site =
            client.graph("GET", &format!("/sites/contoso.sharepoint.com:{path}"), &admin, None);
        site.json()["id"].as_str().expect("id").to_owned()
    };
    let (plain, changed) = (site_id("/sites/site-00003"), site_id("/sites/site-00027"));
    let lists_of = |site: &str, query: &str| {
        let page = client.graph("GET", &format!("/sites/{site}/lists{query}"), &admin, None);
        assert_eq!(page.status, 200, "{}", page.text);
        page.json()
    };
    let second = lists_of(&changed, "")["value"][1]["id"].as_str().expect("id").to_owned();
    let item = json!({"fields": {"Title": "Written here"}});
    let written =
        client.graph("POST", &format!("/sites/{changed}/lists/{second}/items"), &admin, Some(item));
    assert_eq!(written.status, 201, "{}", written.text);
    let new_list = json!({"displayName": "Made here", "columns": [{"name": "Note", "text": {}}]});
    let made = client.graph("POST", &format!("/sites/{changed}/lists"), &admin, Some(new_list));
    assert_eq!(made.status, 201, "{}", made.text);

    for site in [&plain, &changed] {
        for query in [
            "",
            "?$expand=columns",
            "?$select=id,displayName,webUrl&$expand=columns($select=id,name,required,text,number)",
        ] {
            let page = lists_of(site, query);
            let lists = page["value"].as_array().expect("lists");
            assert_eq!(lists.len(), if *site == changed { 6 } else { 5 }, "{query}");
            for list in lists {
                let id = list["id"].as_str().expect("id");
                let mut alone = client
                    .graph("GET", &format!("/sites/{site}/lists/{id}{query}"), &admin, None)
                    .json();
                alone.as_object_mut().expect("a list").remove("@odata.context");
                assert_eq!(list, &alone, "{query}");
            }
            assert_eq!(
                page["@odata.context"],
                lists_of(site, "?$filter=displayName%20eq%20'x'")["@odata.context"]
            );
        }
    }
    let changed_lists = lists_of(&changed, "?$expand=columns");
    assert_eq!(changed_lists["value"][5]["displayName"], "Made here");
    assert_eq!(
        changed_lists["value"][1]["id"],
        second.as_str(),
        "the list written to stays in place"
    );

    // Paging: two at a time, following the links, gives the same lists in the same order.
    let mut paged = Vec::new();
    let mut page = lists_of(&changed, "?$top=2&$expand=columns");
    loop {
        paged.extend(page["value"].as_array().expect("lists").iter().cloned());
        let Some(next) = page["@odata.nextLink"].as_str() else { break };
        let path = next.split_once("/v1.0").expect("a Graph link").1.to_owned();
        page = client.graph("GET", &path, &admin, None).json();
    }
    assert_eq!(paged, *changed_lists["value"].as_array().expect("lists"));
}
