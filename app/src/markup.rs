//! HTML written as text, for the parts of a page that never change once
//! shown (a message's text, an entry's buttons). An element given its
//! children with `inner_html` is left alone by hydration: the browser does
//! not walk it and the WASM carries no view code for it, just the few
//! lines that write it. Everything that comes from a person goes through
//! [`escape`]; nothing here passes markup through.

use std::fmt::Write;

/// `text` safe inside an element or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push(&mut out, text);
    out
}

/// Appends `text` to `out`, escaped as [`escape`] does.
pub fn push(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Appends `<tag attrs>text</tag>`, the text escaped; `attrs` are written
/// by this crate (`class="…"`), never by a person.
pub fn element(out: &mut String, tag: &str, attrs: &str, text: &str) {
    let _ = write!(
        out,
        "<{tag}{}{attrs}>",
        if attrs.is_empty() { "" } else { " " }
    );
    push(out, text);
    let _ = write!(out, "</{tag}>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_stays_text() {
        assert_eq!(
            escape(r#"<img src=x onerror="alert('1')">&amp;"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;amp;"
        );
        let mut out = String::new();
        element(&mut out, "code", "", "</code><script>");
        element(&mut out, "span", r#"class="x""#, "ü");
        assert_eq!(
            out,
            r#"<code>&lt;/code&gt;&lt;script&gt;</code><span class="x">ü</span>"#
        );
    }
}
