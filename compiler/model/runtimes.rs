//! The AWS Lambda runtime lifecycle table, kept as data (`runtimes.json`, whose `source` field
//! names where the dates come from and when they were read).
//!
//! Dates are compared as `YYYY-MM-DD` strings (which order like dates). "Today" is passed in by
//! the driver (`--today`, `SLSC_TODAY` or the system date), so the model stays pure.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
pub struct Lifecycle {
    pub deprecated: Option<String>,
    pub block_create: Option<String>,
    pub block_update: Option<String>,
    pub successor: Option<String>,
    pub family: String,
}

#[derive(Debug, Deserialize)]
struct Table {
    source: String,
    runtimes: BTreeMap<String, Lifecycle>,
    /// Runtimes AWS no longer runs (past their block-update date, gone from the table), with
    /// the family whose newest runtime replaces each (`go1.x`: `provided`).
    retired: BTreeMap<String, String>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        serde_json::from_str(include_str!("runtimes.json"))
            .expect("runtimes.json is valid (tested)")
    })
}

/// Where the dates come from.
pub fn source() -> &'static str {
    &table().source
}

pub fn lifecycle(runtime: &str) -> Option<&'static Lifecycle> {
    table().runtimes.get(runtime)
}

/// The state of a runtime on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Supported,
    /// Past its deprecation date: AWS no longer patches it.
    Deprecated {
        since: String,
    },
    /// Past the date after which AWS refuses to create functions with it.
    Blocked {
        since: String,
    },
}

pub fn status(runtime: &str, today: &str) -> Status {
    let Some(l) = lifecycle(runtime) else {
        return Status::Supported;
    };
    if let Some(b) = &l.block_create {
        if today >= b.as_str() {
            return Status::Blocked { since: b.clone() };
        }
    }
    if let Some(d) = &l.deprecated {
        if today >= d.as_str() {
            return Status::Deprecated { since: d.clone() };
        }
    }
    Status::Supported
}

/// The runtime's family (`nodejs`, `python`, …), for a runtime of the table or a retired one.
pub fn family_of(runtime: &str) -> Option<&'static str> {
    lifecycle(runtime)
        .map(|l| l.family.as_str())
        .or_else(|| retired_family(runtime))
}

/// The family that replaces a retired runtime (`nodejs12.x`: `nodejs`); `None` for a runtime
/// that is not known to be retired (a typo, or one newer than the table).
pub fn retired_family(runtime: &str) -> Option<&'static str> {
    table().retired.get(runtime).map(String::as_str)
}

/// The newest runtime of `family` that is supported (not deprecated) on `today`: the one AWS
/// keeps longest (latest deprecation date), then the highest version. `None` when every
/// runtime of the family the table knows is past its deprecation date.
pub fn newest_supported(family: &str, today: &str) -> Option<&'static str> {
    table()
        .runtimes
        .iter()
        .filter(|(name, l)| l.family == family && status(name, today) == Status::Supported)
        // No deprecation date yet: kept the longest.
        .max_by_key(|(name, l)| (l.deprecated.as_deref().unwrap_or("9999"), version(name)))
        .map(|(name, _)| name.as_str())
}

/// The numbers in a runtime's name (`python3.13` → [3, 13]), to order versions.
fn version(runtime: &str) -> Vec<u32> {
    runtime
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect()
}

/// What to upgrade a runtime of `family` to on `today`: the help of a retired or deprecated
/// runtime's diagnostic.
pub fn upgrade_help(family: &str, today: &str) -> String {
    match newest_supported(family, today) {
        Some(s) => format!("upgrade to {s}, the newest {family} runtime supported on {today}"),
        None => format!(
            "every {family} runtime slsc knows is deprecated on {today}: a newer slsc may know a newer one"
        ),
    }
}

/// Checks a `YYYY-MM-DD` date.
pub fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let month: u32 = s[5..7].parse().unwrap_or(0);
    let day: u32 = s[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Today's date (UTC) from the system clock, as `YYYY-MM-DD`.
pub fn system_today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_from_days((secs / 86_400) as i64)
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> String {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_has_a_lifecycle_row() {
        for r in crate::model::schema::RUNTIMES {
            assert!(lifecycle(r).is_some(), "{r} missing from runtimes.json");
            assert!(retired_family(r).is_none(), "{r} is listed and retired");
        }
        for family in table().retired.values() {
            assert!(table().runtimes.values().any(|l| l.family == *family));
        }
        assert!(source().contains("cfn-lint"));
    }

    #[test]
    fn status_follows_the_dates() {
        assert_eq!(status("nodejs24.x", "2026-11-26"), Status::Supported);
        assert!(matches!(
            status("nodejs20.x", "2026-11-26"),
            Status::Deprecated { .. }
        ));
        assert!(matches!(
            status("nodejs20.x", "2027-02-01"),
            Status::Blocked { .. }
        ));
    }

    #[test]
    fn the_newest_supported_runtime_of_a_family() {
        assert_eq!(family_of("nodejs12.x"), Some("nodejs"));
        assert_eq!(family_of("python3.9"), Some("python"));
        assert_eq!(family_of("go1.x"), Some("provided"));
        assert_eq!(retired_family("python3.15"), None);
        assert_eq!(retired_family("nodejs24"), None);
        assert_eq!(newest_supported("nodejs", "2026-11-26"), Some("nodejs24.x"));
        assert_eq!(newest_supported("python", "2026-11-26"), Some("python3.14"));
        assert_eq!(newest_supported("java", "2026-11-26"), Some("java25"));
        // nodejs24.x is deprecated on 2028-04-30: nothing newer is known.
        assert_eq!(newest_supported("nodejs", "2028-05-01"), None);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), "1970-01-01");
        assert_eq!(civil_from_days(20_418), "2025-11-26");
        assert!(valid_date("2026-11-26"));
        assert!(!valid_date("2026-13-01"));
        assert!(!valid_date("26-11-2026"));
    }
}
