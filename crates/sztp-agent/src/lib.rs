//! Device-side RFC 8572 agent. Not built yet: discovery, the client and the simulator arrive with the
//! agent issue; this skeleton fixes the layout and the dependency rules.
