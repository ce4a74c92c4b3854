//! RFC 8572 §8 DHCP options: `OPTION_V4_SZTP_REDIRECT` (143, split per RFC 3396) and
//! `OPTION_V6_SZTP_REDIRECT` (136), both carrying a §8.3 `bootstrap-server-list`, plus the dhclient
//! lease-file text forms and ISC dhcpd / Kea configuration snippets for operators.

mod lease;
mod list;
mod snippets;
mod uri;
mod v4;
mod v6;

#[cfg(test)]
mod tests;

pub use lease::{dhclient_colon_hex, parse_dhclient_lease_file, parse_dhclient_lease_value};
pub use list::{BootstrapServerList, DecodedServerList, RejectedUri, decode_bootstrap_server_list};
pub use snippets::{DhcpVersion, isc_dhclient_snippet, isc_dhcpd_snippet, kea_snippet};
pub use uri::{BootstrapServerUri, DEFAULT_HTTPS_PORT, UriError, UriHost};
pub use v4::{OPTION_V4_SZTP_REDIRECT, V4_OPTION_MAX_DATA, concatenate_v4_option, decode_v4, encode_v4_options};
pub use v6::{OPTION_V6_SZTP_REDIRECT, V6_OPTION_MAX_DATA, decode_v6, encode_v6_option};

use thiserror::Error;

/// A DHCP option (or its text form) that cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DhcpError {
    /// A `bootstrap-server-list` must name at least one bootstrap server.
    #[error("bootstrap-server-list is empty")]
    EmptyList,
    /// A URI given to an encoder is not of the RFC 8572 §8.3 form.
    #[error("invalid bootstrap server URI {uri:?}: {reason}")]
    InvalidUri {
        /// The URI as given.
        uri: String,
        /// Why it is not acceptable.
        reason: UriError,
    },
    /// A length field runs past the end of the data (malformed framing).
    #[error("malformed {what}: length runs past the end at offset {offset}")]
    Truncated {
        /// Which structure is malformed.
        what: &'static str,
        /// Byte offset of the offending length field.
        offset: usize,
    },
    /// The option is not in the options given.
    #[error("option {code} is not present")]
    OptionAbsent {
        /// The option code looked for.
        code: u16,
    },
    /// A singleton DHCPv6 option that appears more than once (RFC 8572 §8.2).
    #[error("DHCPv6 option {code} appears more than once")]
    DuplicateOption {
        /// The repeated option code.
        code: u16,
    },
    /// Every URI was invalid, so the client MUST discard the option (RFC 8572 §8.3).
    #[error("no valid URI in bootstrap-server-list ({count} rejected)", count = .rejected.len())]
    NoValidUri {
        /// Each rejected entry with its reason.
        rejected: Vec<RejectedUri>,
    },
    /// The list does not fit the option's length field.
    #[error("bootstrap-server-list of {len} octets exceeds the {max}-octet limit")]
    TooLong {
        /// Encoded length of the list.
        len: usize,
        /// Largest length the option can carry.
        max: usize,
    },
    /// The lease file has no `option <name> ...;` statement for the option asked for.
    #[error("option {name} is not in the lease file")]
    NotInLease {
        /// The option name looked for.
        name: String,
    },
    /// A dhclient lease-file value that is neither a quoted string nor colon-separated hex.
    #[error("invalid dhclient lease value: {0}")]
    LeaseSyntax(&'static str),
}
