//! Activation codes verified recently, so a device's every request does not pay argon2id again.
//! An entry is keyed by the stored hash it was verified against: a changed activation code (a new
//! PHC string) misses at once. The code itself is kept only as an HMAC under a per-process key.

use std::time::Duration;

use aws_lc_rs::{constant_time, hmac, rand};
use sztp_store::TenantId;

use super::GenMap;

/// The cache: (tenant, serial) → (stored PHC string, HMAC of the code that matched it).
pub(crate) struct Credentials {
    key: hmac::Key,
    entries: GenMap<(TenantId, String), (String, Vec<u8>)>,
}

impl Credentials {
    /// An empty cache of at most `capacity` devices, each kept at most `max_age`.
    pub(crate) fn new(capacity: usize, max_age: Duration) -> Self {
        let mut secret = [0u8; 32];
        // Without randomness the key stays fixed per process and zero; every entry still needs
        // the stored hash to match, so this only weakens the in-memory tag.
        let _ = rand::fill(&mut secret);
        Credentials { key: hmac::Key::new(hmac::HMAC_SHA256, &secret), entries: GenMap::new(capacity, max_age) }
    }

    /// Whether `code` was verified against `phc` (the device's current hash) recently.
    pub(crate) fn verified(&self, tenant: TenantId, serial: &str, phc: &str, code: &str) -> bool {
        // One generation for all: only the stored hash decides, whatever else changes.
        let Some((stored, tag)) = self.entries.get(1, &(tenant, serial.to_owned())) else { return false };
        stored == phc && constant_time::verify_slices_are_equal(&tag, self.tag(code).as_ref()).is_ok()
    }

    /// Remembers that `code` matched `phc`.
    pub(crate) fn remember(&self, tenant: TenantId, serial: &str, phc: &str, code: &str) {
        let tag = self.tag(code).as_ref().to_vec();
        self.entries.insert(1, (tenant, serial.to_owned()), (phc.to_owned(), tag));
    }

    fn tag(&self, code: &str) -> hmac::Tag {
        hmac::sign(&self.key, code.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_hash_or_another_code_misses() {
        let c = Credentials::new(16, Duration::from_secs(30));
        let t = TenantId::DEFAULT;
        assert!(!c.verified(t, "SN-1", "$argon2id$a", "code"));
        c.remember(t, "SN-1", "$argon2id$a", "code");
        assert!(c.verified(t, "SN-1", "$argon2id$a", "code"));
        assert!(!c.verified(t, "SN-1", "$argon2id$a", "code2"), "another code");
        assert!(!c.verified(t, "SN-1", "$argon2id$b", "code"), "the activation code was changed");
        assert!(!c.verified(t, "SN-2", "$argon2id$a", "code"), "another device");
        assert!(!c.verified(TenantId(2), "SN-1", "$argon2id$a", "code"), "another tenant");
    }
}
