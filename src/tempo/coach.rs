//! The adaptive coach: a state machine that raises the target cadence gradually.
