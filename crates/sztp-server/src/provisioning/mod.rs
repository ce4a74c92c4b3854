//! The bootstrap domain, independent of HTTP: device authentication, response selection,
//! conveyed-information building, signing and encryption, profile-specific input repairs.

pub mod compat;
pub mod conveyed;
pub mod identity;
pub mod keys;
pub mod material;
pub mod select;
pub mod serial;
