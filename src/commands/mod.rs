//! One small module per subcommand, each wiring shells (devices, files, sockets, terminal) to the
//! library's pure core.

pub mod analyze;
pub mod coaching;
pub mod devices;
pub mod live;
pub mod pipeline;
pub mod play;
pub mod render;

/// True when the error chain ends in a closed output pipe (e.g. `stridebeat analyze | head`),
/// which is a normal way for a reader to stop and not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            // serde_json keeps the io::Error inside and reports only its kind.
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
    })
}
