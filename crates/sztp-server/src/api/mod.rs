//! The HTTP front doors: shared RESTCONF machinery and the southbound RFC 8572 API. Handlers
//! extract, call the domain, and reply; status codes are picked in `restconf::errors` only.

pub mod restconf;
pub mod southbound;
