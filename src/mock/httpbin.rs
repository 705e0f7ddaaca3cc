//! A built-in upstream that answers like httpbin's `/anything`. (Stub: to be built.)
