//! The sztp bootstrap server (RFC 8572). Not built yet: the listeners, APIs and storage arrive with
//! the bootstrap-server issue; this skeleton fixes the layout and the dependency rules.
