//! Inline SVG charts for the HTML report, drawn with plotters' SVG backend
//! (no fonts are loaded: text is SVG `<text>` the browser sets). User text
//! reaches plotters only through [`clip`], which also keeps labels short.

use plotters::prelude::*;

use crate::report::Edge;
use crate::summary::Metric;
use crate::value::{format_float, signed};

const BASELINE: RGBColor = RGBColor(176, 184, 196);
const VALUE: RGBColor = RGBColor(52, 101, 164);
const INK: RGBColor = RGBColor(40, 44, 52);

/// One row per metric: the baseline's bar, the experiment's bar, both
/// scaled to the larger of the two, and the values and delta as text.
pub fn metrics(metrics: &[Metric]) -> String {
    let rows = metrics.len().max(1) as i32;
    let (width, row) = (420_i32, 34_i32);
    let height = rows * row + 8;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        let label = ("sans-serif", 12).into_font().color(&INK);
        let small = ("sans-serif", 11).into_font().color(&INK);
        let (left, bar_max) = (120_i32, 170_i32);
        for (i, m) in metrics.iter().enumerate() {
            let y = 4 + i as i32 * row;
            let scale = m.value.abs().max(m.baseline.map_or(0.0, f64::abs));
            let len = |v: f64| {
                if scale > 0.0 {
                    ((v.abs() / scale) * f64::from(bar_max)).round() as i32
                } else {
                    0
                }
            };
            let _ = root.draw(&Text::new(clip(&m.name, 16), (4, y + 10), label.clone()));
            if let Some(b) = m.baseline {
                let _ = root.draw(&Rectangle::new(
                    [(left, y + 2), (left + len(b).max(1), y + 12)],
                    BASELINE.filled(),
                ));
            }
            let _ = root.draw(&Rectangle::new(
                [(left, y + 14), (left + len(m.value).max(1), y + 26)],
                VALUE.filled(),
            ));
            let text = match (m.baseline, m.delta) {
                (Some(b), Some(d)) => format!(
                    "{} vs {} ({})",
                    format_float(m.value),
                    format_float(b),
                    signed(d)
                ),
                _ => format_float(m.value),
            };
            let _ = root.draw(&Text::new(
                text,
                (left + bar_max + 6, y + 16),
                small.clone(),
            ));
        }
        let _ = root.present();
    }
    svg
}

/// The decision graph: scopes, experiments and decisions in three
/// columns (kinds in that order when present), a line for every edge
/// whose ends are both drawn.
pub fn graph(nodes: &[(String, String)], edges: &[Edge]) -> String {
    let columns: Vec<&str> = {
        let mut kinds: Vec<&str> = Vec::new();
        for (_, kind) in nodes {
            if !kinds.contains(&kind.as_str()) {
                kinds.push(kind);
            }
        }
        kinds
    };
    let per_column = |k: &str| nodes.iter().filter(|(_, kind)| kind == k).count();
    let tallest = columns.iter().map(|k| per_column(k)).max().unwrap_or(0) as i32;
    let (col_width, row) = (230_i32, 26_i32);
    let width = (columns.len().max(1) as i32) * col_width + 40;
    let height = tallest * row + 40;
    let mut place = std::collections::HashMap::new();
    for (c, kind) in columns.iter().enumerate() {
        for (r, (id, _)) in nodes.iter().filter(|(_, k)| k == kind).enumerate() {
            place.insert(
                id.as_str(),
                (10 + c as i32 * col_width, 34 + r as i32 * row),
            );
        }
    }
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        let heading = ("sans-serif", 13).into_font().color(&INK);
        let label = ("sans-serif", 12).into_font().color(&INK);
        for (c, kind) in columns.iter().enumerate() {
            let _ = root.draw(&Text::new(
                clip(kind, 24),
                (10 + c as i32 * col_width, 14),
                heading.clone(),
            ));
        }
        for edge in edges {
            let (Some(&(x1, y1)), Some(&(x2, y2))) =
                (place.get(edge.from.as_str()), place.get(edge.to.as_str()))
            else {
                continue;
            };
            let colour = match edge.field.as_str() {
                "supersedes" => RGBColor(196, 78, 82),
                "evidence" => RGBColor(85, 168, 104),
                _ => BASELINE,
            };
            let path = if x1 == x2 {
                // Same column: a bracket on the left of both nodes.
                vec![(x1 - 6, y1), (x1 - 16, y1), (x1 - 16, y2), (x2 - 6, y2)]
            } else {
                // From after the left node's label to the right node.
                let (a, b) = if x1 < x2 {
                    ((x1, y1), (x2, y2))
                } else {
                    ((x2, y2), (x1, y1))
                };
                vec![(a.0 + 150, a.1), (b.0 - 6, b.1)]
            };
            let _ = root.draw(&PathElement::new(path, colour.stroke_width(1)));
        }
        for (id, _) in nodes {
            if let Some(&(x, y)) = place.get(id.as_str()) {
                let _ = root.draw(&Circle::new((x, y), 4, VALUE.filled()));
                let _ = root.draw(&Text::new(clip(id, 20), (x + 8, y + 4), label.clone()));
            }
        }
        let _ = root.present();
    }
    svg
}

/// At most `max` characters of `s`, control characters dropped, with `…`
/// when cut.
fn clip(s: &str, max: usize) -> String {
    let clean: String = s.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() <= max {
        clean
    } else {
        let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_charts_escape_names_and_show_deltas() {
        let svg = metrics(&[Metric {
            name: "<script>".into(),
            value: 0.88,
            baseline: Some(0.71),
            delta: Some(0.17),
        }]);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("0.88 vs 0.71 (+0.17)"), "{svg}");
    }

    #[test]
    fn graphs_draw_only_edges_between_drawn_nodes() {
        let nodes = vec![
            ("EXP-0001".to_string(), "experiment".to_string()),
            ("DEC-0001".to_string(), "decision".to_string()),
        ];
        let edges = vec![
            Edge {
                from: "DEC-0001".into(),
                to: "EXP-0001".into(),
                field: "evidence".into(),
            },
            Edge {
                from: "DEC-0001".into(),
                to: "EXP-0404".into(),
                field: "evidence".into(),
            },
        ];
        let svg = graph(&nodes, &edges);
        assert_eq!(
            svg.matches("<polyline").count() + svg.matches("<path").count(),
            1,
            "{svg}"
        );
        assert!(
            svg.contains("DEC-0001") && svg.contains("experiment"),
            "{svg}"
        );
    }

    #[test]
    fn clip_cuts_long_text() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("a\u{1b}b", 4), "ab");
    }
}
