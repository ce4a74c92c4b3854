//! Whole lists of any length (devices, vouchers) read from the store page by page and written
//! out entry by entry, and the `limit` / `offset` list-pagination parameters of the device list.

use std::collections::HashMap;

use axum::response::Response;
use serde_json::Value;
use sztp_protocol::model::restconf_errors::ErrorTag;
use sztp_store::TenantId;

use super::{MODULE, devices, error, store_error, vouchers};
use crate::restconf::{ErrorReply, YANG_JSON};
use crate::state::AppState;

/// Entries read from the store per query.
pub(super) const PAGE: u64 = sztp_store::MAX_PAGE_SIZE;

tokio::task_local! {
    /// Set for a read whose reply is cut by query options or written in XML: lists are then
    /// kept as values, which those need, rather than written as text and read back.
    pub(super) static WHOLE: bool;
}

/// A list reply built as JSON text one entry at a time, so a long list never exists as one
/// value tree: `{"sztp-server:<container>":{"<list>":[…]}}`. Or its entries kept as values:
/// for a read under [`WHOLE`], or to compose a larger document (a whole tenant).
pub(crate) struct ListBody {
    text: String,
    empty: bool,
    entries: Option<Vec<Value>>,
    names: (String, String),
}

impl ListBody {
    /// Starts the reply of `container`'s list `list`.
    pub(super) fn new(container: &str, list: &str) -> ListBody {
        let names = (format!("{MODULE}:{container}"), list.to_owned());
        if WHOLE.try_with(|whole| *whole).unwrap_or(false) {
            return ListBody { text: String::new(), empty: true, entries: Some(Vec::new()), names };
        }
        let text = format!("{{{}:{{{}:[", serde_json::json!(names.0), serde_json::json!(list));
        ListBody { text, empty: true, entries: None, names }
    }

    /// Collects the entries instead of writing them.
    pub(super) fn collecting() -> ListBody {
        ListBody { text: String::new(), empty: true, entries: Some(Vec::new()), names: Default::default() }
    }

    /// Appends one entry.
    pub(super) fn push(&mut self, entry: Value) {
        if let Some(entries) = &mut self.entries {
            entries.push(entry);
            return;
        }
        if !self.empty {
            self.text.push(',');
        }
        self.empty = false;
        self.text.push_str(&entry.to_string());
    }

    /// The entries collected.
    pub(super) fn into_entries(self) -> Vec<Value> {
        self.entries.unwrap_or_default()
    }

    /// The `200` reply.
    pub(super) fn finish(mut self) -> Response {
        if let Some(entries) = self.entries {
            let (container, list) = self.names;
            return crate::restconf::json_reply(serde_json::json!({ container: { list: entries } }));
        }
        self.text.push_str("]}}");
        crate::restconf::status::typed_reply(YANG_JSON, self.text)
    }
}

/// Which part of a list a GET asks for (`offset` entries skipped, then at most `limit`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Window {
    offset: u64,
    limit: Option<u64>,
}

impl Window {
    /// Parses `limit` (a number or `unbounded`) and `offset`; anything else answers `400`.
    pub(super) fn parse(query: Option<&str>) -> Result<Window, ErrorReply> {
        let bad = |m: String| error(ErrorTag::InvalidValue, m);
        let mut w = Window::default();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = super::logs::decode(value);
            let number = || value.parse::<u64>().map_err(|_| bad(format!("{name}: \"{value}\" is not a number")));
            match name {
                "limit" if value == "unbounded" => w.limit = None,
                "limit" => w.limit = Some(number()?),
                "offset" => w.offset = number()?,
                other => return Err(bad(format!("unknown query parameter \"{other}\""))),
            }
        }
        Ok(w)
    }
}

/// Whether a data path names the device list (the one list taking [`Window`] parameters).
pub(super) fn names_device_list(raw: &str) -> bool {
    let path = raw.trim_end_matches('/');
    path.ends_with("/devices") || path.ends_with("/devices/device")
}

