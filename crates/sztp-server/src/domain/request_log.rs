//! The bootstrapping-log records of one southbound request. The domain writes them here; the
//! API layer commits them with the request's audit record in one unit of work.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use sztp_store::{BootstrapEvent, StatusChange, TenantId};
use time::OffsetDateTime;

use super::identity::AuthenticatedDevice;

/// Records waiting for the request's commit. Cheap to clone; clones share the records.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog {
    events: Arc<Mutex<Vec<BootstrapEvent>>>,
}

impl RequestLog {
    /// Adds a record.
    pub(crate) fn record(&self, event: BootstrapEvent) {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).push(event);
    }

    /// Takes every record out, each stamped with the request's final status.
    pub(crate) fn take(&self, status: u16) -> Vec<BootstrapEvent> {
        let mut events = std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner));
        for e in &mut events {
            e.status = status;
        }
        events
    }
}

/// A record of a request by `device` (status set at commit); `None` device: unidentified.
pub(crate) fn event(
    tenant: TenantId,
    device: Option<&AuthenticatedDevice>,
    source: SocketAddr,
    operation: &str,
    outcome: String,
    change: StatusChange,
) -> BootstrapEvent {
    BootstrapEvent {
        tenant,
        serial: device.map(|d| d.serial.clone()),
        time: OffsetDateTime::now_utc(),
        source: source.to_string(),
        operation: operation.to_owned(),
        status: 0,
        outcome,
        progress: None,
        detail: None,
        change,
    }
}

/// A request refused after the device was identified: the reason becomes its latest error.
pub(crate) fn refusal(
    tenant: TenantId,
    device: &AuthenticatedDevice,
    source: SocketAddr,
    operation: &str,
    reason: String,
    detail: Option<serde_json::Value>,
) -> BootstrapEvent {
    let change = StatusChange {
        attempt: operation == BootstrapEvent::GET_BOOTSTRAPPING_DATA,
        error: Some(reason.clone()),
        ..StatusChange::default()
    };
    BootstrapEvent { detail, ..event(tenant, Some(device), source, operation, reason, change) }
}
