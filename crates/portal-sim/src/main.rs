//! `portal-sim`: runs the stand-in portal on loopback until Ctrl-C.

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "portal-sim",
    version,
    about = "Local stand-in for Gosuslugi and the ePTS portal"
)]
struct Args {
    /// Loopback port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "portal_sim=info".into()),
        )
        .init();
    let args = Args::parse();
    let sim = portal_sim::start(args.port).await?;
    // The URL goes to stdout so scripts can read it.
    println!("{}", sim.url());
    tokio::signal::ctrl_c().await?;
    sim.stop().await?;
    Ok(())
}
