//! Request extractors: they turn raw requests into checked inputs, answering every bad
//! input with a JSON 4xx.

pub mod address;
pub mod admin;
pub mod body;
pub mod client_auth;
pub mod form;

/// A percent-encoded URL path segment, decoded the way axum decodes path parameters (`+`
/// and `&` are ordinary characters in a path); invalid UTF-8 becomes U+FFFD.
pub fn path_segment(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_segments_keep_plus_and_ampersand() {
        assert_eq!(super::path_segment("R&D"), "R&D");
        assert_eq!(super::path_segment("R%26D"), "R&D");
        assert_eq!(super::path_segment("a+b%20c"), "a+b c");
        assert_eq!(super::path_segment("clients/x%2Fy"), "clients/x/y");
    }
}
