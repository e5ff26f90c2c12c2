//! The `stridebeat` binary: parses the command line and hands each subcommand to a small
//! function in `commands/`. All real work lives in the library.

/// `eprintln!` that cannot panic: with standard error closed (`2>&1 | head`) a message has
/// nowhere to go, and losing it must not turn into a panic (exit 101) instead of the run's own
/// outcome.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Cadence metronome and stride monitor for runners.
#[derive(Parser, Debug)]
#[command(name = "stridebeat", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Play a click at a target cadence (optionally measuring the runner live).
    Play(commands::play::PlayArgs),
    /// Render the click track to a WAV file.
    Render(commands::render::RenderArgs),
    /// Analyse recorded sessions: steps, cadence, segments.
    Analyze(commands::analyze::AnalyzeArgs),
    /// List audio output and input devices.
    Devices(commands::devices::DevicesArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Play(args) => commands::play::run(args),
        Command::Render(args) => commands::render::run(args),
        Command::Analyze(args) => commands::analyze::run(args),
        Command::Devices(args) => commands::devices::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if commands::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            say!("stridebeat: {err:#}");
            ExitCode::from(2)
        }
    }
}
