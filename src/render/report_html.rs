//! `cairn report`: the whole log as one self-contained HTML file. Styles
//! and the small filter script are inline; charts are inline SVG; nothing
//! is fetched (a Content-Security-Policy forbids it) and every section
//! reads with JavaScript off — the script only adds the filter.
//!
//! User text is escaped with [`esc`]; record bodies go through
//! pulldown-cmark with raw HTML turned into text, images turned into links,
//! and link targets limited to web, mail, in-page and relative ones.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use crate::render::charts;
use crate::render::parts::{metrics, status_counts};
use crate::report::{Entry, Report};
use crate::snapshot::resolve_link;
use crate::value::format_float;

/// The first line of every report, so that `report -o` knows a file it may replace.
pub const MARK: &str = "<!-- cairn:report -->";

/// At most this many metric charts (the most recently changed experiments).
const MAX_CHARTS: usize = 60;
/// At most this many decisions in the graph, with the records they link to.
const MAX_GRAPH_DECISIONS: usize = 25;
/// At most this many rows in long tables.
const MAX_ROWS: usize = 500;

const STYLE: &str = r#"
:root{--ink:#282c34;--muted:#5c6370;--line:#d7dae0;--accent:#3465a4;--bg:#fafbfc}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0;background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:16px 28px}
header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:var(--muted)}
nav{display:flex;flex-wrap:wrap;gap:12px;margin-top:10px}
nav a{color:var(--accent);text-decoration:none;font-size:14px}
main{padding:8px 28px 40px;max-width:1400px}
section{margin:22px 0}
h2{font-size:18px;border-bottom:1px solid var(--line);padding-bottom:4px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:14px}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.card h3{margin:0 0 6px;font-size:15px}
.muted{color:var(--muted)}
.tag{display:inline-block;background:#eef1f6;border-radius:10px;padding:0 8px;margin:0 4px 2px 0;font-size:12px}
.status{font-weight:600}
.over{color:#b03a2e;font-weight:600}
.record{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 16px;margin:12px 0}
.record h3{margin:4px 0}
.record dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13px;margin:8px 0}
.record dt{color:var(--muted)}
.record dd{margin:0}
.record .body h3,.record .body h4,.record .body h5,.record .body h6{font-size:15px;margin:12px 0 4px}
.superseded h3{text-decoration:line-through}
form.filter{display:flex;flex-wrap:wrap;gap:10px;align-items:end;background:#fff;border:1px solid var(--line);padding:10px;border-radius:6px}
form.filter label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
progress{width:140px}
svg{max-width:100%;height:auto}
"#;

const SCRIPT: &str = r#"
(function () {
  var form = document.getElementById('filter');
  if (!form) { return; }
  form.hidden = false;
  var records = Array.prototype.slice.call(document.querySelectorAll('article.record'));
  var count = document.getElementById('shown');
  function has(list, value) { return value === '' || (list || '').split('\u001f').indexOf(value) >= 0; }
  function apply() {
    var kind = form.elements.kind.value, status = form.elements.status.value;
    var tag = form.elements.tag.value, author = form.elements.author.value;
    var text = form.elements.q.value.toLowerCase();
    var shown = 0;
    records.forEach(function (r) {
      var ok = (kind === '' || r.dataset.kind === kind) && (status === '' || r.dataset.status === status)
        && has(r.dataset.tags, tag) && has(r.dataset.authors, author)
        && (text === '' || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + ' of ' + records.length + ' records';
  }
  form.addEventListener('input', apply);
  form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  apply();
})();
"#;

/// Writes the report.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let s = &report.summary;
    let short = s.commit.get(..7).unwrap_or(&s.commit);
    writeln!(out, "{MARK}")?;
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>Research log at {}</title>", esc(short))?;
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>")?;
    writeln!(out, "<header>\n<h1>Research log</h1>")?;
    writeln!(
        out,
        "<p>At <code>{}</code> ({}), {} records; today is {}. Written by <code>cairn report</code>.</p>",
        esc(short),
        esc(s.date.get(..10).unwrap_or(&s.date)),
        report.records.len(),
        esc(&s.today)
    )?;
    writeln!(
        out,
        "<nav><a href=\"#overview\">Overview</a><a href=\"#attention\">Needs attention</a><a href=\"#progress\">Milestones</a><a href=\"#experiments\">Experiments</a><a href=\"#graph\">Decision graph</a><a href=\"#timeline\">Timeline</a><a href=\"#records\">Records</a></nav>\n</header>\n<main>"
    )?;
    overview(out, report)?;
    attention(out, report)?;
    progress(out, report)?;
    experiments(out, report)?;
    graph(out, report)?;
    timeline(out, report)?;
    records(out, report)?;
    writeln!(out, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>")
}

fn overview(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "<section id=\"overview\">\n<h2>Overview</h2>")?;
    writeln!(
        out,
        "<table><thead><tr><th>kind</th><th>records</th><th>by status</th></tr></thead><tbody>"
    )?;
    for (kind, statuses) in &s.counts {
        let (total, parts) = status_counts(statuses, esc, " · ");
        writeln!(
            out,
            "<tr><td>{}</td><td>{total}</td><td>{parts}</td></tr>",
            esc(kind)
        )?;
    }
    writeln!(out, "</tbody></table>")?;
    if !s.workloads.is_empty() {
        writeln!(
            out,
            "<h3>Work in progress</h3>\n<table><thead><tr><th>person</th><th>kind</th><th>status</th><th>records</th><th>limit</th></tr></thead><tbody>"
        )?;
        for w in &s.workloads {
            let ids: Vec<String> = w.records.iter().map(|id| anchor(id)).collect();
            let limit = if w.over {
                format!(
                    "<span class=\"over\">{} over {}</span>",
                    w.records.len(),
                    w.limit
                )
            } else {
                format!("{} of {}", w.records.len(), w.limit)
            };
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{limit}</td></tr>",
                esc(&w.person),
                esc(&w.kind),
                esc(&w.counts.join(", ")),
                ids.join(", ")
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</section>")
}

fn attention(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "<section id=\"attention\">\n<h2>Needs attention</h2>")?;
    writeln!(out, "<h3 id=\"review-due\">Due for review</h3>")?;
    if s.reviews.is_empty() {
        writeln!(out, "<p class=\"muted\">Nothing is due for review.</p>")?;
    } else {
        writeln!(
            out,
            "<table><thead><tr><th>record</th><th>title</th><th>status</th><th>review date</th><th>overdue</th></tr></thead><tbody>"
        )?;
        for r in s.reviews.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td><td>{} days</td></tr>",
                anchor(r.record.id.as_deref().unwrap_or(&r.record.path)),
                esc(r.record.title.as_deref().unwrap_or("")),
                esc(r.record.status.as_deref().unwrap_or("")),
                esc(&r.date),
                esc(&r.field),
                r.days_overdue
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(
        out,
        "<h3 id=\"stale\">Stale: under way, no commit in {} days</h3>",
        s.rules.stale_days
    )?;
    if s.stale_records.is_empty() {
        writeln!(out, "<p class=\"muted\">No stale work.</p>")?;
    } else {
        writeln!(
            out,
            "<table><thead><tr><th>record</th><th>title</th><th>status</th><th>idle days</th></tr></thead><tbody>"
        )?;
        for r in s.stale_records.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                anchor(&r.record.id),
                esc(r.record.title.as_deref().unwrap_or("")),
                esc(r.record.status.as_deref().unwrap_or("")),
                format_float(r.days)
            )?;
        }
        more(out, s.stale_records.len())?;
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</section>")
}

fn progress(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "<section id=\"progress\">\n<h2>Milestones and progress</h2>"
    )?;
    if s.progress.is_empty() {
        writeln!(out, "<p class=\"muted\">No milestones yet.</p>")?;
    }
    writeln!(out, "<div class=\"cards\">")?;
    for p in s.progress.iter().take(MAX_ROWS) {
        writeln!(
            out,
            "<div class=\"card\"><h3>{} {}</h3><p><span class=\"status\">{}</span>{} — <progress value=\"{}\" max=\"{}\">{} of {}</progress> {} of {} settled</p><ul>",
            anchor(&p.record.id),
            esc(p.record.title.as_deref().unwrap_or("")),
            esc(p.record.status.as_deref().unwrap_or("")),
            p.due
                .as_deref()
                .map_or(String::new(), |d| format!(", due {}", esc(d))),
            p.settled,
            p.total.max(1),
            p.settled,
            p.total,
            p.settled,
            p.total
        )?;
        for m in &p.members {
            let state = match (&m.status, m.found) {
                (Some(status), _) => esc(status),
                (None, false) => "missing".to_string(),
                (None, true) => String::new(),
            };
            writeln!(
                out,
                "<li>{} {} <span class=\"muted\">({state}{})</span></li>",
                anchor(&m.id),
                esc(m.title.as_deref().unwrap_or("")),
                if m.settled { ", settled" } else { "" }
            )?;
        }
        writeln!(out, "</ul></div>")?;
    }
    writeln!(out, "</div>\n</section>")
}

fn experiments(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "<section id=\"experiments\">\n<h2>Experiments against their baselines</h2>"
    )?;
    let with_metrics: Vec<_> = s
        .experiments
        .iter()
        .filter(|e| !e.metrics.is_empty())
        .collect();
    if with_metrics.is_empty() {
        writeln!(
            out,
            "<p class=\"muted\">No experiment reports metrics yet.</p>"
        )?;
    } else {
        writeln!(
            out,
            "<p class=\"muted\">Grey: the baseline's value; blue: the experiment's; each metric scaled to the larger of the two. {} of {} shown, most recently changed first.</p>",
            with_metrics.len().min(MAX_CHARTS),
            with_metrics.len()
        )?;
    }
    writeln!(out, "<div class=\"cards\">")?;
    for e in with_metrics.iter().take(MAX_CHARTS) {
        writeln!(
            out,
            "<div class=\"card\"><h3>{} {}</h3><p class=\"muted\">{}{}{}</p>{}</div>",
            anchor(&e.record.id),
            esc(e.record.title.as_deref().unwrap_or("")),
            esc(e.record.status.as_deref().unwrap_or("")),
            e.outcome
                .as_deref()
                .map_or(String::new(), |o| format!(", {}", esc(o))),
            e.baseline
                .as_deref()
                .map_or(String::new(), |b| format!(", against {}", anchor(b))),
            charts::metrics(&e.metrics)
        )?;
    }
    writeln!(out, "</div>")?;
    if with_metrics.len() > MAX_CHARTS {
        writeln!(
            out,
            "<h3>Every experiment with metrics</h3><table><thead><tr><th>record</th><th>status</th><th>outcome</th><th>metrics (vs baseline)</th></tr></thead><tbody>"
        )?;
        for e in with_metrics.iter().take(MAX_ROWS * 4) {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                anchor(&e.record.id),
                esc(e.record.status.as_deref().unwrap_or("")),
                esc(e.outcome.as_deref().unwrap_or("")),
                metrics(&e.metrics, esc, "; ")
            )?;
        }
        more(
            out,
            with_metrics.len().saturating_sub(MAX_ROWS * 4 - MAX_ROWS),
        )?;
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</section>")
}

fn graph(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(out, "<section id=\"graph\">\n<h2>Decision graph</h2>")?;
    let kind_of: HashMap<&str, &str> = report
        .records
        .iter()
        .map(|r| (r.record.id.as_str(), r.record.kind.as_str()))
        .collect();
    // The most recent decisions that link to anything, and what they link to.
    let mut chosen: Vec<&str> = Vec::new();
    for edge in report.graph.iter().rev() {
        if matches!(edge.field.as_str(), "supersedes" | "evidence")
            && !chosen.contains(&edge.from.as_str())
            && chosen.len() < MAX_GRAPH_DECISIONS
        {
            chosen.push(&edge.from);
        }
    }
    let mut ids: HashSet<&str> = chosen.iter().copied().collect();
    for edge in &report.graph {
        if ids.contains(edge.from.as_str()) && kind_of.contains_key(edge.to.as_str()) {
            ids.insert(&edge.to);
        }
    }
    // Scopes the drawn experiments belong to.
    let drawn: Vec<&str> = ids.iter().copied().collect();
    for edge in &report.graph {
        if edge.field == "scope"
            && drawn.contains(&edge.from.as_str())
            && kind_of.contains_key(edge.to.as_str())
        {
            ids.insert(&edge.to);
        }
    }
    if ids.is_empty() {
        writeln!(
            out,
            "<p class=\"muted\">No decision links to evidence or supersedes another yet.</p>\n</section>"
        )?;
        return Ok(());
    }
    let order = ["scope", "experiment", "decision"];
    let mut nodes: Vec<(String, String)> = report
        .records
        .iter()
        .filter(|r| ids.contains(r.record.id.as_str()))
        .map(|r| (r.record.id.clone(), r.record.kind.clone()))
        .collect();
    nodes.sort_by_key(|(id, kind)| {
        (
            order.iter().position(|k| k == kind).unwrap_or(order.len()),
            id.clone(),
        )
    });
    writeln!(
        out,
        "<p class=\"muted\">Red: supersedes; green: evidence; grey: scope and baseline. The {} most recent decisions with links, and the records they link to.</p>",
        chosen.len()
    )?;
    writeln!(
        out,
        "<figure>{}</figure>",
        charts::graph(&nodes, &report.graph)
    )?;
    writeln!(
        out,
        "<table><thead><tr><th>from</th><th>link</th><th>to</th></tr></thead><tbody>"
    )?;
    let listed: Vec<_> = report
        .graph
        .iter()
        .filter(|e| matches!(e.field.as_str(), "supersedes" | "evidence" | "scope"))
        .collect();
    for edge in listed.iter().take(MAX_ROWS) {
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            anchor(&edge.from),
            esc(&edge.field),
            anchor(&edge.to)
        )?;
    }
    more(out, listed.len())?;
    writeln!(out, "</tbody></table>\n</section>")
}

fn timeline(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(
        out,
        "<section id=\"timeline\">\n<h2>Timeline of status changes</h2>"
    )?;
    if report.changes.is_empty() {
        writeln!(
            out,
            "<p class=\"muted\">No status changes in the history walked.</p>\n</section>"
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "<table><thead><tr><th>date</th><th>record</th><th>change</th><th>commit</th><th>author</th></tr></thead><tbody>"
    )?;
    for c in report.changes.iter().take(MAX_ROWS) {
        let change = match &c.from {
            Some(from) => format!("{} → {}", esc(from), esc(&c.to)),
            None => format!("added as {}", esc(&c.to)),
        };
        writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{change}</td><td><code>{}</code></td><td>{}</td></tr>",
            esc(c.date.get(..10).unwrap_or(&c.date)),
            anchor(&c.id),
            esc(c.commit.get(..7).unwrap_or(&c.commit)),
            esc(&c.author)
        )?;
    }
    more(out, report.changes.len())?;
    writeln!(out, "</tbody></table>\n</section>")
}

fn records(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    writeln!(out, "<section id=\"records\">\n<h2>Records</h2>")?;
    let mut kinds: Vec<&str> = Vec::new();
    let mut statuses: Vec<&str> = Vec::new();
    let mut tags: Vec<&str> = Vec::new();
    let mut authors: Vec<&str> = Vec::new();
    for r in &report.records {
        kinds.push(&r.record.kind);
        statuses.extend(r.record.status.as_deref());
        tags.extend(r.tags.iter().map(String::as_str));
        authors.extend(r.authors.iter().map(String::as_str));
    }
    writeln!(out, "<form id=\"filter\" class=\"filter\" hidden>")?;
    select(out, "kind", "kind", kinds)?;
    select(out, "status", "status", statuses)?;
    select(out, "tag", "tag", tags)?;
    select(out, "author", "author", authors)?;
    writeln!(
        out,
        "<label>search<input type=\"search\" name=\"q\"></label><span id=\"shown\" class=\"muted\"></span></form>"
    )?;
    let path_to_id: HashMap<&str, &str> = report
        .records
        .iter()
        .map(|r| (r.record.path.as_str(), r.record.id.as_str()))
        .collect();
    for r in &report.records {
        entry(out, r, &path_to_id)?;
    }
    writeln!(out, "</section>")
}

fn select(out: &mut dyn Write, name: &str, label: &str, mut values: Vec<&str>) -> io::Result<()> {
    values.sort_unstable();
    values.dedup();
    write!(
        out,
        "<label>{label}<select name=\"{name}\"><option value=\"\">any</option>"
    )?;
    for v in values {
        write!(out, "<option value=\"{}\">{}</option>", esc(v), esc(v))?;
    }
    writeln!(out, "</select></label>")
}

fn entry(out: &mut dyn Write, r: &Entry, path_to_id: &HashMap<&str, &str>) -> io::Result<()> {
    let superseded = r
        .fields
        .iter()
        .any(|(k, v)| k == "superseded_by" && !v.is_empty());
    writeln!(
        out,
        "<article class=\"record{}\" id=\"{}\" data-kind=\"{}\" data-status=\"{}\" data-tags=\"{}\" data-authors=\"{}\">",
        if superseded { " superseded" } else { "" },
        esc(&record_anchor(&r.record.id)),
        esc(&r.record.kind),
        esc(r.record.status.as_deref().unwrap_or("")),
        esc(&r.tags.join("\u{1f}")),
        esc(&r.authors.join("\u{1f}"))
    )?;
    writeln!(
        out,
        "<h3>{} {}</h3>\n<p><span class=\"status\">{}</span> <span class=\"muted\">{} · {}</span> {}</p>",
        esc(&r.record.id),
        esc(r.record.title.as_deref().unwrap_or("")),
        esc(r.record.status.as_deref().unwrap_or("")),
        esc(&r.record.kind),
        esc(&r.record.path),
        r.tags
            .iter()
            .map(|t| format!("<span class=\"tag\">{}</span>", esc(t)))
            .collect::<String>()
    )?;
    write!(out, "<dl>")?;
    if !r.authors.is_empty() {
        write!(
            out,
            "<dt>authors</dt><dd>{}</dd>",
            esc(&r.authors.join(", "))
        )?;
    }
    for (key, value) in &r.fields {
        write!(out, "<dt>{}</dt><dd>{}</dd>", esc(key), esc(value))?;
    }
    writeln!(out, "</dl>")?;
    writeln!(
        out,
        "<div class=\"body\">{}</div>\n</article>",
        markdown(&r.body, &r.record.path, path_to_id)
    )
}

/// A record body as HTML: raw HTML becomes text, images become links,
/// headings move down two levels (the record's title is an `h3`), links
/// to other records become in-page anchors, and link targets other than
/// web, mail, in-page and relative ones are dropped.
pub fn markdown(text: &str, path: &str, path_to_id: &HashMap<&str, &str>) -> String {
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let events = parser.map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        })
        | Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: target(&dest_url, path, path_to_id),
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

fn target<'a>(dest: &str, path: &str, path_to_id: &HashMap<&str, &str>) -> CowStr<'a> {
    let lower = dest.trim().to_ascii_lowercase();
    if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
    {
        return CowStr::from(dest.trim().to_string());
    }
    if lower.contains(':') {
        return CowStr::from("#");
    }
    let file = dest.split(['#', '?']).next().unwrap_or("");
    match resolve_link(path, file).and_then(|p| path_to_id.get(p.as_str()).copied()) {
        Some(id) => CowStr::from(format!("#{}", record_anchor(id))),
        // A repository file the report does not hold: keep the relative
        // target, which works when the report sits at the repository root.
        None => match resolve_link(path, file) {
            Some(repo_path) => CowStr::from(repo_path),
            None => CowStr::from("#"),
        },
    }
}

fn record_anchor(id: &str) -> String {
    format!("rec-{id}")
}

/// A link to a record in the report.
fn anchor(id: &str) -> String {
    format!("<a href=\"#{}\">{}</a>", esc(&record_anchor(id)), esc(id))
}

fn more(out: &mut dyn Write, n: usize) -> io::Result<()> {
    if n > MAX_ROWS {
        writeln!(
            out,
            "<tr><td colspan=\"5\" class=\"muted\">…and {} more; `cairn summary --format json` lists them all.</td></tr>",
            n - MAX_ROWS
        )?;
    }
    Ok(())
}

/// Escapes text for HTML content and attribute values; control
/// characters other than tab and newline are dropped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{1f}' => out.push(c),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_never_carry_user_html_or_scripts() {
        let map = HashMap::from([("research/decisions/DEC-0001-a.md", "DEC-0001")]);
        let html = markdown(
            "## Why\n\n<script>alert(1)</script>\n\nSee <b>this</b>, [a](javascript:alert(1)), [b](DEC-0001-a.md#context), [c](https://example.org) and ![img](fig.png).\n",
            "research/decisions/DEC-0002-b.md",
            &map,
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("<h4>Why</h4>"), "{html}");
        assert!(html.contains("<a href=\"#\">a</a>"), "{html}");
        assert!(html.contains("<a href=\"#rec-DEC-0001\">b</a>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.org\">c</a>"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("<a href=\"research/decisions/fig.png\">img</a>"),
            "{html}"
        );
    }

    #[test]
    fn esc_covers_content_and_attributes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>\u{1b}"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
