//! How many diagnostics a report shows. A project can produce thousands of diagnostics of one
//! code (a warning on every one of 10,000 functions); a report that lists them all is slow to
//! print and impossible to read. Every renderer selects what it shows through [`select`]:
//! - [`HUMAN`] (the terminal, and `github` annotations, which GitHub shows only a few of per
//!   step): the first few of each code in each file and a bounded number in all, errors before
//!   warnings when the total is reached, then one line per code that was left out;
//! - [`MACHINE`] (`json`, `sarif`): everything up to a high cap per code and in all, so the
//!   report stays a bounded multiple of its useful size (100,000 diagnostics would be a 30 MB
//!   report); what is left out is counted in the report.
//!
//! The counts of errors and warnings (and so the exit code) always cover every diagnostic.

use super::{Diagnostic, Severity};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What one report shows.
pub struct Limits {
    /// Diagnostics of one code shown (per file when `by_file`).
    pub per_code: usize,
    pub by_file: bool,
    /// Diagnostics shown in all.
    pub total: usize,
}

/// The terminal: 5 of a code per file, 50 in all.
pub const HUMAN: Limits = Limits {
    per_code: 5,
    by_file: true,
    total: 50,
};

/// JSON and SARIF: 5,000 of a code, 20,000 in all.
pub const MACHINE: Limits = Limits {
    per_code: 5_000,
    by_file: false,
    total: 20_000,
};

/// Diagnostics of one code and severity that a report left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub code: String,
    pub severity: Severity,
    pub count: usize,
    /// In how many files.
    pub files: usize,
}

/// The diagnostics a report shows (in their order) and what it leaves out (by code).
pub fn select<'a>(diags: &'a [Diagnostic], limits: &Limits) -> (Vec<&'a Diagnostic>, Vec<LeftOut>) {
    let mut seen: HashMap<(Option<u32>, &str), usize> = HashMap::new();
    let mut keep: Vec<bool> = diags
        .iter()
        .map(|d| {
            let file = limits.by_file.then_some(d.span.file);
            let n = seen.entry((file, d.code.as_str())).or_insert(0);
            *n += 1;
            *n <= limits.per_code
        })
        .collect();
    // Over the total: errors first, then the rest, each in report order.
    if keep.iter().filter(|k| **k).count() > limits.total {
        let mut budget = limits.total;
        let pass = |want_error: bool, keep: &mut Vec<bool>, budget: &mut usize| {
            for (i, d) in diags.iter().enumerate() {
                if keep[i] && d.is_error() == want_error {
                    if *budget == 0 {
                        keep[i] = false;
                    } else {
                        *budget -= 1;
                    }
                }
            }
        };
        pass(true, &mut keep, &mut budget);
        pass(false, &mut keep, &mut budget);
    }
    let mut left: BTreeMap<(&str, Severity), (usize, BTreeSet<u32>)> = BTreeMap::new();
    let mut shown = Vec::new();
    for (d, k) in diags.iter().zip(&keep) {
        if *k {
            shown.push(d);
        } else {
            let e = left.entry((d.code.as_str(), d.severity)).or_default();
            e.0 += 1;
            e.1.insert(d.span.file);
        }
    }
    let left_out = left
        .into_iter()
        .map(|((code, severity), (count, files))| LeftOut {
            code: code.to_string(),
            severity,
            count,
            files: files.len(),
        })
        .collect();
    (shown, left_out)
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The human report's lines about what it left out (empty when nothing was).
pub fn human_lines(left_out: &[LeftOut]) -> String {
    if left_out.is_empty() {
        return String::new();
    }
    let total: usize = left_out.iter().map(|l| l.count).sum();
    let mut out = format!(
        "… and {} more not shown (at most {} of one code per file, {} in all; \
         `slsc check --format json` lists them):\n",
        thousands(total),
        HUMAN.per_code,
        HUMAN.total
    );
    for l in left_out {
        let kind = match (l.severity, l.count) {
            (Severity::Error, 1) => "error",
            (Severity::Error, _) => "errors",
            (Severity::Warning, 1) => "warning",
            (Severity::Warning, _) => "warnings",
            (Severity::Note, 1) => "note",
            (Severity::Note, _) => "notes",
        };
        let files = if l.files == 1 {
            "1 file".to_string()
        } else {
            format!("{} files", thousands(l.files))
        };
        out.push_str(&format!(
            "  {} {kind} `{}` in {files}\n",
            thousands(l.count),
            l.code
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn d(code: &str, sev: Severity, file: u32, at: usize) -> Diagnostic {
        Diagnostic::new(code, sev, Span::new(file as _, at..at + 1), "m")
    }

    #[test]
    fn the_first_of_each_code_per_file_are_shown_and_the_rest_counted() {
        let mut all = Vec::new();
        for f in 0..2 {
            for i in 0..8 {
                all.push(d("missing-dlq", Severity::Warning, f, i));
            }
            all.push(d("other", Severity::Warning, f, 100));
        }
        let (shown, left) = select(&all, &HUMAN);
        assert_eq!(shown.len(), 2 * 5 + 2);
        assert_eq!(
            left,
            vec![LeftOut {
                code: "missing-dlq".into(),
                severity: Severity::Warning,
                count: 6,
                files: 2
            }]
        );
        assert!(human_lines(&left).contains("6 warnings `missing-dlq` in 2 files"));
    }

    #[test]
    fn errors_are_shown_before_warnings_when_the_total_is_reached() {
        let limits = Limits {
            per_code: 10,
            by_file: false,
            total: 3,
        };
        let all = vec![
            d("w1", Severity::Warning, 0, 1),
            d("w2", Severity::Warning, 0, 2),
            d("w3", Severity::Warning, 0, 3),
            d("e1", Severity::Error, 0, 4),
            d("e2", Severity::Error, 0, 5),
        ];
        let (shown, left) = select(&all, &limits);
        let codes: Vec<&str> = shown.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["w1", "e1", "e2"]);
        assert_eq!(left.iter().map(|l| l.count).sum::<usize>(), 2);
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
