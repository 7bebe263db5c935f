//! The `povsim` command line: parse the arguments, run one command, map errors
//! to exit codes (2 for anything the user can fix, 1 for a bug).

mod cli;

use clap::Parser;

fn main() {
    sigpipe(true);
    let args = cli::Cli::parse();
    if matches!(args.command, cli::Command::Serve(_)) {
        sigpipe(false);
    }
    if let Err(err) = cli::execute(args) {
        let code = match err.downcast_ref::<povsim::Error>() {
            Some(e) => e.exit_code(),
            None => 1,
        };
        eprintln!("error: {err:#}");
        std::process::exit(code);
    }
}

/// Output into a closed pipe (`povsim trace … | head -3`) ends the process
/// quietly, as it does other Unix tools (killed by SIGPIPE: status 141 in a
/// shell), instead of a panic in `println!`. Rust ignores SIGPIPE by default;
/// this restores the default action (`true`) or ignores it again (`false`,
/// for the server, which must outlive a browser that hangs up).
fn sigpipe(default: bool) {
    #[cfg(unix)]
    // SAFETY: signal() with SIG_DFL or SIG_IGN installs no handler code; it is
    // called before any thread is started.
    unsafe {
        libc::signal(
            libc::SIGPIPE,
            if default {
                libc::SIG_DFL
            } else {
                libc::SIG_IGN
            },
        );
    }
    #[cfg(not(unix))]
    let _ = default;
}
