//! Each record's part in each section of the summary: open work, recent
//! status changes, stale work, velocity, experiments and the timeline,
//! links, and its own line — read from its status class and the history
//! events that touched it.

use crate::hash::Map as HashMap;

use indexmap::IndexMap;

use super::{
    Bar, Changed, DAY, Experiment, Link, Metric, OpenRecord, Options, Recent, RecordSummary, Stale,
    StatusClasses, numbers, status_days, status_set_by, tenth,
};
use crate::calendar::{day, iso_date};
use crate::history::{Event, History};
use crate::record::{Brief, Record};
use crate::schema::{Kind, Schema};
use crate::value::{Value, without_noise};

/// What the summary knows of one record: its status and class, and the
/// history events that touched it, oldest first.
pub(super) struct Facts<'a> {
    record: &'a Record,
    kind: Option<&'a Kind>,
    id: String,
    class: &'a StatusClasses,
    status: Option<String>,
    events: Vec<&'a Event>,
    history: &'a History,
    now: i64,
}

impl<'a> Facts<'a> {
    pub(super) fn new(
        schema: &'a Schema,
        record: &'a Record,
        class: &'a StatusClasses,
        history: &'a History,
        now: i64,
    ) -> Facts<'a> {
        let id = record.id.clone().unwrap_or_default();
        let mut events: Vec<&Event> = history.events.get(&id).into_iter().flatten().collect();
        // Oldest first; the walk's order breaks ties of equal times.
        events.reverse();
        events.sort_by_key(|e| history.commit(e).time);
        Facts {
            record,
            kind: schema.kind(&record.kind),
            id,
            class,
            status: record.status(),
            events,
            history,
            now,
        }
    }

    fn time(&self, e: &Event) -> i64 {
        self.history.commit(e).time
    }

    fn changed(&self, e: &Event) -> Changed {
        let c = self.history.commit(e);
        Changed {
            commit: c.id.to_string(),
            date: iso_date(c.time, c.offset_minutes),
        }
    }

    fn last(&self) -> Option<&'a Event> {
        self.events.last().copied()
    }

    fn brief(&self) -> Brief<String> {
        let r = self.record;
        Brief {
            id: self.id.clone(),
            kind: r.kind.clone(),
            status: r.status(),
            title: r.title(),
            path: r.path.clone(),
        }
    }

    fn status_in(&self, set: &[String]) -> bool {
        self.status.as_ref().is_some_and(|s| set.contains(s))
    }

    /// An open record of a planning kind (one with `due` or `assumptions`).
    pub(super) fn open(&self) -> Option<OpenRecord> {
        let plans = self
            .kind
            .is_some_and(|k| k.field("due").is_some() || k.field("assumptions").is_some());
        if !plans || !self.status_in(&self.class.open) {
            return None;
        }
        let record = self.record;
        let due = record.text("due");
        Some(OpenRecord {
            record: self.brief(),
            overdue: due.as_deref().is_some_and(|d| d < day(self.now).as_str()),
            due,
            assumptions: record
                .value("assumptions")
                .map(Value::string_items)
                .unwrap_or_default(),
        })
    }

    /// The status change, if recent enough, keyed by its time.
    pub(super) fn recent(&self, options: &Options) -> Option<(i64, Recent)> {
        let e = status_set_by(&self.events)?;
        let t = self.time(e);
        if (self.now - t) as f64 > f64::from(options.recent_days) * DAY {
            return None;
        }
        Some((
            t,
            Recent {
                record: self.brief(),
                commit: self.history.commit(e).id.to_string(),
                date: self.changed(e).date,
                new: e.change == crate::diff::ChangeKind::Added,
            },
        ))
    }

    /// Work under way that has not changed for too long, keyed by when it last did.
    pub(super) fn stale(&self, options: &Options) -> Option<(i64, Stale)> {
        if !self.status_in(&self.class.under_way) {
            return None;
        }
        let last = self.last()?;
        let since = self.time(last);
        let idle = (self.now - since) as f64 / DAY;
        if idle < f64::from(options.stale_days) {
            return None;
        }
        Some((
            since,
            Stale {
                record: self.brief(),
                last_changed: Some(self.changed(last)),
                days: tenth(idle),
            },
        ))
    }

    /// Velocity: days from the first time in the initial status to the
    /// first time in each outcome after it.
    pub(super) fn velocity(&self, moves: &mut IndexMap<(String, String, String), Vec<f64>>) {
        let Some(initial) = &self.class.initial else {
            return;
        };
        let Some(start) = self
            .events
            .iter()
            .find(|e| e.status.as_ref() == Some(initial))
            .map(|e| self.time(e))
        else {
            return;
        };
        let mut seen = Vec::new();
        for e in self.events.iter().filter(|e| self.time(e) >= start) {
            if let Some(s) = e
                .status
                .as_ref()
                .filter(|s| self.class.outcomes.contains(s))
            {
                if !seen.contains(s) {
                    seen.push(s.clone());
                    moves
                        .entry((self.record.kind.clone(), initial.clone(), s.clone()))
                        .or_default()
                        .push((self.time(e) - start).max(0) as f64 / DAY);
                }
            }
        }
    }

    /// A record of a kind with `metrics`: its metrics against the baseline
    /// (keyed by when it last changed), and its bar on the timeline.
    pub(super) fn experiment(
        &self,
        by_id: &HashMap<&str, &Record>,
    ) -> Option<((i64, Experiment), Option<Bar>)> {
        if self.kind.is_none_or(|k| k.field("metrics").is_none()) {
            return None;
        }
        let record = self.record;
        let baseline = record.text("baseline");
        let base = baseline.as_deref().and_then(|b| by_id.get(b)).copied();
        let metrics = numbers(record.value("metrics"))
            .into_iter()
            .map(|(name, value)| {
                let before = base.and_then(|b| b.value("metrics")?.get(&name)?.as_f64());
                Metric {
                    delta: before.map(|b| without_noise(value - b)),
                    name,
                    value,
                    baseline: before,
                }
            })
            .collect();
        let brief = self.brief();
        let (status_now, title) = (brief.status.clone(), brief.title.clone());
        let experiment = Experiment {
            record: brief,
            outcome: record.text("outcome"),
            baseline_found: base.is_some(),
            baseline,
            metrics,
        };
        let bar = self.events.first().map(|first| {
            let settled = self.status_in(&self.class.settled);
            let end = match (settled, status_set_by(&self.events)) {
                (true, Some(e)) => self.time(e),
                _ => self.now,
            };
            Bar {
                id: self.id.clone(),
                title,
                status: status_now,
                start: day(self.time(first)),
                end: day(end.max(self.time(first))),
                settled,
            }
        });
        Some(((self.last().map_or(0, |e| self.time(e)), experiment), bar))
    }

    /// Its links to other records (`supersedes`, `evidence`).
    pub(super) fn links(&self) -> Vec<Link> {
        let mut links = Vec::new();
        for field in ["supersedes", "evidence"] {
            for to in self
                .record
                .value(field)
                .map(Value::string_items)
                .unwrap_or_default()
            {
                links.push(Link {
                    from: self.id.clone(),
                    to,
                    field: field.to_string(),
                });
            }
        }
        links
    }

    pub(super) fn record_summary(&self) -> RecordSummary {
        RecordSummary {
            record: Brief {
                status: self.status.clone(),
                ..self.brief()
            },
            created_commit: self
                .events
                .iter()
                .find(|e| e.change == crate::diff::ChangeKind::Added)
                .map(|e| self.history.commit(e).id.to_string()),
            last_changed: self.last().map(|e| self.changed(e)),
            status_days: status_days(&self.events, |e| self.time(e), self.now),
        }
    }
}
