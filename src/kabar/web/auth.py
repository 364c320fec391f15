"""The server's one write rule (uploads, alerts): a token in `kabar.toml`, given as a bearer
header by the API or as a form field by the pages, compared in constant time."""

from __future__ import annotations

import hmac

from fastapi import Request


def bearer(request: Request) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if any."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def token_matches(token: str | None, given: str | None) -> bool:
    """Whether `given` is the server's `token` (none set: nothing matches)."""
    return bool(token and given and hmac.compare_digest(given.encode(), token.encode()))