/// Writes the tenant's devices in `window`, with their status, reading `page` at a time: the
/// first page by offset, the next ones after the last serial number read.
pub(super) async fn devices(
    app: &AppState,
    tenant: TenantId,
    window: Window,
    page: u64,
    body: &mut ListBody,
) -> Result<(), ErrorReply> {
    let store = app.store();
    let page = page.clamp(1, PAGE);
    let mut remaining = window.limit.unwrap_or(u64::MAX);
    let mut after: Option<String> = None;
    while remaining > 0 {
        let want = remaining.min(page);
        let batch = match after.as_deref() {
            None => store.list_devices(tenant, want, window.offset).await,
            Some(serial) => store.list_devices_after(tenant, Some(serial), want).await,
        }
        .map_err(store_error)?;
        let (Some(first), Some(last)) = (batch.first(), batch.last()) else { break };
        let statuses: HashMap<String, sztp_store::DeviceStatus> = store
            .device_status_range(tenant, &first.serial, &last.serial)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|s| (s.serial.clone(), s))
            .collect();
        for d in &batch {
            body.push(devices::to_json(d, statuses.get(&d.serial)));
        }
        let n = batch.len() as u64;
        if n < want {
            break;
        }
        remaining -= n;
        after = Some(last.serial.clone());
    }
    Ok(())
}

