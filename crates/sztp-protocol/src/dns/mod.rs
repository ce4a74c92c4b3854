//! RFC 8572 §4.2 DNS forms: device-specific TXT records at `<serial-number>._sztp.<domain>` carrying
//! `ci`/`oc`/`ov`, device-independent SRV records at `_sztp._tcp.<domain>`, and their zone-file text.
//! DNS is an untrusted source (§4.2): what these records carry must be signed or be unsigned redirect.

mod names;
mod srv;
mod txt;
mod zone;

#[cfg(test)]
mod tests;

pub use names::{
    MDNS_DOMAIN, SZTP_SERVICE_LABELS, SZTP_TXT_LABEL, device_independent_mdns_name, device_independent_name,
    device_specific_mdns_name, device_specific_name, validate_serial_label,
};
pub use srv::{SrvRecord, order_srv_records};
pub use txt::{
    CharacterStrings, DnsConveyedArtifacts, MAX_CHARACTER_STRING, MAX_RDATA, decode_txt_records, encode_txt_records,
    parse_txt_rdata, txt_rdata,
};
pub use zone::{parse_character_strings, quote_character_string, zone_file_srv, zone_file_txt};

use thiserror::Error;

/// A DNS record form that cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DnsError {
    /// The serial number cannot be a single DNS label; the text says why.
    #[error("serial number is not usable as a DNS label: {0}")]
    InvalidSerialNumber(&'static str),
    /// A domain name (or SRV target) that is not a valid name; the text says why.
    #[error("invalid domain name: {0}")]
    InvalidDomain(&'static str),
    /// A character-string longer than 255 octets (RFC 1035 §3.3).
    #[error("character-string of {len} octets exceeds 255")]
    CharacterStringTooLong {
        /// Its length.
        len: usize,
    },
    /// A TXT record whose RDATA would exceed 65535 octets (RFC 1035 §3.2.1 RDLENGTH).
    #[error("TXT RDATA of {len} octets exceeds 65535")]
    RdataTooLong {
        /// The RDATA length it would need.
        len: usize,
    },
    /// TXT RDATA that is empty or whose length octet runs past the end.
    #[error("malformed TXT RDATA at offset {offset}")]
    MalformedRdata {
        /// Offset of the offending length octet.
        offset: usize,
    },
    /// A recognised key (`ci`, `oc`, `ov`) that appears more than once.
    #[error("key {0:?} appears more than once")]
    DuplicateKey(&'static str),
    /// A recognised key given as a bare attribute, without `=` (RFC 6763 §6.4).
    #[error("key {0:?} has no value")]
    MissingValue(&'static str),
    /// A recognised key whose value is empty.
    #[error("key {0:?} has an empty value")]
    EmptyValue(&'static str),
    /// `oc`/`ov` present without `ci`: there is nothing for them to sign.
    #[error("owner certificate or ownership voucher without conveyed information")]
    MissingConveyedInformation,
    /// Only one of `oc` and `ov`: signed data needs both (RFC 8572 §3.5).
    #[error("signed conveyed information lacks its {missing}")]
    UnpairedOwnerArtifact {
        /// `"owner certificate"` or `"ownership voucher"`.
        missing: &'static str,
    },
    /// None of `ci`, `oc`, `ov` is present.
    #[error("no SZTP keys in the TXT records")]
    NoArtifacts,
    /// SRV presentation text that is not `<priority> <weight> <port> <target>`.
    #[error("invalid SRV record: {0}")]
    InvalidSrv(&'static str),
    /// Zone-file character-string text that cannot be parsed.
    #[error("invalid character-string text: {0}")]
    InvalidPresentation(&'static str),
}
