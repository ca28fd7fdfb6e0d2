//! A message's text as it is shown: links, e-mail addresses, inline
//! `code`, code blocks, *bold* and _italic_. One function, used by the
//! server's rendering and the browser's alike, that splits the text into
//! [`Span`]s; [`html`] writes each as an element with the text escaped
//! inside, so no markup in a message ever reaches the page as markup.
//! Links are only ever `https:`, `http:` or `mailto:`, built here.

use crate::markup::{element, push};

/// A piece of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Span {
    /// Plain text.
    Text(String),
    /// A link: the address it opens, and the text shown.
    Link { href: String, text: String },
    /// `inline code`.
    Code(String),
    /// A ```code block```.
    Block(String),
    /// *bold*.
    Bold(String),
    /// _italic_.
    Italic(String),
}

/// Splits `text` into spans, in order; joined, their texts are `text`
/// without the markers.
pub fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("```") {
        let Some(len) = rest[start + 3..].find("```") else {
            break;
        };
        inline(&rest[..start], &mut out);
        let body = &rest[start + 3..start + 3 + len];
        // A newline right after the opening fence isn't part of the code.
        let body = body.strip_prefix('\n').unwrap_or(body);
        out.push(Span::Block(body.trim_end_matches('\n').to_owned()));
        rest = &rest[start + 3 + len + 3..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    inline(rest, &mut out);
    out
}

/// The message as HTML: its spans as elements, every text escaped; links
/// open in a new tab and tell the site nothing.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for span in spans(text) {
        match span {
            Span::Text(text) => push(&mut out, &text),
            Span::Link { href, text } => {
                out.push_str("<a href=\"");
                push(&mut out, &href);
                out.push_str("\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">");
                push(&mut out, &text);
                out.push_str("</a>");
            }
            Span::Code(text) => element(&mut out, "code", "", &text),
            Span::Block(text) => {
                out.push_str("<pre>");
                element(&mut out, "code", "", &text);
                out.push_str("</pre>");
            }
            Span::Bold(text) => element(&mut out, "strong", "", &text),
            Span::Italic(text) => element(&mut out, "em", "", &text),
        }
    }
    out
}

/// `code`, then emphasis, then links in what is left.
fn inline(text: &str, out: &mut Vec<Span>) {
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let Some(len) = rest[start + 1..].find(['`', '\n']) else {
            break;
        };
        if len == 0 || rest.as_bytes()[start + 1 + len] != b'`' {
            emphasis(&rest[..start + 1 + len], out);
            rest = &rest[start + 1 + len..];
            continue;
        }
        emphasis(&rest[..start], out);
        out.push(Span::Code(rest[start + 1..start + 1 + len].to_owned()));
        rest = &rest[start + 1 + len + 1..];
    }
    emphasis(rest, out);
}

/// *bold* and _italic_: a marker that opens after a space (or the start)
/// before a non-space, and closes on the same line after a non-space
/// before a space, punctuation or the end. `snake_case` and `2*3*4` stay.
fn emphasis(text: &str, out: &mut Vec<Span>) {
    let mut plain = 0;
    let mut at = 0;
    let bytes = text.as_bytes();
    while at < bytes.len() {
        let marker = bytes[at];
        if (marker == b'*' || marker == b'_') && opens(text, at) {
            if let Some(end) = closes(text, at, marker) {
                links(&text[plain..at], out);
                let inner = text[at + 1..end].to_owned();
                out.push(if marker == b'*' {
                    Span::Bold(inner)
                } else {
                    Span::Italic(inner)
                });
                at = end + 1;
                plain = at;
                continue;
            }
        }
        at += 1;
    }
    links(&text[plain..], out);
}

fn opens(text: &str, at: usize) -> bool {
    let before = text[..at].chars().next_back();
    let after = text[at + 1..].chars().next();
    before.is_none_or(|c| c.is_whitespace() || "([{\"'".contains(c))
        && after.is_some_and(|c| !c.is_whitespace())
}

