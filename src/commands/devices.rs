//! `stridebeat devices`.

/// Options of `stridebeat devices`.
#[derive(clap::Args, Debug)]
pub struct DevicesArgs {}

/// Run `stridebeat devices`.
pub fn run(_args: DevicesArgs) -> anyhow::Result<()> {
    anyhow::bail!("`devices` is not built yet")
}
