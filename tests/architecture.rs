//! The architecture rules of ARCHITECTURE.md that a machine can check, so they cannot quietly
//! stop being true: modules import only downwards (no cycle), no source file grows past 800
//! lines, and the few modules allowed to do a dangerous thing are the only ones that do it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, with its path relative to `src/`.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under src").to_string_lossy().into_owned();
                out.push((rel, std::fs::read_to_string(&path).expect("read source")));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &src(), &mut out);
    out.sort();
    assert!(out.len() > 20, "the source tree was not found");
    out
}

/// The code of a file without comments (so prose that names a module is not an import).
fn code(text: &str) -> String {
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The top-level library module a file belongs to (`pipeline/video/ffmpeg.rs` → `pipeline`),
/// or `None` for the crate roots and the binary.
fn module_of(rel: &str) -> Option<String> {
    let first = rel.split('/').next()?.trim_end_matches(".rs");
    (!matches!(first, "lib" | "main" | "cli")).then(|| first.to_owned())
}

/// Top-level module → the top-level modules it names through `crate::`.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in sources() {
        let Some(module) = module_of(&rel) else { continue };
        let deps = graph.entry(module.clone()).or_default();
        let code = code(&text);
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + "crate::".len()..];
            let mut names: Vec<String> = Vec::new();
            if let Some(group) = rest.strip_prefix('{') {
                // `use crate::{a, b::c}`
                let inner = group.split('}').next().unwrap_or("");
                names.extend(inner.split(',').map(|p| p.trim().split("::").next().unwrap_or("").to_owned()));
            } else {
                names.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
            }
            for name in names.into_iter().filter(|n| !n.is_empty() && *n != module) {
                deps.insert(name);
            }
        }
    }
    graph
}

/// A cycle through `start`, if any (depth-first).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn modules_import_only_downwards() {
    let graph = import_graph();
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle among src/ modules: {}", cycle.join(" → "));
    }
    // The vocabulary at the bottom imports nothing but itself.
    for leaf in ["outcome", "units", "backoff", "failpoint", "formats"] {
        let deps = &graph[leaf];
        assert!(deps.is_empty(), "{leaf} is a leaf module but imports {deps:?}");
    }
    // The container of dependencies does not reach up into what runs on it.
    for above in ["pipeline", "worker", "http", "webhook", "announce", "daemon", "sweep", "admin", "demo"] {
        assert!(!graph["app"].contains(above), "app must not import {above}");
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    // The test above can only fail if this one can.
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    g.get_mut("c").expect("c").clear();
    assert_eq!(find_cycle(&g), None);
}

#[test]
fn no_source_file_is_over_800_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > 800)
        .map(|(rel, text)| format!("{rel} ({} lines)", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// Files (relative to `src/`) in which `needle` appears in code, outside `allowed` prefixes.
fn offenders(needle: &str, allowed: &[&str]) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(rel, text)| !allowed.iter().any(|a| rel.starts_with(a)) && code(text).contains(needle))
        .map(|(rel, _)| rel)
        .collect()
}

#[test]
fn dangerous_things_happen_in_one_place_each() {
    for (needle, allowed, why) in [
        ("Command::new", &["process.rs"][..], "only process.rs spawns processes"),
        ("FfmpegCommand", &["process.rs"][..], "only process.rs spawns processes"),
        ("aws_sdk_s3", &["storage/"][..], "only storage/ talks to S3"),
        ("sqlx::query", &["db.rs", "db/", "queue/sqlite.rs"][..], "SQL lives in db/ (and the SQLite queue)"),
        ("sqlx::raw_sql", &["db.rs", "db/", "queue/sqlite.rs"][..], "SQL lives in db/ (and the SQLite queue)"),
        ("redis::cmd", &["queue/"][..], "only queue/ knows the queue's data structures"),
        ("PARTIAL_DIR", &["storage"][..], "only storage/ touches the store's files"),
        (
            "unsafe ",
            &[
                "media/jpeg.rs",
                "media/webp.rs",
                "media/heif.rs",
                "process.rs",
                "workdir.rs",
                "worker.rs",
                "storage/local",
            ][..],
            "unsafe code stays in the FFI and syscall modules",
        ),
    ] {
        let found = offenders(needle, allowed);
        assert!(found.is_empty(), "{why}, but `{needle}` appears in {found:?}");
    }
}
