//! `epts-core`: all domain logic of ePTS Desktop.
//!
//! This crate never depends on Tauri or any UI toolkit: the desktop shell, the `epts` CLI
//! and the tests are thin front-ends over it (see docs/architecture.md).

pub mod fsutil;
pub mod ids;
pub mod lang;
pub mod portal;
pub mod prepare;
pub mod settings;
pub mod vault;

pub use lang::{Code, Lang, Localized};
