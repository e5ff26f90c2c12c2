//! `stridebeat render`.

/// Options of `stridebeat render`.
#[derive(clap::Args, Debug)]
pub struct RenderArgs {}

/// Run `stridebeat render`.
pub fn run(_args: RenderArgs) -> anyhow::Result<()> {
    anyhow::bail!("`render` is not built yet")
}
