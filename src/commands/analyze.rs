//! `stridebeat analyze`.

/// Options of `stridebeat analyze`.
#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {}

/// Run `stridebeat analyze`.
pub fn run(_args: AnalyzeArgs) -> anyhow::Result<()> {
    anyhow::bail!("`analyze` is not built yet")
}
