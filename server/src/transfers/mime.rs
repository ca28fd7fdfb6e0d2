//! Declared file types, cleaned before they are stored: they only ever
//! decide how a download is labelled, never how it is served.

/// The declared type if it looks like one (`type/subtype`, token
/// characters, parameters dropped), lowercased; otherwise the generic
/// binary type.
pub fn clean_mime(declared: &str) -> String {
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match essence.split_once('/') {
        Some((kind, sub)) if token(kind) && token(sub) => essence,
        _ => "application/octet-stream".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_are_cleaned() {
        assert_eq!(clean_mime("image/PNG"), "image/png");
        assert_eq!(clean_mime("text/html; charset=utf-8"), "text/html");
        assert_eq!(clean_mime(""), "application/octet-stream");
        assert_eq!(clean_mime("<script>"), "application/octet-stream");
        assert_eq!(clean_mime("a/b\r\nX: y"), "application/octet-stream");
    }
}
