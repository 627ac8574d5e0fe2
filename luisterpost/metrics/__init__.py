"""Metrics: pure Polars functions, frames in and frames (or plain values) out, no I/O."""
