"""What the watch alerted, kept in the database (sql/migrations/009_watch_alerts.sql): the episodes alerted and
at what, the alerts, and each alert's delivery to each URL. Decides whether an event is alerted (again)."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb

from ..alerts import Delivery

ESCALATION = 2  # an alerted episode is alerted again when its severity rose at least this much


def alerted(con: duckdb.DuckDBPyConnection, start: datetime, until: datetime) -> dict[str, object] | None:
    """The alerted episode that overlaps [start, until) (the earliest), as episode_id, start, until, severity,
    woonkernen and themes; None when none does."""
    row = con.execute(
        "SELECT episode_id, start, until, severity, woonkernen, themes FROM watch_episodes"
        " WHERE start < ? AND until > ? ORDER BY start, episode_id LIMIT 1", [until, start]).fetchone()
    if row is None:
        return None
    return dict(zip(("episode_id", "start", "until", "severity", "woonkernen", "themes"), row))


def decision(spike: dict[str, object], before: dict[str, object] | None, min_severity: int) -> str | None:
    """Why `spike` is alerted now: "nieuw" (not alerted before, severe enough), "ernstiger" (severity up by at
    least ESCALATION since the last alert), "breder" (a woonkern or theme not alerted before); None: not now."""
    severity = int(spike["severity"])
    if before is None:
        return "nieuw" if severity >= min_severity else None
    if severity >= int(before["severity"]) + ESCALATION:
        return "ernstiger"
    if set(spike["woonkernen"]) - set(before["woonkernen"]) or set(spike["themes"]) - set(before["themes"]):
        return "breder"
    return None


def record_alert(con: duckdb.DuckDBPyConnection, spike: dict[str, object], before: dict[str, object] | None,
                 reason: str, title: str, body: str, facts: dict[str, object], now: datetime) -> int:
    """Store the alert and what its episode is now alerted at; return the alert's id."""
    severity = int(spike["severity"])
    if before is None:
        episode_id = con.execute(
            "INSERT INTO watch_episodes (start, until, severity, woonkernen, themes, alerted_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING episode_id",
            [spike["start"], spike["until"], severity, spike["woonkernen"], spike["themes"], now]).fetchone()[0]
    else:
        episode_id = before["episode_id"]
        con.execute(
            "UPDATE watch_episodes SET start = least(start, ?), until = greatest(until, ?), severity = greatest(severity, ?),"
            " woonkernen = list_sort(list_distinct(list_concat(woonkernen, ?::VARCHAR[]))),"
            " themes = list_sort(list_distinct(list_concat(themes, ?::VARCHAR[]))), alerted_at = ?"
            " WHERE episode_id = ?",
            [spike["start"], spike["until"], severity, spike["woonkernen"], spike["themes"], now, episode_id])
    return con.execute(
        "INSERT INTO alerts (episode_id, created_at, reason, severity, title, body, facts) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " RETURNING alert_id", [episode_id, now, reason, severity, title, body, json.dumps(facts, default=str)]
    ).fetchone()[0]


def extend(con: duckdb.DuckDBPyConnection, episode_id: int, until: datetime) -> None:
    """An alerted episode goes on until `until`: a later hour of it still matches it."""
    con.execute("UPDATE watch_episodes SET until = greatest(until, ?) WHERE episode_id = ?", [until, episode_id])


def record_delivery(con: duckdb.DuckDBPyConnection, alert_id: int, delivery: Delivery, now: datetime) -> None:
    """Store (or update) how the alert's delivery to one URL went."""
    con.execute(
        "INSERT INTO alert_deliveries (alert_id, target, label, status, attempts, last_error, last_attempt, delivered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, target) DO UPDATE SET label = excluded.label,"
        " status = excluded.status, attempts = alert_deliveries.attempts + excluded.attempts,"
        " last_error = excluded.last_error, last_attempt = excluded.last_attempt, delivered_at = excluded.delivered_at",
        [alert_id, delivery.target, delivery.label, "delivered" if delivery.delivered else "failed", delivery.attempts,
         delivery.error, now, now if delivery.delivered else None])


def undelivered(con: duckdb.DuckDBPyConnection, targets: int, since: datetime) -> list[tuple[int, int, str, str]]:
    """(alert_id, target, title, body) of every delivery still to make to the first `targets` URLs: failed
    ones, whenever they failed (never silently dropped), and those of alerts made since `since` without a row
    for that URL (a cycle that stopped before sending, a URL added since)."""
    return con.execute(
        "SELECT a.alert_id, t.target, a.title, a.body FROM alerts AS a"
        " CROSS JOIN range(?) AS t(target)"
        " LEFT JOIN alert_deliveries AS d ON d.alert_id = a.alert_id AND d.target = t.target"
        " WHERE a.body <> '' AND (d.status = 'failed' OR (d.status IS NULL AND a.created_at >= ?))"
        " ORDER BY a.alert_id, t.target", [targets, since]).fetchall()



def settle(con: duckdb.DuckDBPyConnection, targets: int) -> int:
    """Empty the text of every alert delivered to each of the first `targets` URLs (all of them, when there are
    none): its quoted posts are kept no longer than needed to deliver it (a resident erased later must not stay
    quoted here). The title and the numbers stay. Returns how many were emptied."""
    return con.execute(
        "UPDATE alerts AS a SET body = '' WHERE a.body <> '' AND ? = (SELECT count(*) FROM alert_deliveries AS d"
        " WHERE d.alert_id = a.alert_id AND d.status = 'delivered' AND d.target < ?)", [targets, targets]
    ).fetchall()[0][0]
