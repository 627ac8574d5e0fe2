"""Whether a database file reads back whole: every block of every table, checked against its checksum."""

from __future__ import annotations

import duckdb


def damage(con: duckdb.DuckDBPyConnection) -> str | None:
    """DuckDB's words for the first damaged block found while reading every column of every table of the
    connection's database in full, or None when all of it reads back. DuckDB checks a block's checksum when it
    reads it, so reading everything is what finds a damaged block before anything is written beside it."""
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = "
                         "current_database() ORDER BY ALL").fetchall()
    for schema, table in tables:
        try:
            # One hash per column reads every block of it; nothing is held in memory but the hashes.
            con.execute(f'SELECT bit_xor(hash(COLUMNS(*))) FROM "{schema}"."{table}"').fetchall()
        except duckdb.Error as exc:
            if not corrupt(exc):
                raise
            return f"table {table}: {_reason(exc)}"
    return None


def corrupt(exc: BaseException) -> bool:
    """Whether `exc` is DuckDB finding the file damaged (a checksum that does not match, a broken header)."""
    text = str(exc)
    return any(mark in text for mark in ("Corrupt database file", "checksum", "not a valid DuckDB database file",
                                         "database file is corrupted", "INTERNAL Error"))


def _reason(exc: BaseException) -> str:
    """DuckDB's message without its error-class prefix."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split("Error: ", 1)[-1]
