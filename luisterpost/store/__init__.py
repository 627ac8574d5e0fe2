"""DuckDB storage: schema migrations, upserts of raw items and mentions, harvest runs and watermarks."""

from .db import open_db, open_store, transaction

__all__ = ["open_db", "open_store", "transaction"]
