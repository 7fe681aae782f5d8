//! The rules of a kind, checked against its fields and statuses:
//! transitions, rules (`when` → `require`, sections, review dates, limits,
//! target records), frozen parts, `as_warnings` and progress fields.

use indexmap::IndexMap;

use super::raw::{OneOrMany, RawFrozen, RawRule};
use super::{ConfigError, Place};
use crate::diagnostic::did_you_mean;
use crate::schema::{Condition, FieldSpec, FieldType, Frozen, Limit, Rule, TargetRule};

/// What a kind's rules are checked against: its fields and statuses.
pub(super) struct Checks<'a> {
    /// Where errors point.
    pub(super) place: &'a Place<'a>,
    /// The kind's name.
    pub(super) name: &'a str,
    /// Its fields.
    pub(super) fields: &'a [FieldSpec],
    /// Its statuses, when it lists them.
    pub(super) statuses: Option<&'a Vec<String>>,
}

impl Checks<'_> {
    fn fail(&self, keys: &[&str], message: String) -> ConfigError {
        self.place.fail(self.place.in_kind(keys), message)
    }

    /// Every name in `list` is a field of the kind.
    fn known_fields(&self, list: &[String], keys: &[&str]) -> Result<(), ConfigError> {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        for f in list {
            if !names.contains(&f.as_str()) {
                let hint = did_you_mean(f, names.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                let name = self.name;
                return Err(self.fail(keys, format!("kind `{name}` has no field `{f}`{hint}")));
            }
        }
        Ok(())
    }

    /// Every status in `list` is one of the kind's, when it lists them.
    fn known_statuses(&self, list: &[&String], keys: &[&str]) -> Result<(), ConfigError> {
        if let Some(known) = self.statuses {
            for s in list {
                if !known.contains(s) {
                    return Err(self.fail(
                        keys,
                        format!(
                            "kind `{}`: `{s}` is not one of its statuses ({})",
                            self.name,
                            known.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// A `when:` condition on the kind's own fields and statuses.
    fn condition(
        &self,
        when: IndexMap<String, OneOrMany>,
        keys: &[&str],
    ) -> Result<Condition, ConfigError> {
        let mut fields = Vec::new();
        for (field, values) in when {
            self.known_fields(std::slice::from_ref(&field), keys)?;
            let values = values.into_vec();
            if field == "status" {
                self.known_statuses(&values.iter().collect::<Vec<_>>(), keys)?;
            }
            fields.push((field, values));
        }
        Ok(Condition { fields })
    }

    fn field_type(&self, name: &str) -> Option<&FieldType> {
        self.fields.iter().find(|f| f.name == name).map(|f| &f.ty)
    }
}

/// Allowed status moves: each status and the statuses it may move to.
type Transitions = Vec<(String, Vec<String>)>;

/// The allowed status moves, each status checked.
pub(super) fn transitions(
    checks: &Checks<'_>,
    raw: Option<IndexMap<String, Vec<String>>>,
) -> Result<Option<Transitions>, ConfigError> {
    let Some(map) = raw else { return Ok(None) };
    let mut out = Vec::new();
    for (from, to) in map {
        let mut all: Vec<&String> = to.iter().collect();
        all.push(&from);
        checks.known_statuses(&all, &["transitions"])?;
        out.push((from, to));
    }
    Ok(Some(out))
}

/// The kind's rules.
pub(super) fn rules(
    checks: &Checks<'_>,
    raw: Option<Vec<RawRule>>,
) -> Result<Vec<Rule>, ConfigError> {
    raw.unwrap_or_default()
        .into_iter()
        .map(|rule| self::rule(checks, rule))
        .collect()
}

fn rule(checks: &Checks<'_>, rule: RawRule) -> Result<Rule, ConfigError> {
    let name = checks.name;
    let keys = &["rules"];
    let require = rule.require.unwrap_or_default();
    checks.known_fields(&require, keys)?;
    if let Some(review) = &rule.review {
        checks.known_fields(std::slice::from_ref(review), keys)?;
        if checks.field_type(review) != Some(&FieldType::Date) {
            return Err(checks.fail(
                keys,
                format!(
                    "kind `{name}`: `review: {review}` names a field that is not a date; give it `type: date`"
                ),
            ));
        }
    }
    if let Some(limit) = &rule.limit {
        checks.known_fields(std::slice::from_ref(&limit.per), keys)?;
        if limit.max == 0 {
            return Err(checks.fail(
                keys,
                format!(
                    "kind `{name}`: a limit of 0 forbids the status outright; use at least 1, or drop the rule"
                ),
            ));
        }
    }
    let has_target = rule.target.is_some();
    let target_warning = target_condition(checks, has_target, rule.target_warning)?;
    let target_error = target_condition(checks, has_target, rule.target_error)?;
    if let Some(target) = &rule.target {
        checks.known_fields(std::slice::from_ref(target), keys)?;
        if !matches!(checks.field_type(target), Some(FieldType::Ref { .. })) {
            return Err(checks.fail(
                keys,
                format!(
                    "kind `{name}`: `target: {target}` must name a reference field (`type: ref`)"
                ),
            ));
        }
        if target_warning.is_none() && target_error.is_none() {
            return Err(checks.fail(
                keys,
                format!(
                    "kind `{name}`: `target: {target}` has no effect without `target_warning` or `target_error`"
                ),
            ));
        }
    }
    Ok(Rule {
        target: rule.target.map(|field| TargetRule {
            field,
            warning: target_warning,
            error: target_error,
        }),
        when: checks.condition(rule.when, keys)?,
        require,
        sections: rule.sections.unwrap_or_default(),
        review: rule.review,
        limit: rule.limit.map(|l| Limit {
            per: l.per,
            max: l.max,
        }),
    })
}

/// `target_warning` or `target_error`: a condition on the target record,
/// which may be of another kind (its statuses are checked when it is read).
fn target_condition(
    checks: &Checks<'_>,
    has_target: bool,
    when: Option<IndexMap<String, OneOrMany>>,
) -> Result<Option<Condition>, ConfigError> {
    let Some(when) = when else { return Ok(None) };
    if !has_target {
        return Err(checks.fail(
            &["rules"],
            format!(
                "kind `{}`: `target_warning` and `target_error` need `target`, the reference field whose record they test",
                checks.name
            ),
        ));
    }
    let fields = when.into_iter().map(|(f, v)| (f, v.into_vec())).collect();
    Ok(Some(Condition { fields }))
}

/// The parts of a record frozen once a condition holds.
pub(super) fn frozen(
    checks: &Checks<'_>,
    raw: Option<Vec<RawFrozen>>,
) -> Result<Vec<Frozen>, ConfigError> {
    let mut frozen = Vec::new();
    for part in raw.unwrap_or_default() {
        let fields = part.fields.unwrap_or_default();
        checks.known_fields(&fields, &["frozen"])?;
        frozen.push(Frozen {
            when: checks.condition(part.when, &["frozen"])?,
            sections: part.sections.unwrap_or_default(),
            fields,
        });
    }
    Ok(frozen)
}

/// The condition under which a record's errors are reported as warnings.
pub(super) fn as_warnings(
    checks: &Checks<'_>,
    raw: Option<IndexMap<String, OneOrMany>>,
) -> Result<Option<Condition>, ConfigError> {
    raw.map(|when| checks.condition(when, &["as_warnings"]))
        .transpose()
}

/// The fields whose referenced records measure progress: each must hold
/// record ids.
pub(super) fn progress(
    checks: &Checks<'_>,
    raw: Option<Vec<String>>,
) -> Result<Vec<String>, ConfigError> {
    let progress = raw.unwrap_or_default();
    checks.known_fields(&progress, &["progress"])?;
    for p in &progress {
        let is_ref = checks.field_type(p).is_some_and(|ty| {
            matches!(ty, FieldType::Ref { .. })
                || matches!(ty, FieldType::List(item) if matches!(**item, FieldType::Ref { .. }))
        });
        if !is_ref {
            return Err(checks.fail(
                &["progress"],
                format!(
                    "kind `{}`: progress field `{p}` must hold record ids (`type: ref`, or a list of refs)",
                    checks.name
                ),
            ));
        }
    }
    Ok(progress)
}
