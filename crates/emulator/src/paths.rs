//! Percent-decoding of URL path segments, the one way every service reads its paths. A path
//! segment is not form data: `+` stays `+` (only `%2B` and `+` both mean plus), and a malformed
//! escape is kept as written rather than guessed at.

/// Decodes one path segment (`%20` → space, `%27` → `'`; `+` is kept).
pub fn percent_decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// The non-empty segments of a path, each decoded.
pub fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(percent_decode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plus_is_kept_and_escapes_are_decoded() {
        assert_eq!(percent_decode("a+b%2Bc%20d"), "a+b+c d");
        assert_eq!(percent_decode("getbytitle('Team%20Tasks')"), "getbytitle('Team Tasks')");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(segments("/v1.0//sites/a%2Fb/"), vec!["v1.0", "sites", "a/b"]);
    }
}