fn closes(text: &str, open: usize, marker: u8) -> Option<usize> {
    let mut at = open + 2;
    while at < text.len() {
        let byte = text.as_bytes()[at];
        if byte == b'\n' {
            return None;
        }
        if byte == marker {
            let before = text[..at].chars().next_back();
            let after = text[at + 1..].chars().next();
            if before.is_some_and(|c| !c.is_whitespace())
                && after.is_none_or(|c| c.is_whitespace() || c.is_ascii_punctuation())
            {
                return Some(at);
            }
        }
        at += 1;
    }
    None
}

/// Web addresses (`https://…`, `http://…`, `www.…`) and e-mail addresses
/// become links; everything else stays text.
fn links(text: &str, out: &mut Vec<Span>) {
    let mut plain = 0;
    let mut at = 0;
    while at < text.len() {
        if !text.is_char_boundary(at) || !word_starts(text, at) {
            at += 1;
            continue;
        }
        let found = url(&text[at..]).or_else(|| email(&text[at..]));
        match found {
            Some((len, href)) => {
                push_text(&text[plain..at], out);
                out.push(Span::Link {
                    href,
                    text: text[at..at + len].to_owned(),
                });
                at += len;
                plain = at;
            }
            None => at += 1,
        }
    }
    push_text(&text[plain..], out);
}

fn push_text(text: &str, out: &mut Vec<Span>) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(Span::Text(last)) => last.push_str(text),
        _ => out.push(Span::Text(text.to_owned())),
    }
}

fn word_starts(text: &str, at: usize) -> bool {
    text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric() && !"@.-_/:".contains(c))
}

/// A web address at the start of `text`: its length and its link.
fn url(text: &str) -> Option<(usize, String)> {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    let scheme = ["https://", "http://", "www."]
        .into_iter()
        .find(|s| lower.starts_with(s))?;
    let len = address_len(text);
    if len <= scheme.len() {
        return None;
    }
    let address = &text[..len];
    let href = if scheme == "www." {
        format!("https://{address}")
    } else {
        address.to_owned()
    };
    Some((len, href))
}

/// Where an address ends: at a space or a character no address has,
/// without trailing punctuation (a `)` only if it closes one inside).
fn address_len(text: &str) -> usize {
    let mut len = text
        .find(|c: char| c.is_whitespace() || "<>\"`".contains(c))
        .unwrap_or(text.len());
    loop {
        let Some(last) = text[..len].chars().next_back() else {
            return 0;
        };
        let unbalanced =
            last == ')' && text[..len].matches('(').count() < text[..len].matches(')').count();
        if ".,;:!?'*_".contains(last) || unbalanced {
            len -= last.len_utf8();
        } else {
            return len;
        }
    }
}

