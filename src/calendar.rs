//! Days: the day cairn takes as today, and the spans `summary --since`
//! reads (`2024-03-01`, `7d`, `2w`, `1m`).
//!
//! Today is the local date unless `CAIRN_TODAY=YYYY-MM-DD` names another
//! one; the binary reads that variable once and hands the day to every
//! computation that needs it (the `created` date of `new`, review dates,
//! relative spans), so tests and CI runs give the same answer every day.

use time::{Date, Duration, Month};

/// The environment variable that sets today.
pub const TODAY_VAR: &str = "CAIRN_TODAY";

/// A day or span that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// `CAIRN_TODAY` is set to something that is not a date.
    #[error(
        "{TODAY_VAR}=`{0}` is not a date; write it as YYYY-MM-DD (e.g. 2024-03-01), or unset it"
    )]
    Today(String),
    /// A `--since` value that is neither a date nor a span.
    #[error(
        "`{0}` is neither a date nor a span; write YYYY-MM-DD, or a number of days, weeks or months such as 7d, 2w or 1m"
    )]
    Since(String),
}

/// Reads `YYYY-MM-DD` (surrounding spaces allowed); `None` unless it is a
/// real calendar date.
pub fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), format).ok()
}

/// Whether `s` is a real calendar date written exactly `YYYY-MM-DD`.
pub fn is_date(s: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    s.len() == 10 && Date::parse(s, format).is_ok()
}

/// `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    date.format(format).unwrap_or_default()
}

/// Today: the value of `CAIRN_TODAY` when it is set (`var`), else the
/// local date (UTC when the local offset is unknown).
pub fn today(var: Option<&str>) -> Result<Date, CalendarError> {
    match var {
        Some(text) => parse_date(text).ok_or_else(|| CalendarError::Today(text.to_string())),
        None => Ok(time::OffsetDateTime::now_local()
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
            .date()),
    }
}

/// The first day of a `--since` span: a date as written, or `Nd`, `Nw`,
/// `Nm` before `today` (a month back is the same day of the month, or the
/// month's last day when it is shorter).
pub fn since(spec: &str, today: Date) -> Result<Date, CalendarError> {
    let bad = || CalendarError::Since(spec.to_string());
    if let Some(date) = parse_date(spec) {
        return Ok(date);
    }
    let spec_trim = spec.trim();
    let unit = spec_trim.chars().last().ok_or_else(bad)?;
    let count: i64 = spec_trim[..spec_trim.len() - unit.len_utf8()]
        .parse()
        .map_err(|_| bad())?;
    if !(0..=100_000).contains(&count) {
        return Err(bad());
    }
    match unit.to_ascii_lowercase() {
        'd' => today.checked_sub(Duration::days(count)).ok_or_else(bad),
        'w' => today.checked_sub(Duration::weeks(count)).ok_or_else(bad),
        'm' => months_before(today, count).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn months_before(day: Date, count: i64) -> Option<Date> {
    let index = i64::from(day.year()) * 12 + i64::from(u8::from(day.month())) - 1 - count;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, day.day().min(last)).ok()
}

/// Whole days from `from` to `to` (negative when `to` comes first).
pub fn days_between(from: Date, to: Date) -> i64 {
    (to - from).whole_days()
}

/// A time as ISO 8601 with its offset: `2024-03-01T09:00:00+00:00`.
pub fn iso_date(time: i64, offset_minutes: i32) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    moment(time, offset_minutes)
        .format(format)
        .unwrap_or_default()
}

/// A time as `git log` people read it: `2024-03-01 09:00 +0000`.
pub fn short_date(time: i64, offset_minutes: i32) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] [offset_hour sign:mandatory][offset_minute]"
    );
    moment(time, offset_minutes)
        .format(format)
        .unwrap_or_default()
}

/// The day of a time in UTC: `2024-03-01`.
pub fn day(time: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    moment(time, 0).format(format).unwrap_or_default()
}

/// A commit time at its author's offset (out-of-range values fall back to
/// the epoch and UTC rather than fail: they come from commit headers).
fn moment(time: i64, offset_minutes: i32) -> time::OffsetDateTime {
    let offset = time::UtcOffset::from_whole_seconds(offset_minutes.saturating_mul(60))
        .unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp(time)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    #[test]
    fn today_reads_the_variable_or_refuses_it() {
        assert_eq!(today(Some("2024-05-10")).unwrap(), d("2024-05-10"));
        let err = today(Some("2024-02-30")).unwrap_err().to_string();
        assert_eq!(
            err,
            "CAIRN_TODAY=`2024-02-30` is not a date; write it as YYYY-MM-DD (e.g. 2024-03-01), or unset it"
        );
        assert!(today(None).is_ok());
    }

    #[test]
    fn commit_times_read_like_git() {
        assert_eq!(iso_date(1_709_283_600, 0), "2024-03-01T09:00:00+00:00");
        assert_eq!(short_date(1_709_283_600, 90), "2024-03-01 10:30 +0130");
        assert_eq!(short_date(1_709_283_600, -600), "2024-02-29 23:00 -1000");
        assert_eq!(day(0), "1970-01-01");
    }

    #[test]
    fn dates_are_real_and_written_in_full() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2023-1-5"));
    }

    #[test]
    fn spans_count_back_from_today() {
        let today = d("2024-03-31");
        assert_eq!(since("7d", today).unwrap(), d("2024-03-24"));
        assert_eq!(since("2w", today).unwrap(), d("2024-03-17"));
        assert_eq!(since("1m", today).unwrap(), d("2024-02-29"));
        assert_eq!(since("13m", today).unwrap(), d("2023-02-28"));
        assert_eq!(since("0d", today).unwrap(), today);
        assert_eq!(since("2024-01-05", today).unwrap(), d("2024-01-05"));
    }

    #[test]
    fn bad_spans_say_what_to_write() {
        for bad in ["", "d", "7", "7y", "-3d", "1.5w", "2024-13-01", "ä"] {
            let err = since(bad, d("2024-03-31")).unwrap_err().to_string();
            assert!(err.contains("7d, 2w or 1m"), "{bad}: {err}");
        }
    }

    #[test]
    fn days_between_counts_calendar_days() {
        assert_eq!(days_between(d("2024-02-28"), d("2024-03-01")), 2);
        assert_eq!(days_between(d("2024-03-01"), d("2024-02-28")), -2);
    }
}
