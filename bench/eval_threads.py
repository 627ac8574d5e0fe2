"""Evaluate threading and response times on 525 real customer-care conversations (../shared/data/threads).

The companies' support accounts play the municipality's own accounts, customers play residents. Each
conversation is written as Mentions JSONL v1 (conversation_id = the session), imported into DuckDB and run
through Luisterpost's webcare metrics; a small independent implementation below computes the same figures
straight from the JSON. Both are printed and must agree. The final support reply has no time in the data:
it is recovered from its tweet id (Twitter snowflake: ms since epoch = (id >> 22) + 1288834974657).
Run: .venv/bin/python bench/eval_threads.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from luisterpost.importer import import_file  # noqa: E402
from luisterpost.metrics.load import load_mentions  # noqa: E402
from luisterpost.metrics.webcare import cases, mark_own, response_summary, threads, with_timing  # noqa: E402
from luisterpost.schedule import business_calendar, parse_schedule  # noqa: E402
from luisterpost.store import open_db  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "threads" / "ibm-customer-care-dev.json"
WINDOW_HOURS = 72


def snowflake_time(tweet_id: str) -> datetime:
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + 1288834974657) / 1000, tz=UTC)


def messages(dialog: dict) -> list[dict]:
    """The conversation as (author, time, text, id) dicts, the final support reply included."""
    found = []
    for turn in dialog["dialogContent"]:
        author = turn.get("agent") or turn.get("client") or turn.get("client1")
        found.append({"author": author, "is_agent": "agent" in turn,
                      "time": datetime.fromisoformat(turn["datetime"].replace("Z", "+00:00")),
                      "text": turn["message"], "id": turn["tweet_ID"]})
    final = dialog["agentURL"]
    found.append({"author": dialog["dialogHeader"]["company"], "is_agent": True,
                  "time": snowflake_time(final["tweet_ID"]), "text": final["url_utterance"], "id": final["tweet_ID"]})
    return found


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def independent(dialogs: list[dict]) -> dict:
    """Cases and first responses computed directly: per conversation and customer, the first support
    message after the customer's first message that names the customer.

    A few tweets appear in two conversations of the data set. A post is one post: like the store, which
    keeps the last copy of a post in a file, each tweet belongs to the last conversation that lists it."""
    owner = {m["id"]: d["dialogHeader"]["sessionID"] for d in dialogs for m in messages(d)}
    minutes = []
    total = 0
    for dialog in dialogs:
        msgs = [m for m in messages(dialog) if owner[m["id"]] == dialog["dialogHeader"]["sessionID"]]
        customers = {m["author"] for m in msgs if not m["is_agent"]}
        for customer in customers:
            total += 1
            start = min(m["time"] for m in msgs if m["author"] == customer and not m["is_agent"])
            replies = [m["time"] for m in msgs if m["is_agent"] and m["time"] > start
                       and f"@{customer.lower()}" in m["text"].lower()]
            if replies and min(replies) - start <= timedelta(hours=WINDOW_HOURS):
                minutes.append((min(replies) - start).total_seconds() / 60)
    return {"cases": total, "answered": len(minutes), "rate": len(minutes) / total,
            "median": percentile(minutes, 0.5), "p90": percentile(minutes, 0.9), "mean": sum(minutes) / len(minutes)}


def luisterpost(dialogs: list[dict]) -> dict:
    own = {"twitter": {d["dialogHeader"]["company"].lower() for d in dialogs}}
    own["twitter"] |= {t["agent"].lower() for d in dialogs for t in d["dialogContent"] if "agent" in t}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "threads.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for dialog in dialogs:
                for m in messages(dialog):
                    out.write(json.dumps({"platform": "twitter", "id": m["id"], "created_at": m["time"].isoformat(),
                                          "author_handle": m["author"], "text": m["text"],
                                          "conversation_id": dialog["dialogHeader"]["sessionID"]}) + "\n")
        con = open_db(":memory:")
        result = import_file(con, path)
        assert not result.problems, result.problems[:3]
        frame = load_mentions(con, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    calendar = business_calendar(parse_schedule("24/7"), ZoneInfo("UTC"), None, [])
    timed = with_timing(cases(threads(mark_own(frame, own)), WINDOW_HOURS, carry=("needs_reply",)), calendar, 4)
    summary = response_summary(timed)
    stats = summary["first_response_minutes"]
    return {"cases": summary["cases"], "answered": summary["answered"], "rate": summary["rate"],
            "median": stats["median"], "p90": stats["p90"], "mean": stats["mean"]}


def main() -> None:
    if not DATA.exists():
        print(f"skipped: {DATA} is not here")
        return
    dialogs = json.loads(DATA.read_text(encoding="utf-8"))
    ours, theirs = luisterpost(dialogs), independent(dialogs)
    print(f"{len(dialogs)} conversations, {sum(len(messages(d)) for d in dialogs)} messages")
    print(f"{'figure':<10}{'luisterpost':>14}{'independent':>14}")
    for key in ours:
        print(f"{key:<10}{ours[key]:>14,.3f}{theirs[key]:>14,.3f}")
    agree = all(abs(ours[k] - theirs[k]) < 1e-6 for k in ours)
    print("figures agree" if agree else "FIGURES DIFFER")
    if not agree:
        sys.exit(1)


if __name__ == "__main__":
    main()
