//! How remote commands print: aligned tables for people, JSON for scripts.

use clap::ValueEnum;
use serde_json::Value;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Aligned columns (lists) or one `field  value` line per field (single objects).
    #[default]
    Table,
    /// The server's JSON representation, pretty-printed.
    Json,
}

/// A column: its header and the JSON field (dotted path) it shows.
pub type Column = (&'static str, &'static str);

/// One cell: strings bare, arrays joined by commas, objects as compact JSON.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn field<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |v, k| v.get(k).unwrap_or(&Value::Null))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

/// Prints a list.
pub fn list(format: Format, items: &[Value], columns: &[Column]) {
    if format == Format::Json {
        println!("{}", pretty(&Value::Array(items.to_vec())));
        return;
    }
    let rows: Vec<Vec<String>> =
        items.iter().map(|i| columns.iter().map(|(_, f)| cell(field(i, f))).collect()).collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(n, (h, _))| {
            rows.iter().filter_map(|r| r.get(n)).map(|c| c.chars().count()).chain([h.len()]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(columns.iter().map(|(h, _)| (*h).to_owned()).collect());
    for r in rows {
        line(r);
    }
}

/// Prints one object: every top-level field, or the JSON.
pub fn object(format: Format, item: &Value) {
    match (format, item) {
        (Format::Table, Value::Object(map)) => {
            let width = map.keys().map(String::len).max().unwrap_or(0);
            for (k, v) in map {
                println!("{k:<width$}  {}", cell(v));
            }
        }
        _ => println!("{}", pretty(item)),
    }
}

/// Prints a one-line confirmation, or `{ "result": … }` plus details as JSON.
pub fn done(format: Format, message: &str, details: Value) {
    match format {
        Format::Table => println!("{message}"),
        Format::Json => println!("{}", pretty(&details)),
    }
}
