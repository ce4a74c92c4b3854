//! Storage interface with SQLite, PostgreSQL and MySQL/MariaDB backends and migrations.
//!
//! Not built yet: this crate is a skeleton that fixes the workspace layout and its dependency rules.
