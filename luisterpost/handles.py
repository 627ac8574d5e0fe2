"""How handles and platform names are compared: the same account or platform however it was written."""

from __future__ import annotations

import re


def normalise_handle(platform: str, handle: str) -> str:
    """Lower-case a handle and drop a leading @; for Mastodon also drop the @instance part,
    so "@GemeenteX@social.overheid.nl" and "gemeentex" match."""
    handle = handle.strip().lstrip("@").lower()
    if platform == "mastodon":
        handle = handle.split("@", 1)[0]
    return handle


# How export tools and people name platforms → our platform names.
PLATFORMS = {"x": "twitter", "twitter": "twitter", "x (twitter)": "twitter", "nieuws": "news", "news": "news",
             "online nieuws": "news", "facebook": "facebook", "instagram": "instagram", "youtube": "youtube",
             "linkedin": "linkedin", "reddit": "reddit", "mastodon": "mastodon", "bluesky": "bluesky",
             "whatsapp": "whatsapp", "forum": "forum", "fora": "forum", "blog": "blog", "blogs": "blog",
             "tiktok": "tiktok", "threads": "threads"}


def platform_name(value: str) -> str:
    """The platform's name as stored ("X" → "twitter"): how tools name it translated, else lower case with
    only letters, digits and _ ("onbekend" when nothing is left)."""
    value = value.strip().lower()
    return PLATFORMS.get(value) or re.sub(r"[^a-z0-9_]+", "_", value).strip("_") or "onbekend"


# Platforms as people write them, for what analysts read (exports); platform_name() reads each back.
DISPLAY_NAMES = {"twitter": "X (Twitter)", "news": "Nieuws", "facebook": "Facebook", "instagram": "Instagram",
                 "youtube": "YouTube", "linkedin": "LinkedIn", "reddit": "Reddit", "mastodon": "Mastodon",
                 "bluesky": "Bluesky", "whatsapp": "WhatsApp", "forum": "Forum", "blog": "Blog", "tiktok": "TikTok",
                 "threads": "Threads"}
