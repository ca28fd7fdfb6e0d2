//! Sizes and rates as people read them, the same on the server (error
//! messages, rendered pages) and in the browser (live progress).

/// `12 bytes`, `1.5 KB`, `4.0 GB`: binary multiples with the everyday
/// labels (as most file managers show them).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KB", "MB", "GB", "TB", "PB"];
    if n < 1024 {
        return if n == 1 {
            "1 byte".to_owned()
        } else {
            format!("{n} bytes")
        };
    }
    // Integer tenths, rounded half up: formatting a float would pull
    // the float printer (some 20 kB) into the WASM for this one line.
    let mut unit = 0;
    while unit < UNITS.len() - 1 && n >> (10 * (unit + 2)) > 0 {
        unit += 1;
    }
    let divisor = 1u128 << (10 * (unit + 1));
    let tenths = (u128::from(n) * 10 + divisor / 2) / divisor;
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

/// `3 s`, `2 min 5 s`, `1 h 4 min`: a time left, rounded up to the second.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).ceil() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s / 60 % 60),
    }
}

/// Whole percent of `done` out of `total` (100 for an empty total).
pub fn percent(done: u64, total: u64) -> u8 {
    if total == 0 {
        return 100;
    }
    ((u128::from(done.min(total)) * 100 / u128::from(total)) as u8).min(100)
}

/// What kind of file it is, for its icon: `image`, `video`, `audio`,
/// `pdf`, `archive`, `text`, `code`, or `file`.
pub fn file_kind(mime: &str, name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    let top = mime.split('/').next().unwrap_or("");
    match (top, ext.as_str()) {
        ("image", _) => "image",
        ("video", _) => "video",
        ("audio", _) => "audio",
        (_, "pdf") => "pdf",
        (_, "zip" | "gz" | "tgz" | "7z" | "rar" | "tar" | "xz" | "bz2" | "zst") => "archive",
        (
            _,
            "rs" | "js" | "ts" | "py" | "c" | "h" | "cpp" | "go" | "java" | "json" | "html" | "css"
            | "sh" | "toml" | "yaml" | "yml",
        ) => "code",
        ("text", _) | (_, "txt" | "md" | "csv" | "log") => "text",
        _ => "file",
    }
}

/// The box an image preview takes: its pixel size scaled down (never up)
/// to fit `max_w` × `max_h`, keeping its shape.
pub fn fit((w, h): (u32, u32), max_w: u32, max_h: u32) -> (u32, u32) {
    if w == 0 || h == 0 {
        return (max_w, max_h);
    }
    let scale = f64::min(
        1.0,
        f64::min(
            f64::from(max_w) / f64::from(w),
            f64::from(max_h) / f64::from(h),
        ),
    );
    (
        ((f64::from(w) * scale).round() as u32).max(1),
        ((f64::from(h) * scale).round() as u32).max(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_fit_their_box_keeping_their_shape() {
        assert_eq!(fit((4000, 3000), 320, 240), (320, 240));
        assert_eq!(fit((1000, 4000), 320, 240), (60, 240));
        assert_eq!(fit((100, 50), 320, 240), (100, 50));
        assert_eq!(fit((0, 0), 320, 240), (320, 240));
        assert_eq!(fit((10_000, 1), 320, 240), (320, 1));
    }

    #[test]
    fn file_kinds_come_from_type_or_name() {
        assert_eq!(file_kind("image/png", "a.png"), "image");
        assert_eq!(file_kind("", "Report.PDF"), "pdf");
        assert_eq!(file_kind("application/octet-stream", "x.tar.gz"), "archive");
        assert_eq!(file_kind("text/plain", "notes"), "text");
        assert_eq!(file_kind("", "main.rs"), "code");
        assert_eq!(file_kind("", "blob"), "file");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(bytes(0), "0 bytes");
        assert_eq!(bytes(1), "1 byte");
        assert_eq!(bytes(1536), "1.5 KB");
        assert_eq!(bytes(4 << 30), "4.0 GB");
        assert_eq!(bytes(u64::MAX), "16384.0 PB");
        assert_eq!(bytes(1023), "1023 bytes");
        assert_eq!(bytes(1024), "1.0 KB");
        assert_eq!(bytes((1 << 20) - 1), "1024.0 KB");
        assert_eq!(bytes(1 << 20), "1.0 MB");
        assert_eq!(bytes(1280), "1.3 KB");
    }

    #[test]
    fn times_and_percents() {
        assert_eq!(duration(0.2), "1 s");
        assert_eq!(duration(125.0), "2 min 5 s");
        assert_eq!(duration(3840.0), "1 h 4 min");
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(5, 0), 100);
        assert_eq!(percent(u64::MAX, u64::MAX), 100);
    }
}
