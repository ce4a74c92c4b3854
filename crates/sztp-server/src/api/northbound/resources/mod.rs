//! The lists of the `sztp-server` module, one file each: an entry's JSON form (RFC 7951) and the
//! [`Resource`] that reads, validates and writes it. A new list is one new file here.

pub(crate) mod admins;
pub(crate) mod artifacts;
pub(crate) mod device_types;
pub(crate) mod devices;
pub(crate) mod endpoints;
pub(crate) mod owner_certs;
pub(crate) mod responses;
pub(crate) mod trust;
pub(crate) mod vouchers;

use super::resource::Resource;

/// The lists inside a tenant, found by their container (and list) name.
const TENANT_LISTS: [&dyn Resource; 8] = [
    &devices::Devices,
    &device_types::DeviceTypes,
    &responses::Responses,
    &trust::TrustBags,
    &owner_certs::OwnerCertificates,
    &vouchers::Vouchers,
    &endpoints::Endpoints,
    &artifacts::Artifacts,
];

/// The tenant list whose container (and list, when given) a path names.
pub(crate) fn tenant_list(container: &str, list: Option<&str>) -> Option<&'static dyn Resource> {
    TENANT_LISTS.into_iter().find(|r| r.container() == container && list.is_none_or(|l| l == r.list()))
}
