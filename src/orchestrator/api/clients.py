"""Who is calling, for rate limiting: the API key when one is valid, else the client address.

The address is the TCP peer's, unless the peer is a trusted proxy (ORCH_TRUSTED_PROXIES): then
X-Forwarded-For is read from the right, skipping trusted hops, and the first address that is not
one of ours is the client. Everything left of that was written by the client and is ignored, so
a client cannot pick its own bucket by sending the header.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Client:
    """A rate-limit identity: the bucket key and the tier whose limit applies."""

    key: str  # "key:<id>" or "addr:<ip>"; a key id is safe to log, an address is not
    tier: str | None = None
    key_id: str | None = None


@functools.lru_cache(maxsize=4096)  # peers repeat; a parse is several µs per request
def _parse(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(scope: Scope, trusted_proxies: Sequence[Network]) -> str:
    """The client's address as a string ("unknown" without a peer)."""
    peer = scope.get("client")
    host = str(peer[0]) if peer else "unknown"
    address = _parse(host)
    if address is None or not trusted_proxies or not _trusted(address, trusted_proxies):
        return str(address) if address is not None else host
    hops: list[str] = []
    for name, value in scope.get("headers") or ():
        if name == b"x-forwarded-for":
            hops.extend(value.decode("latin-1").split(","))
    client = address
    for hop in reversed(hops):
        parsed = _parse(hop)
        if parsed is None:
            break  # garbage from outside: the last trusted hop is the best we know
        client = parsed
        if not _trusted(parsed, trusted_proxies):
            break
    return str(client)
