//! The life of a list item, the same through Graph and SharePoint REST: a new item gets the next
//! id and SharePoint's own fields (`Created`, `Modified`, `AuthorLookupId`, `EditorLookupId`,
//! `_UIVersionString`); each change is a new version (the number in the eTag), checked for
//! required fields after the change.

use serde_json::{Map, Value, json};

use crate::{
    access,
    bearer::Caller,
    fields::{self, Dialect, FieldError},
    model::{Item, List, Tenant},
};

/// Where an item operation applies: tenant, web index and list index.
pub struct Target<'a> {
    /// The tenant.
    pub tenant: &'a mut Tenant,
    /// The web's index in the tenant.
    pub web: usize,
    /// The list's index in the web's stored lists.
    pub list: usize,
}

impl Target<'_> {
    /// The list.
    pub fn list(&self) -> &List {
        &self.tenant.webs[self.web].lists[self.list]
    }

    /// Checks `body` (in `dialect`'s names) and says who writes.
    fn prepare(
        &self,
        body: &Map<String, Value>,
        dialect: Dialect,
        caller: &Caller,
    ) -> Result<(Map<String, Value>, String, u32), FieldError> {
        let lists = &self.tenant.webs[self.web].lists;
        let changes = fields::normalise(&lists[self.list], lists, body, dialect)?;
        let (who, who_id) = access::actor(self.tenant, caller);
        Ok((changes, who, who_id))
    }

    /// Creates an item from `body`; returns its index in the list.
    pub fn create(
        &mut self,
        body: &Map<String, Value>,
        dialect: Dialect,
        caller: &Caller,
    ) -> Result<usize, FieldError> {
        let (changes, who, who_id) = self.prepare(body, dialect, caller)?;
        let item = new_item(self.list(), changes, &who, who_id)?;
        let list = &mut self.tenant.webs[self.web].lists[self.list];
        list.items.push(item);
        Ok(list.items.len() - 1)
    }

    /// Changes item `index` with `body`, as a new version.
    pub fn update(
        &mut self,
        index: usize,
        body: &Map<String, Value>,
        dialect: Dialect,
        caller: &Caller,
    ) -> Result<(), FieldError> {
        let (changes, who, who_id) = self.prepare(body, dialect, caller)?;
        let mut item = self.list().items[index].clone();
        change_item(self.list(), &mut item, changes, &who, who_id)?;
        self.tenant.webs[self.web].lists[self.list].items[index] = item;
        Ok(())
    }

    /// Deletes item `index` (its id is never given again).
    pub fn delete(&mut self, index: usize) {
        let list = &mut self.tenant.webs[self.web].lists[self.list];
        let removed = list.items.remove(index);
        list.last_deleted_id = list.last_deleted_id.max(removed.id);
    }
}

/// An item's eTag value without quotes: `{unique id},{version}`.
pub fn etag(list: &List, item: &Item) -> String {
    let unique = crate::seed::seeded_id(&format!("item:{}:{}", list.id, item.id));
    format!("{unique},{}", item.version)
}

/// Now, to the second: SharePoint keeps item times in whole seconds.
pub fn whole_seconds() -> time::OffsetDateTime {
    let now = crate::state::now();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// A new item of `list` with `changes` (already checked) and SharePoint's own fields.
fn new_item(
    list: &List,
    changes: Map<String, Value>,
    who: &str,
    who_id: u32,
) -> Result<Item, FieldError> {
    let id = list.next_item_id();
    let now = whole_seconds();
    let stamp = fields::timestamp(now);
    let content_type = if list.template == "documentLibrary" { "Document" } else { "Item" };
    let mut values = Map::new();
    for (name, value) in [
        ("id", json!(id.to_string())),
        ("ContentType", json!(content_type)),
        ("Created", json!(stamp)),
        ("Modified", json!(stamp)),
        ("AuthorLookupId", json!(who_id.to_string())),
        ("EditorLookupId", json!(who_id.to_string())),
        ("_UIVersionString", json!("1.0")),
    ] {
        values.insert(name.into(), value);
    }
    fields::apply(&mut values, changes);
    fields::check_item(list, &values, id)?;
    Ok(Item {
        id,
        fields: values,
        created: now,
        modified: now,
        created_by: who.to_owned(),
        modified_by: who.to_owned(),
        version: 1,
    })
}

/// Applies checked `changes` to `item` as a new version.
fn change_item(
    list: &List,
    item: &mut Item,
    changes: Map<String, Value>,
    who: &str,
    who_id: u32,
) -> Result<(), FieldError> {
    let mut values = item.fields.clone();
    fields::apply(&mut values, changes);
    fields::check_item(list, &values, item.id)?;
    let now = whole_seconds();
    item.version += 1;
    values.insert("Modified".into(), json!(fields::timestamp(now)));
    values.insert("EditorLookupId".into(), json!(who_id.to_string()));
    values.insert("_UIVersionString".into(), json!(format!("{}.0", item.version)));
    item.fields = values;
    item.modified = now;
    who.clone_into(&mut item.modified_by);
    Ok(())
}
