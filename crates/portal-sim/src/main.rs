//! `portal-sim`: runs the stand-in portal on loopback until Ctrl-C. Built with the
//! `test-controls` feature it serves the test controls too (and `--tls`); without, it is the
//! sandbox the app runs.

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
    /// Serve HTTPS with a test CA generated for this run.
    #[arg(long)]
    tls: bool,
    /// With --tls: where to write the test CA's certificate (PEM) for clients to trust.
    #[arg(long, requires = "tls")]
    ca_file: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        // stdout carries the URL alone, for scripts.
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "portal_sim=info".into()),
        )
        .init();
    let args = Args::parse();
    let sim = start(&args).await?;
    if let (Some(path), Some(pem)) = (&args.ca_file, sim.ca_pem()) {
        std::fs::write(path, pem)?;
        tracing::info!(path = %path.display(), "portal-sim: test CA written");
    }
    // The URL goes to stdout so scripts can read it; the accounts go to the log (their
    // passwords are in docs/portal-protocol/README.md, never in a log).
    println!("{}", sim.url());
    for u in portal_sim::data::users() {
        tracing::info!(
            login = %u.logins.join(", "),
            name = %u.profile.display_name,
            vehicles = u.vehicles.len(),
            "portal-sim account"
        );
    }
    tokio::signal::ctrl_c().await?;
    sim.stop().await?;
    Ok(())
}

/// Built with `test-controls`: the stand-in tests use (controls, faults, TLS).
#[cfg(feature = "test-controls")]
async fn start(args: &Args) -> anyhow::Result<portal_sim::Running> {
    Ok(if args.tls {
        portal_sim::start_tls(args.port, portal_sim::Limits::default()).await?
    } else {
        portal_sim::start(args.port).await?
    })
}

/// Built without `test-controls`: the sandbox, as the app runs it.
#[cfg(not(feature = "test-controls"))]
async fn start(args: &Args) -> anyhow::Result<portal_sim::Running> {
    if args.tls {
        anyhow::bail!("--tls needs a build with the test-controls feature");
    }
    Ok(portal_sim::start_sandbox(args.port).await?)
}
