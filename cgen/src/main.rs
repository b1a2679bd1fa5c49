//! `cgen header [--check]`: write (or check) c/include/wasm_arm_neon.h.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Generate the C layer from the intrinsic spec")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate c/include/wasm_arm_neon.h from spec/intrinsics/<family>.toml.
    Header {
        /// Do not write; fail if the file differs from what would be generated.
        #[arg(long)]
        check: bool,
        /// Intrinsic family to read.
        #[arg(long, default_value = "sha1")]
        family: String,
        /// Output path (default: the checked-in header).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Header { check, family, out } => {
            let spec = spec::load_family(&family)?;
            let path = out.unwrap_or_else(cgen::header_path);
            if check {
                cgen::check_header(&spec, &path)?;
                println!("{} is up to date", path.display());
            } else {
                let text = cgen::header(&spec)?;
                std::fs::write(&path, text)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                println!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