/// Writes all the tenant's vouchers, reading `page` at a time.
pub(super) async fn vouchers(
    app: &AppState,
    tenant: TenantId,
    page: u64,
    body: &mut ListBody,
) -> Result<(), ErrorReply> {
    let page = page.clamp(1, PAGE);
    let mut after: Option<String> = None;
    loop {
        let batch = app.store().list_vouchers_after(tenant, after.as_deref(), page).await.map_err(store_error)?;
        for v in &batch {
            body.push(vouchers::to_json(v));
        }
        match batch.last() {
            Some(last) if batch.len() as u64 == page => after = Some(last.serial.clone()),
            _ => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::restconf::status::ReplyDocument;
    use serde_json::json;
    use sztp_store::BootstrapEvent;

    /// Five devices, read two at a time, of which two have a status (and one status has no device).
    #[tokio::test]
    async fn device_pages_carry_their_statuses_and_honour_the_window() {
        let store = sztp_store::Store::open("sqlite::memory:", &Default::default()).await.unwrap();
        let app = AppState::new(store.clone(), sztp_ca::KeyEncryptionKey::generate());
        let t = TenantId::DEFAULT;
        store
            .put_device_type(
                t,
                &crate::api::northbound::resources::device_types::from_json(&json!({"name": "dpu"})).unwrap(),
            )
            .await
            .unwrap();
        let list: Vec<_> = (1..=5)
            .map(|i| {
                let d = sztp_protocol::model::northbound::device::Device::new(&format!("SN-{i}"), "dpu");
                devices::from_wire(d, None).unwrap().0
            })
            .collect();
        assert!(store.put_devices_bulk(t, &list).await.unwrap().iter().all(Result::is_ok));
        for serial in ["SN-2", "SN-5", "SN-9"] {
            let event = BootstrapEvent {
                tenant: t,
                serial: Some(serial.into()),
                time: time::OffsetDateTime::now_utc(),
                source: "test".into(),
                operation: BootstrapEvent::GET_BOOTSTRAPPING_DATA.into(),
                status: 404,
                outcome: "no response matched".into(),
                progress: None,
                detail: None,
                change: sztp_store::StatusChange {
                    attempt: true,
                    error: Some("no response matched".into()),
                    ..Default::default()
                },
            };
            store.record_bootstrap(&event).await.unwrap();
        }
        let read = async |window: Window| {
            let mut body = ListBody::new("devices", "device");
            devices(&app, t, window, 2, &mut body).await.unwrap();
            let v: Value = serde_json::from_str(&(body.text + "]}}")).unwrap();
            v["sztp-server:devices"]["device"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    format!("{}{}", d["serial"].as_str().unwrap(), if d.get("status").is_some() { "*" } else { "" })
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(read(Window::default()).await, ["SN-1", "SN-2*", "SN-3", "SN-4", "SN-5*"]);
        assert_eq!(read(Window { offset: 1, limit: Some(3) }).await, ["SN-2*", "SN-3", "SN-4"]);
        assert_eq!(read(Window { offset: 3, limit: None }).await, ["SN-4", "SN-5*"]);
        assert_eq!(read(Window { offset: 0, limit: Some(4) }).await, ["SN-1", "SN-2*", "SN-3", "SN-4"]);
        assert!(read(Window { offset: 9, limit: None }).await.is_empty());
        assert!(read(Window { offset: 0, limit: Some(0) }).await.is_empty());

        for serial in ["SN-1", "SN-2", "SN-3"] {
            let v = sztp_store::StoredVoucher { serial: serial.into(), cms_der: vec![0x30, 0], expires_at: None };
            store.put_voucher(t, &v).await.unwrap();
        }
        for page in [1, 2, 3, 4] {
            let mut body = ListBody::new("vouchers", "voucher");
            vouchers(&app, t, page, &mut body).await.unwrap();
            let v: Value = serde_json::from_str(&(body.text + "]}}")).unwrap();
            assert_eq!(v["sztp-server:vouchers"]["voucher"].as_array().map(Vec::len), Some(3), "page {page}");
        }
    }

    #[test]
    fn list_bodies_are_json() {
        let empty = ListBody::new("devices", "device");
        assert_eq!(empty.text.clone() + "]}}", r#"{"sztp-server:devices":{"device":[]}}"#);
        let mut two = ListBody::new("vouchers", "voucher");
        two.push(serde_json::json!({"serial": "a"}));
        two.push(serde_json::json!({"serial": "b\""}));
        let text = two.text + "]}}";
        let v: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(v["sztp-server:vouchers"]["voucher"][1]["serial"], "b\"");
    }

    /// Under `WHOLE` the same list is kept as a value (and written from it, byte for byte as
    /// the text form, so ETags do not depend on how a list was read).
    #[tokio::test]
    async fn a_whole_read_keeps_the_list_as_its_document() {
        let build = || {
            let mut body = ListBody::new("vouchers", "voucher");
            body.push(serde_json::json!({"serial": "a", "cms": "AA=="}));
            body.push(serde_json::json!({"serial": "b"}));
            body.finish()
        };
        let text = build();
        assert!(text.extensions().get::<ReplyDocument>().is_none());
        let whole = WHOLE.scope(true, async { build() }).await;
        let Some(ReplyDocument(doc)) = whole.extensions().get::<ReplyDocument>().cloned() else {
            panic!("no document kept");
        };
        assert_eq!(doc["sztp-server:vouchers"]["voucher"][1]["serial"], "b");
        let bytes = |r: Response| async { axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap() };
        assert_eq!(bytes(text).await, bytes(whole).await);
    }

    #[test]
    fn windows_take_limit_and_offset_only() {
        assert_eq!(Window::parse(None).ok(), Some(Window::default()));
        assert_eq!(Window::parse(Some("limit=5&offset=10")).ok(), Some(Window { offset: 10, limit: Some(5) }));
        assert_eq!(Window::parse(Some("limit=unbounded")).ok(), Some(Window::default()));
        for bad in ["limit=-1", "offset=x", "colour=red", "limit"] {
            assert!(Window::parse(Some(bad)).is_err(), "{bad}");
        }
        assert!(names_device_list("sztp-server:tenants/tenant=a/devices"));
        assert!(names_device_list("sztp-server:tenants/tenant=a/devices/device/"));
        assert!(!names_device_list("sztp-server:tenants/tenant=a/devices/device=SN-1"));
        assert!(!names_device_list("sztp-server:tenants/tenant=devices"));
    }
}
