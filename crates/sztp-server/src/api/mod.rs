//! The HTTP front doors: shared RESTCONF machinery, the southbound RFC 8572 API and the
//! northbound operator API. Handlers extract, call the domain or the store, and reply; status
//! codes are picked in `restconf::status` only.

pub(crate) mod artifact_body;
pub(crate) mod northbound;
pub(crate) mod restconf;
pub(crate) mod southbound;
