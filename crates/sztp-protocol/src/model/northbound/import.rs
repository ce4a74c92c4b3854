//! The `devices/import` action: many devices in one request, with a conflict policy, and its
//! per-entry outcome.

use serde_json::{Value, json};

use super::device::Device;
use super::{Fields, ListEntry, MODULE, YangEnum, yang_enum};
use crate::codec::{DecodeError, DecodeErrorKind as K};

yang_enum! {
    /// What an import does with serials that exist already.
    OnConflict {
        /// Refuse the whole import.
        Fail = "fail",
        /// Keep the existing devices.
        Skip = "skip",
        /// Replace them.
        Replace = "replace",
    }
    default = Fail
}

/// The action's input as a client builds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportInput {
    /// The conflict policy.
    pub on_conflict: OnConflict,
    /// The devices.
    pub devices: Vec<Device>,
}

impl ImportInput {
    /// `{"sztp-server:input": {…}}`.
    pub fn document(&self) -> Value {
        let devices: Vec<Value> = self.devices.iter().map(ListEntry::to_value).collect();
        json!({ format!("{MODULE}:input"): { "on-conflict": self.on_conflict.as_str(), "device": devices } })
    }
}

/// One entry of an import as the server read it: the device, or why it was refused (and its
/// serial when it had one), so one bad entry does not refuse the others.
pub type ImportEntry = Result<Device, (Option<String>, DecodeError)>;

/// Reads the action's input: its conflict policy and at least one entry, each read on its own.
pub fn read_import(document: &Value) -> Result<(OnConflict, Vec<ImportEntry>), DecodeError> {
    let input = document
        .get(format!("{MODULE}:input"))
        .ok_or_else(|| DecodeError::new("/", K::Malformed, format!("the body must hold \"{MODULE}:input\"")))?;
    let mut f = Fields::new(input, "input")?;
    let on_conflict = f.enumeration("on-conflict")?.unwrap_or_default();
    let entries = f.list("device", |g| Ok(g.raw()))?;
    f.finish()?;
    if entries.is_empty() {
        return Err(DecodeError::new("input/device", K::MissingElement, "at least one device is required"));
    }
    let read =
        |v: &Value| Device::from_value(v).map_err(|e| (v.get("serial").and_then(Value::as_str).map(str::to_owned), e));
    Ok((on_conflict, entries.into_iter().map(read).collect()))
}

/// One entry an import refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFailure {
    /// Its position in the input, from 0.
    pub index: u64,
    /// Its serial, when it had one.
    pub serial: Option<String>,
    /// Why.
    pub reason: String,
}

/// The action's output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutput {
    /// Devices created.
    pub created: u32,
    /// Devices replaced.
    pub replaced: u32,
    /// Devices skipped (`on-conflict skip`).
    pub skipped: u32,
    /// Entries refused, by index.
    pub failures: Vec<ImportFailure>,
}

impl ImportOutput {
    /// `{"sztp-server:output": {…}}`.
    pub fn document(&self) -> Value {
        let failures: Vec<Value> = self
            .failures
            .iter()
            .map(|f| {
                let mut v = json!({ "index": f.index, "reason": f.reason });
                if let Some(s) = &f.serial {
                    v["serial"] = json!(s);
                }
                v
            })
            .collect();
        let output =
            json!({ "created": self.created, "replaced": self.replaced, "skipped": self.skipped, "failure": failures });
        json!({ format!("{MODULE}:output"): output })
    }

    /// Reads a reply of the action.
    pub fn from_document(document: &Value) -> Result<ImportOutput, DecodeError> {
        let output = document
            .get(format!("{MODULE}:output"))
            .ok_or_else(|| DecodeError::new("/", K::Malformed, format!("the reply has no \"{MODULE}:output\"")))?;
        let mut f = Fields::new(output, "output")?;
        let count = |n: Option<u64>| u32::try_from(n.unwrap_or(0)).unwrap_or(u32::MAX);
        let created = count(f.integer("created", (0, u64::from(u32::MAX)))?);
        let replaced = count(f.integer("replaced", (0, u64::from(u32::MAX)))?);
        let skipped = count(f.integer("skipped", (0, u64::from(u32::MAX)))?);
        let failures = f.list("failure", |mut g| {
            let failure = ImportFailure {
                index: g.integer("index", (0, u64::from(u32::MAX)))?.unwrap_or(0),
                serial: g.string("serial")?,
                reason: g.string("reason")?.unwrap_or_default(),
            };
            g.finish()?;
            Ok(failure)
        })?;
        f.finish()?;
        Ok(ImportOutput { created, replaced, skipped, failures })
    }
}
