//! Persistence for sztp: record types, portable migrations and one async [`Store`] over sea-orm,
//! whose methods also run inside a [`UnitOfWork`] (one transaction).
//! SQLite (file or memory) by default; PostgreSQL and MySQL/MariaDB behind the `postgres` and
//! `mysql` features, which run the same schema, queries and conformance suite.

mod b64;
mod codec;
mod connect;
mod entity;
mod error;
mod legacy_journal;
mod migration;
mod model;
mod ops;
mod store;
mod unit_of_work;

pub use codec::MAX_PAGE_SIZE;
pub use error::{Result, StoreError};
pub use model::*;
pub use ops::{ARTIFACT_CHUNK, ArtifactReader, ArtifactUpload, Pruned, RequestRecords};
pub use store::{OpenOptions, Store};
pub use unit_of_work::UnitOfWork;
