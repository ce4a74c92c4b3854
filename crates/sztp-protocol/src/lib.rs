//! Sans-I/O protocol core of sztp: RFC 8572 (SZTP), RFC 9646 (CSR in SZTP) and RFC 8366 (vouchers).
//! Typed YANG models with RFC 7951 JSON and XML codecs, CMS build/parse/verify, the RFC 8572 §5.4
//! trust chain, DHCP option 143/136 and the DNS record forms. No sockets, files or runtimes here.

pub mod cms;
pub mod codec;
pub mod dhcp;
pub mod dns;
pub mod error;
pub mod model;
pub mod trust;
pub mod x509;

pub use error::ProtocolError;
