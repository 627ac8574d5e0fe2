"""DuckDB storage: schema migrations, upserts of raw items and mentions, harvest runs and watermarks."""

from .db import open_db, transaction

__all__ = ["open_db", "transaction"]
