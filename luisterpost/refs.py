"""Short references to posts and threads that reports and exports show and `luisterpost correct` accepts:
"p-" (a post) or "t-" (a thread) and the first 8 hex digits of SHA-256 of "platform:id". Stable (the same
post always gets the same reference, in every report and export), and they name no person.

Eight hex digits (32 bits) keep it short: among 10,000 posts the chance that any two share a reference is about
1 %, among 77,000 about one half. Whoever looks a reference up is told when it matches more than one post. sql/store/mentions_by_ref.sql computes the same value in the database."""

from __future__ import annotations

import hashlib
import re

DIGITS = 8
POST = re.compile(rf"p-[0-9a-f]{{{DIGITS}}}")


def _ref(prefix: str, platform: str, value: str) -> str:
    return prefix + hashlib.sha256(f"{platform}:{value}".encode()).hexdigest()[:DIGITS]


def post_ref(platform: str, id: str) -> str:
    """The post's reference, e.g. "p-3f9a2c1b" (platform as stored)."""
    return _ref("p-", platform, id)


def thread_ref(platform: str, thread: str) -> str:
    """The thread's reference, e.g. "t-08d1e5aa", from the id that names the thread (see metrics.webcare)."""
    return _ref("t-", platform, thread)


def is_post_ref(value: str) -> bool:
    return bool(POST.fullmatch(value.strip().lower()))
