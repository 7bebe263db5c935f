//! The `povsim` command line: parse the arguments, run one command, map errors
//! to exit codes (2 for anything the user can fix, 1 for a bug).

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    if let Err(err) = cli::execute(args) {
        let code = match err.downcast_ref::<povsim::Error>() {
            Some(e) => e.exit_code(),
            None => 1,
        };
        eprintln!("error: {err:#}");
        std::process::exit(code);
    }
}
