"""The base of every settings table: unknown keys are refused, values are frozen once validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    # Unknown keys are almost always typos; say so instead of silently ignoring them.
    model_config = ConfigDict(extra="forbid", frozen=True)
