//! Tenants: every tenant-owned row carries its tenant's id.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Identifies a tenant; single-tenant deployments use [`TenantId::DEFAULT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TenantId(pub i64);

impl TenantId {
    /// The tenant created by the first migration, named "default".
    pub const DEFAULT: TenantId = TenantId(1);
}

impl Default for TenantId {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A tenant row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its unique name.
    pub name: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
