//! Reports: the runner-facing summary, JSON, per-step CSV and cadence plots.
