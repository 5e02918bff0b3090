//! `Authorization: Basic` value decoding (RFC 7617 + RFC 6749 §2.3.1). See
//! `portcullis_server::fuzzing::basic_header`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::basic_header(data));
