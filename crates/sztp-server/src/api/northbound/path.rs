//! RESTCONF data resource paths (RFC 8040 §3.5.3): `module:node/list=key/child`, with
//! percent-encoded keys.

/// One path step: a node name and, for list entries, the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Step {
    /// Node name without the module prefix.
    pub name: String,
    /// The list key, decoded.
    pub key: Option<String>,
}

/// Parses the part after `/restconf/data/`. The first step must be qualified with `module`.
pub(super) fn parse(path: &str, module: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for (i, raw) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        let (name, key) = match raw.split_once('=') {
            Some((n, k)) => (n, Some(decode(k)?)),
            None => (raw, None),
        };
        let name = match name.split_once(':') {
            Some((m, n)) if m == module => n,
            Some((m, _)) => return Err(format!("unknown module \"{m}\"")),
            None if i == 0 => return Err(format!("the first path step must be qualified, e.g. {module}:{name}")),
            None => name,
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("\"{name}\" is not a node name"));
        }
        steps.push(Step { name: name.to_owned(), key });
    }
    Ok(steps)
}

/// The tenant a northbound request path addresses (`…/tenants/tenant=NAME/…` or the content
/// API's `/artifacts/NAME/…`), for the audit log: a tenant's actions go to its own log.
pub(crate) fn addressed_tenant(path: &str) -> Option<String> {
    if let Some(rest) = path.strip_prefix("/artifacts/") {
        return rest.split('/').next().and_then(|t| decode(t).ok());
    }
    let steps = parse(path.strip_prefix("/restconf/data/")?, super::MODULE).ok()?;
    match steps.as_slice() {
        [first, second, ..] if first.name == "tenants" && second.name == "tenant" => second.key.clone(),
        _ => None,
    }
}

fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or("truncated percent-encoding")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| format!("bad percent-encoding \"%{hex}\""))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "key is not UTF-8".to_owned())
}

/// Percent-encodes a key for a `Location` header.
pub(super) fn encode(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_keys() {
        let steps = parse("sztp-server:tenants/tenant=default/devices/device=SN%2F1", "sztp-server").expect("ok");
        assert_eq!(steps.len(), 4);
        assert_eq!(steps[1].key.as_deref(), Some("default"));
        assert_eq!(steps[3].key.as_deref(), Some("SN/1"));
        assert!(parse("tenants", "sztp-server").is_err());
        assert!(parse("other:tenants", "sztp-server").is_err());
        assert!(parse("sztp-server:x/y=%zz", "sztp-server").is_err());
        assert_eq!(encode("SN/1 a"), "SN%2F1%20a");
    }
}
