//! The RFC 8572 §8.3 `bootstrap-server-list` (RFC 7227 §5.7 style): repeated
//! `uri-length` (2 octets, network order) followed by that many octets of URI.

use super::DhcpError;
use super::uri::{BootstrapServerUri, UriError};

/// A non-empty list of validated bootstrap-server URIs, in the operator's order of preference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BootstrapServerList(Vec<BootstrapServerUri>);

impl BootstrapServerList {
    /// Wraps already-validated URIs; fails when there are none.
    pub fn new(uris: Vec<BootstrapServerUri>) -> Result<Self, DhcpError> {
        if uris.is_empty() {
            return Err(DhcpError::EmptyList);
        }
        Ok(Self(uris))
    }

    /// Validates each URI text and builds the list; fails on the first invalid URI or when empty.
    pub fn parse<I, S>(uris: I) -> Result<Self, DhcpError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let uris = uris
            .into_iter()
            .map(|text| {
                let text = text.as_ref();
                BootstrapServerUri::parse(text).map_err(|reason| DhcpError::InvalidUri { uri: text.to_owned(), reason })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(uris)
    }

    /// The URIs in order.
    pub fn uris(&self) -> &[BootstrapServerUri] {
        &self.0
    }

    /// Iterates over the URIs in order.
    pub fn iter(&self) -> std::slice::Iter<'_, BootstrapServerUri> {
        self.0.iter()
    }

    /// The number of URIs (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a list holds at least one URI.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Unwraps into the URIs.
    pub fn into_vec(self) -> Vec<BootstrapServerUri> {
        self.0
    }

    /// Octets [`encode`](Self::encode) produces.
    pub fn encoded_len(&self) -> usize {
        self.0.iter().map(|uri| 2 + uri.as_str().len()).sum()
    }

    /// Encodes the §8.3 wire form (the option data of option 143 and 136).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        for uri in &self.0 {
            let bytes = uri.as_str().as_bytes();
            // Parsing bounds every URI to u16::MAX octets, so the conversion never saturates.
            let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(bytes);
        }
        out
    }
}

impl<'a> IntoIterator for &'a BootstrapServerList {
    type Item = &'a BootstrapServerUri;
    type IntoIter = std::slice::Iter<'a, BootstrapServerUri>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A list entry that a client ignores because it is not a valid URI (RFC 8572 §8.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedUri {
    /// Zero-based position of the entry in the list.
    pub index: usize,
    /// The entry's octets as received.
    pub raw: Vec<u8>,
    /// Why it was rejected.
    pub reason: UriError,
}

/// The outcome of decoding a `bootstrap-server-list`: the valid URIs and the ignored entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedServerList {
    /// The valid URIs, in received order.
    pub servers: BootstrapServerList,
    /// The entries that were ignored, with reasons (for logs and progress reports).
    pub rejected: Vec<RejectedUri>,
}

/// Decodes §8.3 option data: framing errors fail, invalid URIs are set aside, and no valid URI fails.
pub fn decode_bootstrap_server_list(data: &[u8]) -> Result<DecodedServerList, DhcpError> {
    validate_entries(split_entries(data)?)
}

/// Validates each entry, keeping the valid URIs and recording the rest; none valid is an error.
pub(super) fn validate_entries<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<DecodedServerList, DhcpError> {
    let mut servers = Vec::new();
    let mut rejected = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        match BootstrapServerUri::from_bytes(entry) {
            Ok(uri) => servers.push(uri),
            Err(reason) => rejected.push(RejectedUri { index, raw: entry.to_vec(), reason }),
        }
    }
    match BootstrapServerList::new(servers) {
        Ok(servers) => Ok(DecodedServerList { servers, rejected }),
        Err(_) => Err(DhcpError::NoValidUri { rejected }),
    }
}

/// Splits the list into its URI entries, failing if a `uri-length` runs past the end.
pub(super) fn split_entries(data: &[u8]) -> Result<Vec<&[u8]>, DhcpError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < data.len() {
        let truncated = DhcpError::Truncated { what: "bootstrap-server-list", offset };
        let header = data.get(offset..offset + 2).ok_or(truncated.clone())?;
        let len = usize::from(u16::from_be_bytes([header[0], header[1]]));
        let entry = data.get(offset + 2..offset + 2 + len).ok_or(truncated)?;
        entries.push(entry);
        offset += 2 + len;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_length_prefixed_entries() {
        let list = BootstrapServerList::parse(["https://a.example", "https://[::1]:8443"]).unwrap();
        let wire = list.encode();
        assert_eq!(&wire[..2], &[0x00, 17]);
        assert_eq!(&wire[2..19], b"https://a.example");
        assert_eq!(&wire[19..21], &[0x00, 18]);
        assert_eq!(wire.len(), list.encoded_len());
        assert_eq!(decode_bootstrap_server_list(&wire).unwrap().servers, list);
    }

    #[test]
    fn empty_list_is_refused() {
        assert_eq!(BootstrapServerList::new(vec![]), Err(DhcpError::EmptyList));
        assert_eq!(BootstrapServerList::parse(Vec::<&str>::new()), Err(DhcpError::EmptyList));
        assert!(matches!(
            BootstrapServerList::parse(["https://ok.example", "http://no"]),
            Err(DhcpError::InvalidUri { reason: UriError::NotHttps, .. })
        ));
    }

    #[test]
    fn invalid_entries_are_ignored_and_reported() {
        let mut wire = vec![0, 4];
        wire.extend_from_slice(b"ftp:");
        wire.extend_from_slice(&[0, 0]);
        wire.extend_from_slice(&[0, 17]);
        wire.extend_from_slice(b"https://b.example");
        let decoded = decode_bootstrap_server_list(&wire).unwrap();
        assert_eq!(decoded.servers.uris()[0].as_str(), "https://b.example");
        assert_eq!(decoded.rejected.len(), 2);
        assert_eq!(decoded.rejected[0], RejectedUri { index: 0, raw: b"ftp:".to_vec(), reason: UriError::NotHttps });
        assert_eq!(decoded.rejected[1].reason, UriError::Empty);
    }

    #[test]
    fn no_valid_uri_discards_the_option() {
        let wire = [0, 3, b'a', b'b', b'c'];
        let err = decode_bootstrap_server_list(&wire).unwrap_err();
        assert!(matches!(&err, DhcpError::NoValidUri { rejected } if rejected.len() == 1));
        assert_eq!(decode_bootstrap_server_list(&[]), Err(DhcpError::NoValidUri { rejected: vec![] }));
    }

    #[test]
    fn length_running_past_the_end_is_malformed() {
        let mut wire = vec![0, 17];
        wire.extend_from_slice(b"https://b.example");
        wire.extend_from_slice(&[0, 30, b'h']);
        assert_eq!(
            decode_bootstrap_server_list(&wire),
            Err(DhcpError::Truncated { what: "bootstrap-server-list", offset: 19 })
        );
        assert!(matches!(decode_bootstrap_server_list(&[0]), Err(DhcpError::Truncated { offset: 0, .. })));
    }
}
