//! The YANG modules this crate speaks, with their XML namespaces.

/// A YANG module known to the codecs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Module {
    /// Module name, used as the RFC 7951 JSON prefix.
    pub name: &'static str,
    /// XML namespace URI.
    pub namespace: &'static str,
}

const MODULES: &[Module] = &[
    Module { name: "ietf-sztp-bootstrap-server", namespace: "urn:ietf:params:xml:ns:yang:ietf-sztp-bootstrap-server" },
    Module { name: "ietf-sztp-conveyed-info", namespace: "urn:ietf:params:xml:ns:yang:ietf-sztp-conveyed-info" },
    Module { name: "ietf-sztp-csr", namespace: "urn:ietf:params:xml:ns:yang:ietf-sztp-csr" },
    Module { name: "ietf-ztp-types", namespace: "urn:ietf:params:xml:ns:yang:ietf-ztp-types" },
    Module { name: "ietf-voucher", namespace: "urn:ietf:params:xml:ns:yang:ietf-voucher" },
    Module { name: "ietf-restconf", namespace: "urn:ietf:params:xml:ns:yang:ietf-restconf" },
];

/// Looks a module up by name.
pub fn module_by_name(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name == name)
}

/// Looks a module up by XML namespace.
pub fn module_by_namespace(ns: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.namespace == ns)
}
