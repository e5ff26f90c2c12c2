//! `stridebeat play`.

/// Options of `stridebeat play`.
#[derive(clap::Args, Debug)]
pub struct PlayArgs {}

/// Run `stridebeat play`.
pub fn run(_args: PlayArgs) -> anyhow::Result<()> {
    anyhow::bail!("`play` is not built yet")
}
