"""Reading an API's answer: JSON of the expected shape, and keys that must be there."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import SourceError

if TYPE_CHECKING:
    import httpx


def decode_json(response: httpx.Response, what: str, expect: type = dict) -> Any:
    """The response body as JSON of type `expect`, or a SourceError saying what came instead."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"{what}: the answer is not valid JSON ({exc.__class__.__name__} at "
                          f"{getattr(exc, 'pos', '?')}); stored pages are kept, the rest follows next run") from None
    if not isinstance(data, expect):
        raise SourceError(f"{what}: expected a JSON {'object' if expect is dict else 'list'}, got "
                          f"{type(data).__name__}: the API's answer changed shape")
    return data


def field(record: Mapping[str, Any], *path: str, what: str) -> Any:
    """record[path[0]][path[1]]…, or a SourceError naming the missing key (an API that changed shape)."""
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            raise SourceError(f"{what}: the answer has no {'.'.join(path)!s}: the API's answer changed shape")
        value = value[key]
    return value
