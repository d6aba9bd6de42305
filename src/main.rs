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
            // One line, naming the problem: the chain joined with ": ", a cause the message
            // already quotes left out (wrappers that display their source).
            let mut msg = String::new();
            for cause in e.chain() {
                let text = cause.to_string().replace('\n', " ");
                if msg.contains(&text) {
                    continue;
                }
                if !msg.is_empty() {
                    msg.push_str(": ");
                }
                msg.push_str(&text);
            }
            eprintln!("uploadd: error: {msg}");
            ExitCode::from(1)
        }
    }
}
