//! Kong docs markdown. (Stub: to be built.)
