//! Token endpoint request: `Authorization` header value, NUL, form body (a body alone when
//! there is no NUL). See `portcullis_server::fuzzing::token_form`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| portcullis_server::fuzzing::token_form(data));
