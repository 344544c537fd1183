"""What the Kubernetes API server accepts: its format checks, ported rule for rule.

Each function returns the API server's own reasons (the messages `kubectl apply` prints after
"Invalid value: ..."), empty when the value is valid, so that netpath refuses exactly what the
API server refuses and says why in the same words. The sources, in kubernetes/kubernetes:

- `staging/src/k8s.io/apimachinery/pkg/api/validate/content/kube.go`: `IsLabelKey` (what
  `validation.IsQualifiedName` is), `IsLabelValue` (`validation.IsValidLabelValue`);
- `staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go`: `IsDNS1123Label`,
  `IsDNS1123Subdomain`, `IsDNS1035Label`, `IsValidPortNum`, `IsValidPortName`;
- `content/errors.go`: `MaxLenError`, `RegexError` (its examples joined by "' or '" exactly as
  Go does, double space included), `EmptyError`;
- `staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go`: `IsValidCIDRForLegacyField` with
  strict validation off (the `StrictIPCIDRValidation` gate is alpha and off by default), that is
  `netutils.ParseCIDRSloppy`, and `GetWarningsForCIDR` for the values it accepts but warns about;
- `staging/src/k8s.io/apimachinery/pkg/api/validation/generic.go` and the per-kind name rules:
  most objects are named by a DNS-1123 subdomain; Services by a DNS-1035 label
  (`ValidateServiceName`), Namespaces by a DNS-1123 label (`ValidateNamespaceName`), CronJobs by
  a subdomain of at most 52 characters (the controller appends an 11-character suffix).

Go's `regexp.MatchString` with `^...$` matches the whole string, so every pattern here is used
with `re.fullmatch`; lengths are Go's `len`, in bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from ipaddress import IPv4Network, IPv6Address, IPv6Network

_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                  "end with an alphanumeric character")
_LABEL_VALUE_FMT = f"({_LABEL_KEY_FMT})?"
_LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric "
                    "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                    "character")
_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                      "characters or '-', and must start and end with an alphanumeric character")
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + "(\\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case "
                          "alphanumeric characters, '-' or '.', and must start and end with an "
                          "alphanumeric character")
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or "
                      "'-', start with an alphabetic character, and end with an alphanumeric "
                      "character")
LABEL_MAX = 63  # a label value and a label key's name part
SUBDOMAIN_MAX = 253
CRON_JOB_NAME_MAX = 52
PROTOCOLS = ("TCP", "UDP", "SCTP")  # supportedPortProtocols
_LABEL_KEY = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE = re.compile(_LABEL_VALUE_FMT)
_DNS1123_LABEL = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(_DNS1035_LABEL_FMT)
_PORT_NAME = re.compile("[-a-z0-9]+")
_LETTER = re.compile("[a-z]")


def _bytes(value: str) -> int:
    return len(value.encode("utf-8", "surrogatepass"))


def max_len_error(length: int) -> str:
    return f"must be no more than {length} bytes"


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """content.RegexError, character for character."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def is_dns1123_label(value: str) -> list[str]:
    errors = []
    if _bytes(value) > LABEL_MAX:
        errors.append(max_len_error(LABEL_MAX))
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errors.append("must not contain dots")
        else:
            errors.append(regex_error(_DNS1123_LABEL_MSG, _DNS1123_LABEL_FMT, "my-name",
                                      "123-abc"))
    return errors


