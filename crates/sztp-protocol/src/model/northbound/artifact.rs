//! `tenants/tenant/artifacts/artifact`: a file the server holds (boot images, scripts), its
//! media type, and the read-only digest, size and time of its content.

use serde_json::Value;
use time::OffsetDateTime;

use super::{Fields, ListEntry, Out};
use crate::codec::{DecodeError, decode_hex_string, encode_hex_string};

/// The media type of an artifact created without one.
pub const DEFAULT_MEDIA_TYPE: &str = "application/octet-stream";

/// One artifact's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Artifact {
    /// File name (the key): the last segment of its download URL.
    pub name: String,
    /// Media type served with it.
    pub media_type: String,
    /// SHA-256 of the content (read-only).
    pub sha256: Option<Vec<u8>>,
    /// Content length (read-only).
    pub size: Option<u64>,
    /// When the content last changed (read-only).
    pub updated_at: Option<OffsetDateTime>,
}

impl ListEntry for Artifact {
    const LIST: &'static str = "artifact";

    fn read_entry(mut f: Fields<'_>) -> Result<Self, DecodeError> {
        let name = f.required_string("name")?;
        let media_type = f.string("media-type")?.unwrap_or_else(|| DEFAULT_MEDIA_TYPE.into());
        let (mut sha256, mut size, mut updated_at) = (None, None, None);
        if f.is_reply() {
            let hex = f.string("sha-256")?;
            sha256 =
                hex.map(|h| decode_hex_string(&h).ok_or_else(|| f.invalid("sha-256", "is not hex"))).transpose()?;
            size = f.integer("size", (0, u64::MAX))?;
            updated_at = f.date_time("updated-at")?;
        }
        for state in ["sha-256", "size", "updated-at"] {
            f.ignore(state);
        }
        f.finish()?;
        if !is_file_name(&name) {
            let message = format!(
                "\"{name}\" is not a plain file name (letters, digits, '.', '_', '+', '-'; not starting with punctuation)"
            );
            return Err(DecodeError::new("artifact/name", crate::codec::DecodeErrorKind::InvalidValue, message));
        }
        if !is_media_type(&media_type) {
            let message = format!("\"{media_type}\" is not a media type (type/subtype)");
            return Err(DecodeError::new("artifact/media-type", crate::codec::DecodeErrorKind::InvalidValue, message));
        }
        Ok(Artifact { name, media_type, sha256, size, updated_at })
    }

    fn to_value(&self) -> Value {
        let mut o = Out::default();
        o.put("name", self.name.as_str()).put("media-type", self.media_type.as_str());
        o.opt("sha-256", self.sha256.as_deref().map(encode_hex_string));
        // uint64 is a JSON string in RFC 7951.
        o.opt("size", self.size.map(|s| s.to_string()));
        o.date_time("updated-at", self.updated_at).done()
    }
}

/// The YANG `file-name`: safe as the last segment of a download URL.
pub fn is_file_name(name: &str) -> bool {
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
    first_ok && rest_ok && name.len() <= 255
}

/// A media type (`type/subtype`, parameters allowed, no line breaks).
pub fn is_media_type(t: &str) -> bool {
    let essence = t.split(';').next().unwrap_or_default().trim_end();
    let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b));
    matches!(essence.split_once('/'), Some((a, b)) if token(a) && token(b) && !t.contains(['\r', '\n']))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_plain_file_names() {
        assert!(is_file_name("image-1.2_x+y.bin"));
        for bad in [".hidden", "", "a/b", "a b", "-x", "café"] {
            assert!(!is_file_name(bad), "{bad}");
        }
    }

    #[test]
    fn media_types_are_checked() {
        assert!(is_media_type("application/octet-stream"));
        assert!(is_media_type("text/x-shellscript; charset=utf-8"));
        for bad in ["octet-stream", "a/b\r\nX: y", "/b"] {
            assert!(!is_media_type(bad), "{bad:?}");
        }
    }

    #[test]
    fn state_is_ignored_on_input_and_unknown_members_refused() {
        let v = json!({"name": "img", "size": "5", "sha-256": "ab", "updated-at": "x"});
        assert_eq!(Artifact::from_value(&v).map(|a| a.media_type).ok().as_deref(), Some(DEFAULT_MEDIA_TYPE));
        assert!(Artifact::from_value(&json!({"name": "x", "media-type": "nope"})).is_err());
        let e = Artifact::from_value(&json!({"name": "x", "colour": "red"})).unwrap_err();
        assert_eq!((e.path.as_str(), e.kind.error_tag()), ("artifact/colour", "unknown-element"));
    }
}
