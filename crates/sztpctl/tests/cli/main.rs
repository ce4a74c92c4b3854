//! Black-box tests of the `sztpctl` binary: one integration binary, one module per command group.

mod cms;
mod completions;
mod dhcp;
mod helpers;
