//! `UPLOADD_<SECTION>__<KEY>` environment overrides, layered onto the parsed file.

use super::{Config, ConfigError};

/// `UPLOADD_*` variables that are not config keys: the command line's own, fault injection,
/// and the names the project's scripts, tests and benches use.
pub const NOT_CONFIG: &[&str] = &[
    "UPLOADD_CONFIG",
    "UPLOADD_DATA_DIR",
    "UPLOADD_FAILPOINTS",
    "UPLOADD_TOOLS",
    "UPLOADD_BIN",
    "UPLOADD_CORPUS_REBUILD",
];
/// Prefixes reserved for the project's scripts, tests and benches.
pub const NOT_CONFIG_PREFIXES: &[&str] = &["UPLOADD_TEST_", "UPLOADD_BENCH_", "UPLOADD_SOAK_"];

/// Every overridable key as its variable name (`UPLOADD_WORKER__CONCURRENCY`), profiles aside.
fn known_vars(defaults: &toml::Value) -> Vec<String> {
    fn walk(v: &toml::Value, path: &mut Vec<String>, out: &mut Vec<String>) {
        match v {
            toml::Value::Table(t) if path.first().is_none_or(|s| s != "profiles") => {
                for (k, child) in t {
                    path.push(k.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            _ => out.push(format!("UPLOADD_{}", path.join("__").to_ascii_uppercase())),
        }
    }
    let mut out = Vec::new();
    walk(defaults, &mut Vec::new(), &mut out);
    out
}

/// Edit distance, for suggesting the key a misspelled variable meant.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The error for a variable that names no config key, with the closest one that exists.
fn unknown_var(var: &str, known: &[String]) -> ConfigError {
    let closest = known.iter().min_by_key(|k| distance(var, k));
    let message = match closest {
        Some(k) => {
            format!("matches no config key; did you mean {k}? (sections and keys are joined by two underscores)")
        }
        None => "matches no config key".into(),
    };
    ConfigError::Env { var: var.to_owned(), message }
}

/// Applies `UPLOADD_SECTION__KEY[__SUBKEY…]=value` onto the parsed file. The value is typed by
/// what the key holds in the defaults (so a numeric-looking password stays a string).
pub(super) fn apply_env_overrides(table: &mut toml::Table, env: &[(String, String)]) -> Result<(), ConfigError> {
    let defaults = toml::Value::try_from(Config::default()).unwrap_or(toml::Value::Table(toml::Table::new()));
    let known = known_vars(&defaults);
    let mut vars: Vec<&(String, String)> = env
        .iter()
        .filter(|(k, _)| {
            k.starts_with("UPLOADD_")
                && !NOT_CONFIG.contains(&k.as_str())
                && !NOT_CONFIG_PREFIXES.iter().any(|p| k.starts_with(p))
        })
        .collect();
    vars.sort();
    for (var, raw) in vars {
        // A misspelled override must not be ignored silently: one underscore where two were
        // meant, a key that does not exist.
        let is_profile = var.starts_with("UPLOADD_PROFILES__");
        if !var.contains("__") || (!is_profile && !known.contains(var)) {
            return Err(unknown_var(var, &known));
        }
        let path: Vec<String> = var["UPLOADD_".len()..].split("__").map(|s| s.to_ascii_lowercase()).collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::Env {
                var: var.clone(),
                message: "malformed name (expected UPLOADD_SECTION__KEY)".into(),
            });
        }
        let mut default_here = Some(&defaults);
        for seg in &path {
            default_here = default_here.and_then(|v| v.get(seg.as_str()));
        }
        let value =
            typed_env_value(raw, default_here).map_err(|message| ConfigError::Env { var: var.clone(), message })?;
        let mut cur = &mut *table;
        for seg in &path[..path.len() - 1] {
            let entry = cur.entry(seg.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
            cur = entry
                .as_table_mut()
                .ok_or_else(|| ConfigError::Env { var: var.clone(), message: format!("`{seg}` is not a section") })?;
        }
        if let Some(last) = path.last() {
            cur.insert(last.clone(), value);
        }
    }
    Ok(())
}

fn typed_env_value(raw: &str, default: Option<&toml::Value>) -> Result<toml::Value, String> {
    let parse_literal = |raw: &str| -> Option<toml::Value> {
        format!("v = {raw}").parse::<toml::Table>().ok().and_then(|mut t| t.remove("v"))
    };
    match default {
        Some(toml::Value::String(_)) => Ok(toml::Value::String(raw.to_owned())),
        Some(toml::Value::Integer(_)) => {
            raw.trim().parse::<i64>().map(toml::Value::Integer).map_err(|_| format!("expected an integer, got {raw:?}"))
        }
        Some(toml::Value::Float(_)) => {
            raw.trim().parse::<f64>().map(toml::Value::Float).map_err(|_| format!("expected a number, got {raw:?}"))
        }
        Some(toml::Value::Boolean(_)) => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(toml::Value::Boolean(true)),
            "false" | "0" | "no" | "off" => Ok(toml::Value::Boolean(false)),
            _ => Err(format!("expected true or false, got {raw:?}")),
        },
        Some(toml::Value::Array(_)) => parse_literal(raw).filter(|v| v.is_array()).map_or_else(
            || Ok(toml::Value::Array(raw.split(',').map(|s| toml::Value::String(s.trim().to_owned())).collect())),
            Ok,
        ),
        _ => Ok(parse_literal(raw).unwrap_or_else(|| toml::Value::String(raw.to_owned()))),
    }
}
