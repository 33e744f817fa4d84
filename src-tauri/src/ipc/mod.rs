//! The wire types between the shell and the web UI: views sent to it and the one error shape.

pub mod browse;
pub mod connections;
pub mod contract;
mod error;
mod views;

pub use error::{ErrorCode, WireError};
pub use views::{
    AccessView, AccountView, AccountsView, AppInfo, CapabilityView, ConnectionCheckView, DemoView,
    DeviceCodeView, RegisteredView, SettingsView, SignedInView,
};
