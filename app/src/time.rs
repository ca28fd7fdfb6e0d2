//! Message times as people read them, without a date library: the WASM
//! bundle stays small and the server renders the same text.

/// `HH:MM` at `offset` minutes east of UTC.
pub fn clock(at_ms: i64, offset_minutes: i32) -> String {
    let minutes = (at_ms.div_euclid(60_000) + i64::from(offset_minutes)).rem_euclid(24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The time as a message shows it: `HH:MM` in the reader's zone (`zone`
/// minutes east of UTC), or `HH:MM UTC` before their browser has said
/// which zone that is.
pub fn label(at_ms: i64, zone: Option<i32>) -> String {
    match zone {
        Some(offset) => clock(at_ms, offset),
        None => format!("{} UTC", clock(at_ms, 0)),
    }
}

/// The full date and time, for a `<time>`'s tooltip: `2026-11-24 11:39
/// (UTC+01:00)`, or `2026-11-24 10:39 UTC`.
pub fn long(at_ms: i64, zone: Option<i32>) -> String {
    let offset = zone.unwrap_or(0);
    let local = at_ms.div_euclid(60_000) + i64::from(offset);
    let (y, m, d) = civil_from_days(local.div_euclid(24 * 60));
    let minutes = local.rem_euclid(24 * 60);
    let date = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    );
    match zone {
        None => format!("{date} UTC"),
        Some(offset) => {
            let sign = if offset < 0 { '-' } else { '+' };
            let abs = offset.unsigned_abs();
            format!("{date} (UTC{sign}{:02}:{:02})", abs / 60, abs % 60)
        }
    }
}

/// How long until `at_ms`, from `now_ms`, as a room's countdown says it:
/// `6 days`, `1 day`, `5 hours`, `12 minutes`, `less than a minute`.
pub fn remaining(now_ms: i64, at_ms: i64) -> String {
    let minutes = (at_ms - now_ms).max(0) / 60_000;
    let (n, unit) = match minutes {
        0 => return "less than a minute".to_owned(),
        m if m >= 24 * 60 => (m / (24 * 60), "day"),
        m if m >= 60 => (m / 60, "hour"),
        m => (m, "minute"),
    };
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// The reader's calendar day of `at_ms` (days since 1970-01-01 in their
/// zone, UTC until it is known).
pub fn day(at_ms: i64, zone: Option<i32>) -> i64 {
    (at_ms.div_euclid(60_000) + i64::from(zone.unwrap_or(0))).div_euclid(24 * 60)
}

/// A day separator's words: `Today`, `Yesterday`, else `24 November 2026`.
pub fn day_label(day: i64, today: i64) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    match today - day {
        0 => "Today".to_owned(),
        1 => "Yesterday".to_owned(),
        _ => {
            let (y, m, d) = civil_from_days(day);
            format!("{d} {} {y}", MONTHS[m as usize - 1])
        }
    }
}

/// RFC 3339 in UTC, for `<time datetime>`.
pub fn iso(at_ms: i64) -> String {
    let secs = at_ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        // 2026-11-24T10:39:48Z
        let at = 1_795_516_788_000;
        assert_eq!(iso(at), "2026-11-24T10:39:48Z");
        assert_eq!(clock(at, 0), "10:39");
        assert_eq!(clock(at, 60), "11:39");
        assert_eq!(clock(at, -11 * 60), "23:39");
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn countdowns_round_down_to_the_largest_unit() {
        let day = 86_400_000;
        assert_eq!(remaining(0, 7 * day - 1), "6 days");
        assert_eq!(remaining(0, day), "1 day");
        assert_eq!(remaining(0, day - 1), "23 hours");
        assert_eq!(remaining(0, 3_600_000), "1 hour");
        assert_eq!(remaining(0, 59 * 60_000 + 59_999), "59 minutes");
        assert_eq!(remaining(0, 60_000), "1 minute");
        assert_eq!(remaining(0, 59_999), "less than a minute");
        assert_eq!(remaining(10, 0), "less than a minute");
    }

    #[test]
    fn days_are_the_readers_and_named_near_today() {
        let at = 1_795_516_788_000; // 2026-11-24T10:39:48Z
        let today = day(at, None);
        assert_eq!(day(at, Some(-11 * 60)), today - 1);
        assert_eq!(day(at, Some(14 * 60)), today + 1);
        assert_eq!(day_label(today, today), "Today");
        assert_eq!(day_label(today - 1, today), "Yesterday");
        assert_eq!(day_label(today - 2, today), "22 November 2026");
        assert_eq!(day_label(today, today + 40), "24 November 2026");
    }

    #[test]
    fn labels_name_utc_until_the_zone_is_known() {
        let at = 1_795_516_788_000;
        assert_eq!(label(at, None), "10:39 UTC");
        assert_eq!(label(at, Some(-300)), "05:39");
        assert_eq!(long(at, None), "2026-11-24 10:39 UTC");
        assert_eq!(long(at, Some(60)), "2026-11-24 11:39 (UTC+01:00)");
        assert_eq!(long(at, Some(-11 * 60)), "2026-11-23 23:39 (UTC-11:00)");
        assert_eq!(long(at, Some(330)), "2026-11-24 16:09 (UTC+05:30)");
    }
}
