//! (Stub: to be built.)
