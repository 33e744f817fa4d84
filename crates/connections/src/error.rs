//! [`DefinitionError`]: what is wrong with an integration definition, in words a person can act
//! on.

/// An integration definition that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DefinitionError {
    /// The name is missing or unusable.
    #[error("{0}")]
    InvalidName(String),
    /// Nothing was ticked.
    #[error("Tick at least one list or library the integration uses.")]
    NoLists,
    /// A list has no column ticked.
    #[error("Tick at least one column of {list}.")]
    NoColumns {
        /// The list's title.
        list: String,
    },
    /// A list is there twice.
    #[error("{list} is in the definition twice.")]
    DuplicateList {
        /// The list's title.
        list: String,
    },
    /// A column name the list does not have.
    #[error("{list} has no column named {column}.")]
    UnknownColumn {
        /// The list's title.
        list: String,
        /// The name given.
        column: String,
    },
}

impl DefinitionError {
    /// Never: a definition is fixed by the person, not by waiting.
    pub fn is_retryable(&self) -> bool {
        false
    }
}
