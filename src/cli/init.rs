//! `povsim init`: write a small, fully commented scenario to start from.

use povsim::scenario::{self, Scenario};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The classroom scenario (12 villages, ~300 households, 15 years), every key commented.
pub const CLASSROOM: &str = scenario::CLASSROOM_SCENARIO;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Write the classroom scenario (the default, and for now the only template).
    #[arg(long)]
    pub classroom: bool,
    /// Where to write it (default: classroom.toml). An existing file is never overwritten.
    pub path: Option<PathBuf>,
}

pub fn execute(a: InitArgs) -> anyhow::Result<()> {
    let _ = a.classroom;
    let path = a.path.unwrap_or_else(|| PathBuf::from("classroom.toml"));
    let mut f = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(povsim::Error::file(
                &path,
                "exists already; not overwritten (remove it or give another path)",
            )
            .into());
        }
        Err(e) => {
            return Err(povsim::Error::file(&path, format!("cannot create: {e}")).into());
        }
    };
    f.write_all(CLASSROOM.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| povsim::Error::file(&path, format!("cannot write: {e}")))?;
    println!(
        "wrote {}: 12 villages, about 300 households, 15 years; every key is commented",
        path.display()
    );
    println!(
        "next: povsim run {p}   ·   povsim trace {p} --sample 3   ·   povsim serve {p}",
        p = path.display()
    );
    Ok(())
}

/// Where a scenario's text comes from.
#[derive(Clone, Debug)]
pub enum Named {
    File(PathBuf),
    Text(&'static str, &'static str),
}

impl Named {
    /// A file if it exists; else an embedded scenario by name; else the file (its loader reports it missing).
    /// Without an argument: the classroom scenario.
    pub fn of(arg: Option<&Path>) -> Named {
        let Some(p) = arg else {
            return Named::Text("<embedded classroom.toml>", CLASSROOM);
        };
        if let Some((name, text)) = scenario::embedded(p) {
            return Named::Text(name, text);
        }
        Named::File(p.to_path_buf())
    }

    /// Load with `--set`-style overrides.
    pub fn load(&self, sets: &[String]) -> povsim::Result<Scenario> {
        match self {
            Named::File(p) => scenario::load(p, sets),
            Named::Text(name, text) => scenario::load_str(Path::new(name), text, sets),
        }
    }
}
