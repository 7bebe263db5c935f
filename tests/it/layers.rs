//! The layers of docs/ARCHITECTURE.md hold: no source file names a module of
//! a higher layer. The layer table is read from the document itself, so the
//! document and the check cannot disagree.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Module → its row in the table of "## Layers" (`| N | \`module\` | ... |`).
fn layers(doc: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with("## ") {
            inside = line.trim() == "## Layers";
            continue;
        }
        if !inside || !line.starts_with("| ") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if let (Ok(n), Some(m)) = (cells[0].parse::<usize>(), cells.get(1)) {
            out.insert(m.trim_matches('`').to_string(), n);
        }
    }
    out
}

/// The top-level module a source file belongs to (`scenario/keys.rs` →
/// `scenario`; the binary's `main.rs` and `cli/` → `cli`), and its depth.
fn module_of(rel: &Path) -> (String, usize) {
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let first = parts[0].trim_end_matches(".rs");
    let module = if first == "main" { "cli" } else { first };
    (module.to_string(), parts.len())
}

/// The modules a source names: `crate::m`, `$crate::m`, `povsim::m`,
/// `crate::{m::.., n}` and a `super::` path that climbs to the crate root;
/// comments are skipped.
fn named_modules(source: &str, depth: usize) -> Vec<(usize, String)> {
    let root_super = "super::".repeat(depth);
    let mut out = Vec::new();
    for (n, line) in source.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        for prefix in ["crate::", "povsim::", root_super.as_str()] {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                // `super::super::x` in a deeper file is not the root.
                let before = &rest[..i];
                rest = &rest[i + prefix.len()..];
                if prefix.starts_with("super") && before.ends_with("super::") {
                    continue;
                }
                if prefix == "crate::"
                    && before.ends_with(|c: char| c.is_alphanumeric() || c == '_')
                {
                    continue;
                }
                if let Some(group) = rest.strip_prefix('{') {
                    let end = group.find('}').unwrap_or(group.len());
                    for item in group[..end].split(',') {
                        let name: String = item
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        out.push((n + 1, name));
                    }
                    continue;
                }
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push((n + 1, name));
            }
        }
    }
    out
}

/// Every name of a higher layer than `module`'s in `source`.
fn upward(
    module: &str,
    depth: usize,
    source: &str,
    layers: &HashMap<String, usize>,
) -> Vec<String> {
    let me = layers[module];
    named_modules(source, depth)
        .into_iter()
        .filter(|(_, m)| layers.get(m).is_some_and(|l| *l > me))
        .map(|(line, m)| format!("line {line}: {module} uses {m}"))
        .collect()
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_source_file_imports_a_higher_layer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc =
        std::fs::read_to_string(root.join("docs/ARCHITECTURE.md")).expect("docs/ARCHITECTURE.md");
    let layers = layers(&doc);
    let src = root.join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for f in &files {
        let rel = f.strip_prefix(&src).expect("under src");
        if rel == Path::new("lib.rs") {
            continue; // the root declares the modules
        }
        let (module, depth) = module_of(rel);
        assert!(
            layers.contains_key(&module),
            "{}: module {module} is in no row of the layer table of docs/ARCHITECTURE.md",
            rel.display()
        );
        let text = std::fs::read_to_string(f).expect("source");
        for p in upward(&module, depth, &text, &layers) {
            problems.push(format!("src/{}: {p}", rel.display()));
        }
    }
    assert!(files.len() > 60, "only {} source files", files.len());
    assert!(
        problems.is_empty(),
        "imports that run upward:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_check_finds_an_upward_import() {
    let doc = "## Layers\n\n| layer | module |\n| --- | --- |\n| 1 | `scenario` |\n| 2 | `model` |\n| 3 | `engine` |\n| 4 | `experiment` |\n";
    let l = layers(doc);
    assert_eq!(l.len(), 4);
    let up = |m: &str, depth: usize, s: &str| upward(m, depth, s, &l);
    assert_eq!(
        up(
            "scenario",
            2,
            "use crate::experiment::sweep::{Axis, MAX_POINTS};\n"
        ),
        ["line 1: scenario uses experiment"]
    );
    assert_eq!(
        up(
            "model",
            2,
            "let x = crate::{engine::CHUNK, scenario::Scenario};"
        ),
        ["line 1: model uses engine"]
    );
    // A top-level file's `super::` is the crate root; a submodule's is its parent.
    assert_eq!(
        up("model", 1, "use super::engine::CHUNK;"),
        ["line 1: model uses engine"]
    );
    assert!(up("model", 2, "use super::engine::CHUNK;").is_empty());
    assert_eq!(
        up("model", 3, "use super::super::super::engine::X;"),
        ["line 1: model uses engine"]
    );
    assert!(up("model", 3, "use super::super::engine::X;").is_empty());
    // Macros' `$crate` count; comments, lower layers and non-modules do not.
    assert_eq!(
        up("scenario", 2, "$crate::model::x()"),
        ["line 1: scenario uses model"]
    );
    assert!(up("engine", 1, "use crate::model::state;\n// crate::experiment::x\n/// [`crate::experiment`]\nuse crate::error::Result;").is_empty());
    assert!(up("experiment", 2, "povsim::engine::Simulation").is_empty());
}
