//! The `uploadd` binary: parses the command line, loads the config, sets up logging and calls
//! into the library. The only place that uses `anyhow`.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <cli::Cli as clap::Parser>::parse();
    if let Some(code) = cli::heif_decode(&args) {
        return code;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("uploadd: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(cli::dispatch(args)) {
        Ok(code) => code,
        Err(e) => {
            // One line, naming the problem (the chain joined with ": ").
            let msg = format!("{e:#}").replace('\n', " ");
            eprintln!("uploadd: error: {msg}");
            ExitCode::from(1)
        }
    }
}