def is_dns1123_subdomain(value: str) -> list[str]:
    errors = []
    if _bytes(value) > SUBDOMAIN_MAX:
        errors.append(max_len_error(SUBDOMAIN_MAX))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(regex_error(_DNS1123_SUBDOMAIN_MSG, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def is_dns1035_label(value: str) -> list[str]:
    errors = []
    if _bytes(value) > LABEL_MAX:
        errors.append(max_len_error(LABEL_MAX))
    if not _DNS1035_LABEL.fullmatch(value):
        errors.append(regex_error(_DNS1035_LABEL_MSG, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def is_label_key(value: str) -> list[str]:
    """IsLabelKey (IsQualifiedName): an optional DNS-1123 subdomain prefix and '/', then a name
    of at most 63 bytes."""
    errors: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors += [f"prefix part {m}" for m in is_dns1123_subdomain(prefix)]
    else:
        return [f"a valid label key {_name_part_error()} with an optional DNS subdomain prefix "
                "and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errors.append("name part must be non-empty")
    elif _bytes(name) > LABEL_MAX:
        errors.append(f"name part {max_len_error(LABEL_MAX)}")
    if not _LABEL_KEY.fullmatch(name):
        errors.append(f"name part {_name_part_error()}")
    return errors


def _name_part_error() -> str:
    return regex_error(_LABEL_KEY_MSG, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")


def is_label_value(value: str) -> list[str]:
    errors = []
    if _bytes(value) > LABEL_MAX:
        errors.append(max_len_error(LABEL_MAX))
    if not _LABEL_VALUE.fullmatch(value):
        errors.append(regex_error(_LABEL_VALUE_MSG, _LABEL_VALUE_FMT, "MyValue", "my_value",
                                  "12345"))
    return errors


def is_annotation_key(value: str) -> list[str]:
    """ValidateAnnotations: a qualified name, except that case does not matter."""
    return is_label_key(value.lower())


def is_port_number(value: int) -> list[str]:
    return [] if 1 <= value <= 65535 else ["must be between 1 and 65535, inclusive"]


def is_port_name(value: str) -> list[str]:
    """IsValidPortName (an IANA_SVC_NAME): at most 15 characters of [-a-z0-9], at least one
    letter, no hyphen at either end nor two in a row."""
    errors = []
    if _bytes(value) > 15:
        errors.append(max_len_error(15))
    if not _PORT_NAME.fullmatch(value):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _LETTER.search(value):
        errors.append("must contain at least one letter (a-z)")
    if "--" in value:
        errors.append("must not contain consecutive hyphens")
    if value.startswith("-") or value.endswith("-"):
        errors.append("must not begin or end with a hyphen")
    return errors


# --- object names ------------------------------------------------------------------------------


def _cron_job_name(value: str) -> list[str]:
    errors = is_dns1123_subdomain(value)
    if len(value) > CRON_JOB_NAME_MAX:
        errors.append(f"must be no more than {CRON_JOB_NAME_MAX} characters")
    return errors


# The name rule of each kind netpath reads that is not named by a DNS-1123 subdomain.
_NAME_RULES: dict[str, Callable[[str], list[str]]] = {
    "Service": is_dns1035_label,  # ValidateServiceName = NameIsDNS1035Label
    "Namespace": is_dns1123_label,  # ValidateNamespaceName = NameIsDNSLabel
    "CronJob": _cron_job_name,
}


def name_problems(kind: str, name: str) -> list[str]:
    """Why the API server refuses `name` for an object of `kind` (empty: it accepts it)."""
    return _NAME_RULES.get(kind, is_dns1123_subdomain)(name)


# --- CIDRs -------------------------------------------------------------------------------------

CIDR_ERROR = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
# Compiled by parse_cidr's first call (re caches them; its own cache makes the lookup rare):
# most manifests have no ipBlock.
_DECIMAL = "[0-9]+"
_IPV4 = "([0-9]+)\\.([0-9]+)\\.([0-9]+)\\.([0-9]+)"
Network = IPv4Network | IPv6Network


@functools.lru_cache(maxsize=4096)  # policies repeat the same few CIDRs; ipaddress is slow
def parse_cidr(text: str) -> tuple[Network | None, tuple[str, ...]]:
    """A CIDR as the API server reads a legacy field (`netutils.ParseCIDRSloppy`): an IPv4 or
    IPv6 address, '/', a prefix length; IPv4 octets may have leading zeros (read as decimal),
    host bits are masked off. Returns the network (None when invalid) and the API server's
    warnings for a value it accepts (`GetWarningsForCIDR`)."""
    address, slash, bits = text.partition("/")
    if not slash or not re.fullmatch(_DECIMAL, bits):
        return None, ()
    network: Network
    octets = re.fullmatch(_IPV4, address)
    try:
        if octets is not None:
            values = [int(o) for o in octets.groups()]
            if any(v > 255 for v in values) or int(bits) > 32:
                return None, ()
            host = ".".join(map(str, values))
            network = IPv4Network(f"{host}/{int(bits)}", strict=False)
        elif ":" in address and "%" not in address:
            ip6 = IPv6Address(address)
            if int(bits) > 128:
                return None, ()
            host = str(ip6)
            network = IPv6Network(f"{host}/{int(bits)}", strict=False)
        else:
            return None, ()
    except ValueError:
        return None, ()
    return network, _cidr_warnings(text, network, host, address, bits)


def _cidr_warnings(text: str, network: Network, host: str, address: str, bits: str
                   ) -> tuple[str, ...]:
    warnings = []
    if host != str(network.network_address):
        warnings.append(f'CIDR value "{text}" is ambiguous in this context (should be '
                        f'"{network}" or "{host}/{network.max_prefixlen}"?)')
    leading_zero = any(len(o) > 1 and o.startswith("0") for o in address.split(".")
                       ) if network.version == 4 else False
    mapped = network.version == 6 and IPv6Address(host).ipv4_mapped is not None
    if leading_zero or mapped or (len(bits) > 1 and bits.startswith("0")):
        warnings.append(f'non-standard CIDR value "{text}" will be considered invalid in a '
                        f'future Kubernetes release: use "{network}"')
    if not warnings and network.version == 6 and text != str(network):
        warnings.append(f'IPv6 CIDR value "{text}" should be in RFC 5952 canonical format '
                        f'("{network}")')
    return tuple(warnings)
