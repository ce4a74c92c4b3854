//! `tenants/tenant`: a tenant's own leaves (its lists are entries of their own).

use serde_json::Value;
use time::OffsetDateTime;

use super::{Fields, ListEntry, Out};
use crate::codec::DecodeError;

/// One tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tenant {
    /// Name (the key): 1 to 255 characters, not starting with whitespace or '/'.
    pub name: String,
    /// When it was created (read-only).
    pub created_at: Option<OffsetDateTime>,
}

impl ListEntry for Tenant {
    const LIST: &'static str = "tenant";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let name = f.required_string("name")?;
        if name.starts_with(|c: char| c.is_whitespace() || c == '/') || name.chars().count() > 255 {
            let message = "a tenant name has 1 to 255 characters and does not start with whitespace or '/'";
            return Err(f.invalid("name", message));
        }
        f.ignore("created-at");
        f.finish()?;
        Ok(Tenant { name, created_at: None })
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str()).date_time("created-at", self.created_at).done()
    }
}
