//! Audio: click voices, the renderer that fills buffers from the beat clock (shared by live
//! playback and WAV render), and the cpal glue for output and input streams.
