//! `cgen [--check]`: write (or check) every file generated from the spec: the C header
//! `c/include/wasm_arm_neon.h` and the test sources in `c/generated/`.

use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    about = "Generate the C layer from the intrinsic spec",
    long_about = "Generate the C layer from the intrinsic spec (spec/intrinsics/*.toml and \
                  spec/helpers.toml): c/include/wasm_arm_neon.h, c/generated/wrappers.c and \
                  c/generated/engine_vectors.c. With --check nothing is written; the command \
                  fails (exit 1) naming every file that differs from what the spec generates."
)]
struct Cli {
    /// Do not write; fail if a file differs from what would be generated.
    #[arg(long)]
    check: bool,
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut stale = Vec::new();
    for (path, text) in cgen::artefacts()? {
        if cli.check {
            match cgen::check_file(&path, &text) {
                Ok(()) => println!("{} is up to date", path.display()),
                Err(e) => stale.push(format!("{e:#}")),
            }
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
            }
            std::fs::write(&path, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    if !stale.is_empty() {
        anyhow::bail!("{}", stale.join("\n"));
    }
    Ok(())
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
