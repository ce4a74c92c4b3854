//! What XML cannot say and RFC 7951 JSON must: which nodes of our modules are lists and
//! leaf-lists, and which leaves are numbers, booleans or `empty`. A unit test checks these
//! tables against `yanglint -f info` of the YANG modules.

/// The JSON type of a leaf or leaf-list entry (RFC 7951 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scalar {
    /// A JSON string: string, binary, enumeration, bits, union of those, and the 64-bit
    /// integers and decimal64 (RFC 7951 §6.1–6.2).
    Text,
    /// A JSON number: int8…int32 and uint8…uint32.
    Number,
    /// `true` or `false`.
    Boolean,
    /// `[null]` (RFC 7951 §6.9).
    #[allow(dead_code, reason = "no leaf of our modules is of type empty yet; the reader handles one")]
    Empty,
}

/// A schema node as JSON writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// An object (also an action's `input`).
    Container,
    /// An array of objects, even with one entry.
    List,
    /// One scalar.
    Leaf(Scalar),
    /// An array of scalars.
    LeafList(Scalar),
    /// An object holding data of any module (YANG Patch `value`).
    Anydata,
}

/// One module's schema nodes by path from the module's top (choices and cases left out,
/// actions as `…/action/input/…`), sorted, so that a path is found by binary search.
#[derive(Debug)]
pub(super) struct Schema {
    /// Module name, the RFC 7951 prefix.
    pub(super) module: &'static str,
    /// XML namespace.
    pub(super) namespace: &'static str,
    /// `(path, kind)`, sorted by path.
    pub(super) nodes: &'static [(&'static str, Kind)],
}

impl Schema {
    /// The node at `path`.
    pub(super) fn node(&self, path: &str) -> Option<(&'static str, Kind)> {
        self.nodes.binary_search_by(|(p, _)| (*p).cmp(path)).ok().map(|i| self.nodes[i])
    }
}

const CONTAINER: Kind = Kind::Container;
const LIST: Kind = Kind::List;
const ANYDATA: Kind = Kind::Anydata;
const TEXT: Kind = Kind::Leaf(Scalar::Text);
const NUMBER: Kind = Kind::Leaf(Scalar::Number);
const BOOLEAN: Kind = Kind::Leaf(Scalar::Boolean);
const TEXTS: Kind = Kind::LeafList(Scalar::Text);

/// `yang/sztp/sztp-server@2026-11-30.yang`: configuration, state (echoed back by clients that
/// PUT what they read) and action inputs.
pub(super) const SZTP_SERVER: Schema =
    Schema { module: "sztp-server", namespace: "urn:sztp:params:xml:ns:yang:sztp-server", nodes: SZTP_SERVER_NODES };

/// RFC 8072 `yang-data yang-patch` (the request; the status is a reply).
pub(super) const YANG_PATCH: Schema = Schema {
    module: "ietf-yang-patch",
    namespace: "urn:ietf:params:xml:ns:yang:ietf-yang-patch",
    nodes: YANG_PATCH_NODES,
};

const YANG_PATCH_NODES: &[(&str, Kind)] = &[
    ("yang-patch", CONTAINER),
    ("yang-patch/comment", TEXT),
    ("yang-patch/edit", LIST),
    ("yang-patch/edit/edit-id", TEXT),
    ("yang-patch/edit/operation", TEXT),
    ("yang-patch/edit/point", TEXT),
    ("yang-patch/edit/target", TEXT),
    ("yang-patch/edit/value", ANYDATA),
    ("yang-patch/edit/where", TEXT),
    ("yang-patch/patch-id", TEXT),
];

