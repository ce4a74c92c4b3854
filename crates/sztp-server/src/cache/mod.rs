//! Short-lived caches of what the southbound API would otherwise re-read, re-parse or re-sign on
//! every request. Every entry carries the configuration generation it was loaded under (the
//! store's [`Store::config_version`]), which every configuration write moves on after its commit.

pub(crate) mod credentials;

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sztp_protocol::codec::Encoding;
use sztp_protocol::x509::Certificate;
use sztp_store::{CompatProfile, Device, DeviceType, Store, StoredVoucher, TenantId};

use crate::domain::conveyed::{OwnerMaterial, Prepared};

/// How long any entry lives at most. Writes through this process invalidate at once; this bounds
/// how long a change written to the database by another process can go unseen.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(30);

/// A map whose entries belong to one configuration generation: reading under a newer one
/// empties it. Bounded: when full, expired entries go, and if none had, everything does.
pub(crate) struct GenMap<K, V> {
    slot: Mutex<Slot<K, V>>,
    capacity: usize,
    max_age: Duration,
}

struct Slot<K, V> {
    generation: u64,
    entries: HashMap<K, (Instant, V)>,
}

impl<K: Eq + Hash, V: Clone> GenMap<K, V> {
    /// An empty map of at most `capacity` entries, each kept at most `max_age`.
    pub(crate) fn new(capacity: usize, max_age: Duration) -> Self {
        GenMap { slot: Mutex::new(Slot { generation: 0, entries: HashMap::new() }), capacity, max_age }
    }

    /// The entry for `key` loaded under `generation`, if it is still fresh.
    pub(crate) fn get(&self, generation: u64, key: &K) -> Option<V> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.generation != generation {
            if generation > slot.generation {
                slot.entries.clear();
                slot.generation = generation;
            }
            return None;
        }
        match slot.entries.get(key) {
            Some((at, value)) if at.elapsed() < self.max_age => Some(value.clone()),
            _ => None,
        }
    }

    /// Keeps `value`, loaded under `generation` (read before the load began): a value loaded
    /// under an older generation than the map's is dropped, as it may predate a change.
    pub(crate) fn insert(&self, generation: u64, key: K, value: V) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if generation < slot.generation {
            return;
        }
        if generation > slot.generation {
            slot.entries.clear();
            slot.generation = generation;
        }
        if slot.entries.len() >= self.capacity {
            let max_age = self.max_age;
            slot.entries.retain(|_, (at, _)| at.elapsed() < max_age);
            if slot.entries.len() >= self.capacity {
                slot.entries.clear();
            }
        }
        slot.entries.insert(key, (Instant::now(), value));
    }

    /// Number of entries held (fresh or not).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).entries.len()
    }
}

/// A tenant's device types with their IDevID trust anchors parsed.
#[derive(Debug)]
pub(crate) struct TenantTypes {
    /// Device types by name.
    pub types: Vec<DeviceType>,
    /// Parsed anchors per trust bag name; `None` for a bag that does not exist.
    pub anchors: HashMap<String, Option<Arc<Vec<Certificate>>>>,
}

/// A client chain as parsed: the leaf (shared with the request's device) and the certificates
/// above it.
pub(crate) type ParsedChain = Arc<(Arc<Certificate>, Vec<Certificate>)>;

/// Which conveyed information a device gets: everything its content depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ConveyedKey {
    /// The tenant.
    pub tenant: TenantId,
    /// The selected response.
    pub response: String,
    /// Encoding of the payload.
    pub encoding: Encoding,
    /// The device's profile (shapes the payload).
    pub profile: CompatProfile,
    /// The authority artifact download URIs point back at.
    pub authority: Option<String>,
}

/// Every cache of one server process.
pub(crate) struct Caches {
    store: Store,
    /// Devices with their types, per (tenant, serial); unknown serials are not kept.
    pub devices: GenMap<(TenantId, String), (Arc<Device>, Arc<DeviceType>)>,
    /// Each device's voucher, or that it has none, per (tenant, serial).
    pub vouchers: GenMap<(TenantId, String), Option<Arc<StoredVoucher>>>,
    /// Device types and parsed anchors, per tenant.
    pub types: GenMap<TenantId, Arc<TenantTypes>>,
    /// Client chains as parsed, by SHA-256 of the chain (one generation: parsing depends on
    /// nothing configured).
    pub parsed_chains: GenMap<[u8; 32], ParsedChain>,
    /// Client chains validated for a device type: (tenant, type, SHA-256 of the chain) → until
    /// when the validation holds (the earliest notAfter in the chain).
    pub chains: GenMap<(TenantId, String, [u8; 32]), time::OffsetDateTime>,
    /// Conveyed information encoded, per response and shape.
    pub conveyed: GenMap<ConveyedKey, Arc<Prepared>>,
    /// Owner signers with their owner-certificate artifact, per (tenant, owner certificate).
    pub owners: GenMap<(TenantId, String), Arc<OwnerMaterial>>,
    /// Signed conveyed information, per shape and owner certificate (never nonce-bound).
    pub signed: GenMap<(ConveyedKey, String), Arc<Vec<u8>>>,
    /// Activation codes recently verified.
    pub credentials: credentials::Credentials,
}

impl Caches {
    /// Empty caches of what is read from `store`.
    pub(crate) fn new(store: Store) -> Self {
        Caches {
            store,
            devices: GenMap::new(32_768, MAX_AGE),
            vouchers: GenMap::new(16_384, MAX_AGE),
            types: GenMap::new(1024, MAX_AGE),
            parsed_chains: GenMap::new(4096, MAX_AGE),
            chains: GenMap::new(65_536, MAX_AGE),
            conveyed: GenMap::new(4096, MAX_AGE),
            owners: GenMap::new(1024, MAX_AGE),
            signed: GenMap::new(4096, MAX_AGE),
            credentials: credentials::Credentials::new(65_536, MAX_AGE),
        }
    }

    /// The current generation: read it BEFORE loading what is to be cached.
    pub(crate) fn generation(&self) -> u64 {
        self.store.config_version()
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").field("generation", &self.generation()).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_generation_empties_the_map_and_an_older_load_is_dropped() {
        let map: GenMap<u32, u32> = GenMap::new(8, MAX_AGE);
        map.insert(1, 7, 70);
        assert_eq!(map.get(1, &7), Some(70));
        assert_eq!(map.get(2, &7), None, "generation 2 sees nothing of generation 1");
        map.insert(1, 7, 71);
        assert_eq!(map.get(2, &7), None, "a value loaded under generation 1 is not kept under 2");
        map.insert(2, 7, 72);
        assert_eq!(map.get(2, &7), Some(72));
        assert_eq!(map.get(1, &7), None, "an older reader does not see a newer generation's values");
    }

    #[test]
    fn bounded_by_capacity_and_age() {
        let map: GenMap<u32, u32> = GenMap::new(4, MAX_AGE);
        for k in 0..10 {
            map.insert(1, k, k);
            assert!(map.len() <= 4);
        }
        assert_eq!(map.get(1, &9), Some(9), "the latest entry is kept");
        let aged: GenMap<u32, u32> = GenMap::new(4, Duration::ZERO);
        aged.insert(1, 1, 1);
        assert_eq!(aged.get(1, &1), None, "an entry older than max_age is not served");
    }
}
