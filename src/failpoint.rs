//! Fault injection for the crash tests: `UPLOADD_FAILPOINTS="store=sleep(3000);commit=abort"`
//! makes the daemon pause or die at a named point of the pipeline. Inert (one atomic load)
//! unless the variable is set; read once at first use.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Sleep(Duration),
    Abort,
    Panic,
}

fn table() -> &'static HashMap<String, Action> {
    static TABLE: OnceLock<HashMap<String, Action>> = OnceLock::new();
    TABLE.get_or_init(|| std::env::var("UPLOADD_FAILPOINTS").map(|s| parse(&s)).unwrap_or_default())
}

fn parse(spec: &str) -> HashMap<String, Action> {
    spec.split(';')
        .filter_map(|item| {
            let (name, action) = item.trim().split_once('=')?;
            let action = match action.trim() {
                "abort" => Action::Abort,
                "panic" => Action::Panic,
                a => {
                    let ms = a.strip_prefix("sleep(")?.strip_suffix(')')?.parse().ok()?;
                    Action::Sleep(Duration::from_millis(ms))
                }
            };
            Some((name.trim().to_owned(), action))
        })
        .collect()
}

/// Passes the named point, acting on it if configured.
pub async fn hit(name: &str) {
    match table().get(name) {
        None => {}
        Some(Action::Sleep(d)) => {
            tracing::warn!(failpoint = name, "Failpoint: sleeping {d:?}.");
            tokio::time::sleep(*d).await;
        }
        Some(Action::Abort) => {
            tracing::error!(failpoint = name, "Failpoint: aborting the process.");
            std::process::abort();
        }
        Some(Action::Panic) => panic!("failpoint {name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let t = parse("store=sleep(250); commit=abort;image=panic;bad=sleep(x);junk");
        assert_eq!(t.get("store"), Some(&Action::Sleep(Duration::from_millis(250))));
        assert_eq!(t.get("commit"), Some(&Action::Abort));
        assert_eq!(t.get("image"), Some(&Action::Panic));
        assert_eq!(t.len(), 3);
    }
}