/// An e-mail address at the start of `text`: its length and its link.
fn email(text: &str) -> Option<(usize, String)> {
    let local = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || "._%+-".contains(c)))
        .unwrap_or(text.len());
    if local == 0 || !text[local..].starts_with('@') {
        return None;
    }
    let domain_start = local + 1;
    let domain = text[domain_start..]
        .find(|c: char| !(c.is_ascii_alphanumeric() || ".-".contains(c)))
        .map_or(text.len(), |end| domain_start + end);
    let domain_text = text[domain_start..domain].trim_end_matches(['.', '-']);
    let (name, tld) = domain_text.rsplit_once('.')?;
    if name.is_empty() || tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let len = domain_start + domain_text.len();
    Some((len, format!("mailto:{}", &text[..len])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Span {
        Span::Text(s.to_owned())
    }

    fn link(href: &str, shown: &str) -> Span {
        Span::Link {
            href: href.to_owned(),
            text: shown.to_owned(),
        }
    }

    #[test]
    fn addresses_become_links_without_trailing_punctuation() {
        assert_eq!(
            spans("see https://example.com/a?b=1, then www.rust-lang.org."),
            vec![
                text("see "),
                link("https://example.com/a?b=1", "https://example.com/a?b=1"),
                text(", then "),
                link("https://www.rust-lang.org", "www.rust-lang.org"),
                text("."),
            ]
        );
        assert_eq!(
            spans("(https://en.wikipedia.org/wiki/Rust_(language))"),
            vec![
                text("("),
                link(
                    "https://en.wikipedia.org/wiki/Rust_(language)",
                    "https://en.wikipedia.org/wiki/Rust_(language)"
                ),
                text(")"),
            ]
        );
        assert_eq!(
            spans("mail bob.smith+x@example.co.uk!"),
            vec![
                text("mail "),
                link(
                    "mailto:bob.smith+x@example.co.uk",
                    "bob.smith+x@example.co.uk"
                ),
                text("!"),
            ]
        );
    }

    #[test]
    fn nothing_but_web_and_mail_addresses_is_linked() {
        for s in [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "JaVaScRiPt:alert(1)//https://x.org",
            "vbscript:msgbox",
            "a@b",
            "user@localhost",
            "https://",
            "xhttps://example.com",
        ] {
            let out = spans(s);
            let hrefs: Vec<_> = out
                .iter()
                .filter_map(|s| match s {
                    Span::Link { href, .. } => Some(href.clone()),
                    _ => None,
                })
                .collect();
            assert!(
                hrefs
                    .iter()
                    .all(|h| h.starts_with("https://") || h.starts_with("http://")),
                "{s}: {hrefs:?}"
            );
            if !s.contains("//x.org") {
                assert_eq!(out, vec![text(s)], "{s}");
            }
        }
    }

    #[test]
    fn code_and_emphasis() {
        assert_eq!(
            spans("run `cargo test` *now* or _later_, not snake_case_name or 2*3*4"),
            vec![
                text("run "),
                Span::Code("cargo test".into()),
                text(" "),
                Span::Bold("now".into()),
                text(" or "),
                Span::Italic("later".into()),
                text(", not snake_case_name or 2*3*4"),
            ]
        );
        assert_eq!(
            spans("before\n```\nfn main() {}\n<b>x</b>\n```\nafter `https://x.org`"),
            vec![
                text("before\n"),
                Span::Block("fn main() {}\n<b>x</b>".into()),
                text("after "),
                Span::Code("https://x.org".into()),
            ]
        );
        assert_eq!(spans("a ` b"), vec![text("a ` b")]);
        assert_eq!(spans("*not\nbold*"), vec![text("*not\nbold*")]);
        assert_eq!(spans(""), vec![]);
    }

    #[test]
    fn html_escapes_every_text_and_builds_only_its_own_links() {
        assert_eq!(
            html("see https://x.org/?a=1&b=2 \"q\" or *<b>bold</b>* `<i>`"),
            "see <a href=\"https://x.org/?a=1&amp;b=2\" target=\"_blank\" \
             rel=\"noopener noreferrer nofollow\">https://x.org/?a=1&amp;b=2</a> \
             &quot;q&quot; or <strong>&lt;b&gt;bold&lt;/b&gt;</strong> <code>&lt;i&gt;</code>"
        );
        assert_eq!(html("javascript:alert(1)"), "javascript:alert(1)");
        assert_eq!(
            html("```\n<script>\n```"),
            "<pre><code>&lt;script&gt;</code></pre>"
        );
    }

    #[test]
    fn any_text_splits_without_loss_or_panic() {
        for s in [
            "é*ü*",
            "_",
            "**",
            "``",
            "www.",
            "@x.io",
            "ü@ä.de",
            "a_b_",
            "👍 https://ä.de/ü",
        ] {
            let joined: String = spans(s)
                .into_iter()
                .map(|s| match s {
                    Span::Text(t)
                    | Span::Code(t)
                    | Span::Block(t)
                    | Span::Bold(t)
                    | Span::Italic(t) => t,
                    Span::Link { text, .. } => text,
                })
                .collect();
            assert_eq!(
                joined.replace(['*', '_', '`'], ""),
                s.replace(['*', '_', '`'], "")
            );
        }
    }
}
