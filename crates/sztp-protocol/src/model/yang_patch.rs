//! YANG Patch (RFC 8072) documents: a patch of ordered edits, read strictly (with a bound on
//! their number) by a server and built by a client.

use serde_json::{Value, json};

use super::northbound::{Fields, YangEnum, yang_enum};
use crate::codec::{DecodeError, DecodeErrorKind as K};

/// The top-level member of a patch.
pub const PATCH: &str = "ietf-yang-patch:yang-patch";
/// Most edits one patch may hold.
pub const MAX_EDITS: usize = 10_000;

yang_enum! {
    /// What an edit does (RFC 8072 §2.5).
    Operation {
        /// Creates a node that must not exist.
        Create = "create",
        /// Deletes a node that must exist.
        Delete = "delete",
        /// Inserts into a user-ordered list.
        Insert = "insert",
        /// Merges into a node.
        Merge = "merge",
        /// Moves within a user-ordered list.
        Move = "move",
        /// Creates or replaces a node.
        Replace = "replace",
        /// Deletes a node if it exists.
        Remove = "remove",
    }
}

impl Operation {
    /// Whether the edit carries a value.
    pub fn takes_value(self) -> bool {
        matches!(self, Operation::Create | Operation::Insert | Operation::Merge | Operation::Replace)
    }
}

/// One edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// Its id, unique in the patch.
    pub id: String,
    /// What it does.
    pub operation: Operation,
    /// The node it targets, relative to the patched resource.
    pub target: String,
    /// The data it writes (create, insert, merge, replace).
    pub value: Option<Value>,
}

/// A patch.
#[derive(Debug, Clone, PartialEq)]
pub struct YangPatch {
    /// Its id.
    pub patch_id: String,
    /// The edits, applied in order.
    pub edits: Vec<Edit>,
}

impl YangPatch {
    /// Reads `{"ietf-yang-patch:yang-patch": {…}}`: at least one edit and at most
    /// [`MAX_EDITS`], unique edit ids, and a value exactly where the operation takes one.
    pub fn from_document(document: &Value) -> Result<YangPatch, DecodeError> {
        let patch = document
            .get(PATCH)
            .ok_or_else(|| DecodeError::new("/", K::Malformed, format!("the body must hold \"{PATCH}\"")))?;
        let mut f = Fields::new(patch, "yang-patch")?;
        let patch_id = f.required_string("patch-id")?;
        f.ignore("comment");
        if patch.get("edit").and_then(Value::as_array).is_some_and(|e| e.len() > MAX_EDITS) {
            return Err(f.here(K::TooBig, format!("at most {MAX_EDITS} edits")));
        }
        let edits = f.list("edit", |mut g| {
            let id = g.required_string("edit-id")?;
            let operation: Operation =
                g.enumeration("operation")?.ok_or_else(|| g.missing("operation", "is mandatory"))?;
            let target = g.required_string("target")?;
            g.ignore("point");
            g.ignore("where");
            let value = g.raw_member("value");
            if operation.takes_value() != value.is_some() {
                let what = if operation.takes_value() { "needs a value" } else { "takes no value" };
                return Err(g.here(K::InvalidValue, format!("edit \"{id}\": {} {what}", operation.as_str())));
            }
            g.finish()?;
            Ok(Edit { id, operation, target, value })
        })?;
        f.finish()?;
        if let Some((i, e)) = edits.iter().enumerate().find(|(i, e)| edits[..*i].iter().any(|p| p.id == e.id)) {
            let message = format!("edit-id \"{}\" is used twice", e.id);
            return Err(DecodeError::new(format!("yang-patch/edit[{}]/edit-id", i + 1), K::InvalidValue, message));
        }
        if edits.is_empty() {
            return Err(DecodeError::new("yang-patch/edit", K::MissingElement, "a patch needs at least one edit"));
        }
        Ok(YangPatch { patch_id, edits })
    }

    /// `{"ietf-yang-patch:yang-patch": {…}}`.
    pub fn document(&self) -> Value {
        let edits: Vec<Value> = self
            .edits
            .iter()
            .map(|e| {
                let mut v = json!({ "edit-id": e.id, "operation": e.operation.as_str(), "target": e.target });
                if let Some(value) = &e.value {
                    v["value"] = value.clone();
                }
                v
            })
            .collect();
        json!({ PATCH: { "patch-id": self.patch_id, "edit": edits } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(edits: Value) -> Value {
        json!({ PATCH: {"patch-id": "p", "edit": edits} })
    }

    #[test]
    fn edits_are_checked_before_anything_is_applied() {
        let ok = patch(json!([{"edit-id": "1", "operation": "delete", "target": "/device=x"}]));
        let read = YangPatch::from_document(&ok).map(|p| (p.patch_id, p.edits.len()));
        assert_eq!(read.ok(), Some(("p".into(), 1)));
        for edits in [
            json!([]),
            json!([{"edit-id": "1", "operation": "create", "target": "/device=x"}]),
            json!([{"edit-id": "1", "operation": "delete", "target": "/device=x", "value": {}}]),
            json!([{"edit-id": "1", "operation": "frobnicate", "target": "/x"}]),
            json!([{"operation": "remove", "target": "/x"}]),
            json!([{"edit-id": "1", "operation": "remove", "target": "/x", "colour": "red"}]),
            json!([{"edit-id": "1", "operation": "remove", "target": "/x"}, {"edit-id": "1", "operation": "remove", "target": "/y"}]),
        ] {
            assert!(YangPatch::from_document(&patch(edits.clone())).is_err(), "{edits}");
        }
        assert!(YangPatch::from_document(&json!({})).is_err());
        assert!(YangPatch::from_document(&json!({ PATCH: {"edit": []} })).is_err());
        let many: Vec<Value> =
            (0..=MAX_EDITS).map(|i| json!({"edit-id": i.to_string(), "operation": "remove", "target": "/x"})).collect();
        let too_big = YangPatch::from_document(&patch(Value::Array(many))).map(|_| ()).map_err(|e| e.kind);
        assert_eq!(too_big, Err(K::TooBig));
    }

    #[test]
    fn a_built_patch_reads_back() {
        let p = YangPatch {
            patch_id: "v".into(),
            edits: vec![Edit {
                id: "e1".into(),
                operation: Operation::Replace,
                target: "/voucher=SN1".into(),
                value: Some(json!({"sztp-server:voucher": [{"serial": "SN1", "cms": "AA=="}]})),
            }],
        };
        assert_eq!(YangPatch::from_document(&p.document()).ok(), Some(p));
    }
}