const SZTP_SERVER_NODES: &[(&str, Kind)] = &[
    ("administrators", CONTAINER),
    ("administrators/administrator", LIST),
    ("administrators/administrator/access-level", TEXT),
    ("administrators/administrator/client-certificate", TEXT),
    ("administrators/administrator/email", TEXT),
    ("administrators/administrator/last-login", TEXT),
    ("administrators/administrator/locked-until", TEXT),
    ("administrators/administrator/login", TEXT),
    ("administrators/administrator/password", TEXT),
    ("administrators/administrator/password-changed-at", TEXT),
    ("administrators/administrator/tenant", TEXTS),
    ("preferences", CONTAINER),
    ("preferences/lockout", CONTAINER),
    ("preferences/lockout/duration", NUMBER),
    ("preferences/lockout/threshold", NUMBER),
    ("preferences/password", CONTAINER),
    ("preferences/password/max-age", NUMBER),
    ("preferences/password/min-length", NUMBER),
    ("tenants", CONTAINER),
    ("tenants/tenant", LIST),
    ("tenants/tenant/artifacts", CONTAINER),
    ("tenants/tenant/artifacts/artifact", LIST),
    ("tenants/tenant/artifacts/artifact/media-type", TEXT),
    ("tenants/tenant/artifacts/artifact/name", TEXT),
    ("tenants/tenant/artifacts/artifact/sha-256", TEXT),
    ("tenants/tenant/artifacts/artifact/size", TEXT),
    ("tenants/tenant/artifacts/artifact/updated-at", TEXT),
    ("tenants/tenant/audit-log", CONTAINER),
    ("tenants/tenant/audit-log/entry", LIST),
    ("tenants/tenant/audit-log/entry/api", TEXT),
    ("tenants/tenant/audit-log/entry/id", TEXT),
    ("tenants/tenant/audit-log/entry/method", TEXT),
    ("tenants/tenant/audit-log/entry/path", TEXT),
    ("tenants/tenant/audit-log/entry/principal", TEXT),
    ("tenants/tenant/audit-log/entry/source", TEXT),
    ("tenants/tenant/audit-log/entry/status", NUMBER),
    ("tenants/tenant/audit-log/entry/time", TEXT),
    ("tenants/tenant/bootstrapping-log", CONTAINER),
    ("tenants/tenant/bootstrapping-log/entry", LIST),
    ("tenants/tenant/bootstrapping-log/entry/detail", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/id", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/message", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/operation", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/outcome", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/progress-type", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/serial", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/source", TEXT),
    ("tenants/tenant/bootstrapping-log/entry/status", NUMBER),
    ("tenants/tenant/bootstrapping-log/entry/time", TEXT),
    ("tenants/tenant/certificates", CONTAINER),
    ("tenants/tenant/certificates/revoke/input", CONTAINER),
    ("tenants/tenant/certificates/revoke/input/certificate", TEXT),
    ("tenants/tenant/certificates/revoke/input/issuer-key", TEXT),
    ("tenants/tenant/certificates/revoke/input/reason", TEXT),
    ("tenants/tenant/certificates/revoke/input/serial-number", TEXT),
    ("tenants/tenant/created-at", TEXT),
    ("tenants/tenant/device-types", CONTAINER),
    ("tenants/tenant/device-types/device-type", LIST),
    ("tenants/tenant/device-types/device-type/allow-sha1", BOOLEAN),
    ("tenants/tenant/device-types/device-type/encrypt", BOOLEAN),
    ("tenants/tenant/device-types/device-type/match-rule", LIST),
    ("tenants/tenant/device-types/device-type/match-rule/condition", LIST),
    ("tenants/tenant/device-types/device-type/match-rule/condition/field", TEXT),
    ("tenants/tenant/device-types/device-type/match-rule/condition/id", NUMBER),
    ("tenants/tenant/device-types/device-type/match-rule/condition/negate", BOOLEAN),
    ("tenants/tenant/device-types/device-type/match-rule/condition/op", TEXT),
    ("tenants/tenant/device-types/device-type/match-rule/condition/value", TEXT),
    ("tenants/tenant/device-types/device-type/match-rule/name", TEXT),
    ("tenants/tenant/device-types/device-type/match-rule/response", TEXT),
    ("tenants/tenant/device-types/device-type/name", TEXT),
    ("tenants/tenant/device-types/device-type/owner-certificate", TEXT),
    ("tenants/tenant/device-types/device-type/profile", TEXT),
    ("tenants/tenant/device-types/device-type/reporting-level", TEXT),
    ("tenants/tenant/device-types/device-type/serial-rule", CONTAINER),
    ("tenants/tenant/device-types/device-type/serial-rule/regex", TEXT),
    ("tenants/tenant/device-types/device-type/serial-rule/source", TEXT),
    ("tenants/tenant/device-types/device-type/serial-rule/token-prefix", TEXT),
    ("tenants/tenant/device-types/device-type/signing", TEXT),
    ("tenants/tenant/device-types/device-type/trust-bag", TEXT),
    ("tenants/tenant/devices", CONTAINER),
    ("tenants/tenant/devices/device", LIST),
    ("tenants/tenant/devices/device/activation-code", TEXT),
    ("tenants/tenant/devices/device/activation-code-hash", TEXT),
    ("tenants/tenant/devices/device/device-type", TEXT),
    ("tenants/tenant/devices/device/enabled", BOOLEAN),
    ("tenants/tenant/devices/device/idevid-certificate", TEXT),
    ("tenants/tenant/devices/device/match-rule", LIST),
    ("tenants/tenant/devices/device/match-rule/condition", LIST),
    ("tenants/tenant/devices/device/match-rule/condition/field", TEXT),
    ("tenants/tenant/devices/device/match-rule/condition/id", NUMBER),
    ("tenants/tenant/devices/device/match-rule/condition/negate", BOOLEAN),
    ("tenants/tenant/devices/device/match-rule/condition/op", TEXT),
    ("tenants/tenant/devices/device/match-rule/condition/value", TEXT),
    ("tenants/tenant/devices/device/match-rule/name", TEXT),
    ("tenants/tenant/devices/device/match-rule/response", TEXT),
    ("tenants/tenant/devices/device/overrides", CONTAINER),
    ("tenants/tenant/devices/device/overrides/encrypt", BOOLEAN),
    ("tenants/tenant/devices/device/overrides/owner-certificate", TEXT),
    ("tenants/tenant/devices/device/overrides/reporting-level", TEXT),
    ("tenants/tenant/devices/device/overrides/signing", TEXT),
    ("tenants/tenant/devices/device/serial", TEXT),
    ("tenants/tenant/devices/device/status", CONTAINER),
    ("tenants/tenant/devices/device/status/attempts", TEXT),
    ("tenants/tenant/devices/device/status/completed-at", TEXT),
    ("tenants/tenant/devices/device/status/first-seen", TEXT),
    ("tenants/tenant/devices/device/status/last-error", TEXT),
    ("tenants/tenant/devices/device/status/last-seen", TEXT),
    ("tenants/tenant/devices/device/status/stage", TEXT),
    ("tenants/tenant/devices/import/input", CONTAINER),
    ("tenants/tenant/devices/import/input/device", LIST),
    ("tenants/tenant/devices/import/input/device/activation-code", TEXT),
    ("tenants/tenant/devices/import/input/device/activation-code-hash", TEXT),
    ("tenants/tenant/devices/import/input/device/device-type", TEXT),
    ("tenants/tenant/devices/import/input/device/enabled", BOOLEAN),
    ("tenants/tenant/devices/import/input/device/idevid-certificate", TEXT),
    ("tenants/tenant/devices/import/input/device/serial", TEXT),
    ("tenants/tenant/devices/import/input/on-conflict", TEXT),
    ("tenants/tenant/endpoints", CONTAINER),
    ("tenants/tenant/endpoints/endpoint", LIST),
    ("tenants/tenant/endpoints/endpoint/address", TEXT),
    ("tenants/tenant/endpoints/endpoint/apis", TEXTS),
    ("tenants/tenant/endpoints/endpoint/behind-tls-terminator", BOOLEAN),
    ("tenants/tenant/endpoints/endpoint/enabled", BOOLEAN),
    ("tenants/tenant/endpoints/endpoint/error", TEXT),
    ("tenants/tenant/endpoints/endpoint/external-address", TEXT),
    ("tenants/tenant/endpoints/endpoint/limits", CONTAINER),
    ("tenants/tenant/endpoints/endpoint/limits/body-timeout", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/header-timeout", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/idle-timeout", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/keepalive-interval", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/max-body-size", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/max-connections", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/max-connections-per-source", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/max-downloads", NUMBER),
    ("tenants/tenant/endpoints/endpoint/limits/max-header-size", NUMBER),
    ("tenants/tenant/endpoints/endpoint/listening", TEXT),
    ("tenants/tenant/endpoints/endpoint/name", TEXT),
    ("tenants/tenant/endpoints/endpoint/port", NUMBER),
    ("tenants/tenant/endpoints/endpoint/protocol", TEXT),
    ("tenants/tenant/endpoints/endpoint/tls", CONTAINER),
    ("tenants/tenant/endpoints/endpoint/tls/certificate", TEXTS),
    ("tenants/tenant/endpoints/endpoint/tls/client-auth", TEXT),
    ("tenants/tenant/endpoints/endpoint/tls/client-trust-bag", TEXT),
    ("tenants/tenant/endpoints/endpoint/tls/min-version", TEXT),
    ("tenants/tenant/endpoints/endpoint/tls/server-key", TEXT),
    ("tenants/tenant/keystore", CONTAINER),
    ("tenants/tenant/keystore/asymmetric-key", LIST),
    ("tenants/tenant/keystore/asymmetric-key/algorithm", TEXT),
    ("tenants/tenant/keystore/asymmetric-key/created-at", TEXT),
    ("tenants/tenant/keystore/asymmetric-key/name", TEXT),
    ("tenants/tenant/keystore/asymmetric-key/public-key", TEXT),
    ("tenants/tenant/keystore/generate/input", CONTAINER),
    ("tenants/tenant/keystore/generate/input/algorithm", TEXT),
    ("tenants/tenant/keystore/generate/input/name", TEXT),
    ("tenants/tenant/keystore/import/input", CONTAINER),
    ("tenants/tenant/keystore/import/input/name", TEXT),
    ("tenants/tenant/keystore/import/input/private-key", TEXT),
    ("tenants/tenant/name", TEXT),
    ("tenants/tenant/owner-certificates", CONTAINER),
    ("tenants/tenant/owner-certificates/owner-certificate", LIST),
    ("tenants/tenant/owner-certificates/owner-certificate/certificate", TEXTS),
    ("tenants/tenant/owner-certificates/owner-certificate/key", TEXT),
    ("tenants/tenant/owner-certificates/owner-certificate/name", TEXT),
    ("tenants/tenant/responses", CONTAINER),
    ("tenants/tenant/responses/response", LIST),
    ("tenants/tenant/responses/response/name", TEXT),
    ("tenants/tenant/responses/response/onboarding", CONTAINER),
    ("tenants/tenant/responses/response/onboarding/boot-image", CONTAINER),
    ("tenants/tenant/responses/response/onboarding/boot-image/artifact", TEXT),
    ("tenants/tenant/responses/response/onboarding/boot-image/download-uri", TEXTS),
    ("tenants/tenant/responses/response/onboarding/boot-image/os-name", TEXT),
    ("tenants/tenant/responses/response/onboarding/boot-image/os-version", TEXT),
    ("tenants/tenant/responses/response/onboarding/boot-image/sha-256", TEXT),
    ("tenants/tenant/responses/response/onboarding/configuration", TEXT),
    ("tenants/tenant/responses/response/onboarding/configuration-handling", TEXT),
    ("tenants/tenant/responses/response/onboarding/post-configuration-script", TEXT),
    ("tenants/tenant/responses/response/onboarding/pre-configuration-script", TEXT),
    ("tenants/tenant/responses/response/redirect", CONTAINER),
    ("tenants/tenant/responses/response/redirect/server", LIST),
    ("tenants/tenant/responses/response/redirect/server/address", TEXT),
    ("tenants/tenant/responses/response/redirect/server/port", NUMBER),
    ("tenants/tenant/responses/response/redirect/server/trust-anchor", TEXTS),
    ("tenants/tenant/truststore", CONTAINER),
    ("tenants/tenant/truststore/certificate-bag", LIST),
    ("tenants/tenant/truststore/certificate-bag/certificate", TEXTS),
    ("tenants/tenant/truststore/certificate-bag/description", TEXT),
    ("tenants/tenant/truststore/certificate-bag/name", TEXT),
    ("tenants/tenant/vouchers", CONTAINER),
    ("tenants/tenant/vouchers/issue/input", CONTAINER),
    ("tenants/tenant/vouchers/issue/input/assertion", TEXT),
    ("tenants/tenant/vouchers/issue/input/expires-at", TEXT),
    ("tenants/tenant/vouchers/issue/input/owner-certificate", TEXT),
    ("tenants/tenant/vouchers/issue/input/serial", TEXT),
    ("tenants/tenant/vouchers/issue/input/signing-key", TEXT),
    ("tenants/tenant/vouchers/voucher", LIST),
    ("tenants/tenant/vouchers/voucher/cms", TEXT),
    ("tenants/tenant/vouchers/voucher/expires-at", TEXT),
    ("tenants/tenant/vouchers/voucher/serial", TEXT),
];
