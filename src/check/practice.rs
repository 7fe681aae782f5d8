//! The practice rules as findings: a record past its review date
//! (`review/due`) and a person over a work-in-progress limit (`wip/limit`).
//! Both are warnings: the log is still valid, but someone should look.

use time::Date;

use crate::diagnostic::{Code, Diagnostic};
use crate::practice::{reviews_due, workloads};
use crate::schema::Schema;
use crate::snapshot::Snapshot;

/// Every practice finding of a snapshot, with `today` as the day reviews
/// fall due against.
pub fn check(schema: &Schema, snapshot: &Snapshot, today: Date) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for due in reviews_due(schema, snapshot, today) {
        let days = match due.days_overdue {
            1 => "1 day".to_string(),
            n => format!("{n} days"),
        };
        out.push(
            Diagnostic::warning(
                Code::ReviewDue,
                &due.record.path,
                due.line,
                format!(
                    "`{}` {} passed {days} ago; review the {}: confirm it and set a new `{}`, or change its status",
                    due.field, due.date, due.record.kind, due.field
                ),
            )
            .with_id(due.record.id.as_deref()),
        );
    }
    for load in workloads(schema, snapshot).into_iter().filter(|w| w.over) {
        // The finding sits on the newest record: the one that broke the limit.
        let Some(newest) = load.records.last() else {
            continue;
        };
        let Some(record) = snapshot
            .records
            .iter()
            .find(|r| r.id.as_deref() == Some(newest.as_str()))
        else {
            continue;
        };
        let status = load.counts.join(" or ");
        out.push(
            Diagnostic::warning(
                Code::WipLimit,
                &record.path,
                record.line_of("status"),
                format!(
                    "{} has {} {status} {}s ({}); the limit is {}: finish or set aside one before starting another",
                    load.person,
                    load.records.len(),
                    load.kind,
                    load.records.join(", "),
                    load.limit
                ),
            )
            .with_id(Some(newest)),
        );
    }
    out
}
