"""What a SOURCE or DESTINATION can never be: text that is no address and no DNS name, so that
looking it up would answer NXDOMAIN for a question nobody can ask (RFC 1035 section 2.3.4:
labels of at most 63 octets, names of at most 255 octets on the wire, so 253 characters
written; a name is no dotted run of numbers). netpath models IPv4 only.
"""

from __future__ import annotations

import ipaddress
import re

from netpath.engine.errors import QueryError

MAX_NAME = 253
MAX_LABEL = 63
_NUMBERS = re.compile(r"[0-9]+(\.[0-9]+)*\.?")


def refuse_malformed(text: str, role: str) -> None:
    """Raise QueryError (a usage error) for text that cannot name anything: an invalid dotted
    address, a CIDR range, an IPv6 address, or a DNS name too long or with an empty label."""
    if _NUMBERS.fullmatch(text):
        try:
            ipaddress.IPv4Address(text)
        except ValueError:
            raise QueryError(f"{role} {text!r} is not a valid IPv4 address",
                             "write four numbers from 0 to 255: 10.0.1.5") from None
        return
    if "/" in text and _is_network(text):
        raise QueryError(f"{role} {text!r} is an address range, not an address",
                         "give one address of it, or a name")
    mapped = _ipv6(text) if ":" in text else None
    if mapped is not None:
        hint = (f"write {mapped}" if isinstance(mapped, ipaddress.IPv4Address)
                else "give an IPv4 address or a name")
        raise QueryError(f"{role} {text!r} is an IPv6 address: netpath models IPv4 only", hint)
    if "." in text and "/" not in text:
        _refuse_bad_dns_name(text, role)


def _refuse_bad_dns_name(text: str, role: str) -> None:
    name = text.removesuffix(".")
    if len(name) > MAX_NAME:
        raise QueryError(f"{role} is a DNS name of {len(name)} characters, more than the "
                         f"{MAX_NAME} DNS allows", "check the name")
    labels = name.split(".")
    if any(not label for label in labels):
        raise QueryError(f"{role} {text!r} has an empty label (two dots in a row, or a "
                         "leading dot)", "check the name")
    long = next((label for label in labels if len(label) > MAX_LABEL), None)
    if long is not None:
        raise QueryError(f"{role} {text!r} has a label of {len(long)} characters, more than "
                         f"the {MAX_LABEL} DNS allows", "check the name")


def _is_network(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _ipv6(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address (its IPv4 form when IPv4-mapped), None when `text` is no IPv6 address."""
    try:
        address = ipaddress.IPv6Address(text)
    except ValueError:
        return None
    return address.ipv4_mapped or address
