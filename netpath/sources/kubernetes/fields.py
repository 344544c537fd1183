"""Typed reads of Kubernetes manifest fields, each mistake reported at its place.

Manifests are not checked by the JSON Schema (users bring whatever `kubectl apply` takes), so
the per-kind parsers check the fields netpath reads as they read them. A `Reader` wraps one
mapping and its spec path; a field of the wrong type is reported (`expected a port number or
name, got [80]`) and read as missing, so the parser carries on and every mistake comes out at
once. Unknown keys are reported only in the small structures netpath knows completely
(selectors, NetworkPolicy rules, Service ports...), where a typo silently changes the meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from netpath.model.addr import Address, Prefix
from netpath.model.kubernetes import LabelSelector, Requirement
from netpath.model.names import did_you_mean
from netpath.model.paths import SpecPath
from netpath.sources.building import Ctx, parse_cidr, parse_ip
from netpath.sources.kubernetes.validation import (
    PROTOCOLS,
    is_annotation_key,
    is_dns1123_label,
    is_label_key,
    is_label_value,
    is_port_name,
    is_port_number,
)

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")
_SELECTOR_KEYS = ("matchLabels", "matchExpressions")
_EXPRESSION_KEYS = ("key", "operator", "values")
_MAX_SHOWN = 60
_DIGITS = re.compile(r"(\d+)")


def natural(text: str) -> tuple[Any, ...]:
    """Sort key that puts web-2 before web-10 (the order netpath hands out addresses in)."""
    parts = _DIGITS.split(text)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def show(value: Any) -> str:
    """The offending value as written: repr for scalars, a short repr for the rest."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class Reader:
    """One mapping of a manifest at `path`; every read checks the type it expects."""

    __slots__ = ("ctx", "data", "path")

    def __init__(self, ctx: Ctx, data: Any, path: SpecPath) -> None:
        self.ctx = ctx
        self.data: dict[Any, Any] = data if isinstance(data, dict) else {}
        self.path = path

    def at(self, *keys: str | int) -> SpecPath:
        return (*self.path, *keys)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def error(self, key: str | int | None, message: str, hint: str | None = None) -> None:
        self.ctx.error(self.path if key is None else self.at(key), message, hint)

    def missing(self, key: str) -> None:
        self.ctx.error(self.path, f"missing required field {key!r}")

    def _wrong(self, key: str, expected: str, value: Any, hint: str | None = None) -> None:
        self.error(key, f"expected {expected}, got {show(value)}", hint)

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.missing(key)
            return None
        if not isinstance(value, str):
            hint = f'quote it: "{value}"' if isinstance(value, int | float | bool) else None
            self._wrong(key, "a string", value, hint)
            return None
        return value

    def word(self, key: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        """One of `choices`, spelled as Kubernetes spells it; `default` when left out."""
        value = self.string(key)
        if value is None:
            return default if not self.has(key) else None
        if value not in choices:
            self.error(key, f"{show(value)} is not one of {', '.join(choices)}",
                       did_you_mean(value, choices))
            return None
        return value

    def integer(self, key: str, *, required: bool = False, low: int | None = None,
                high: int | None = None, what: str = "an integer") -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.missing(key)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            hint = "write it without quotes" if isinstance(value, str) and value.isdigit() else None
            self._wrong(key, what, value, hint)
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self._wrong(key, what, value)
            return None
        return value

    def port(self, key: str, *, required: bool = False) -> int | None:
        return self.integer(key, required=required, low=1, high=65535,
                            what="a port number 1-65535")

    def port_or_name(self, key: str) -> int | str | None:
        """A port number 1-65535 or a port name (an IANA_SVC_NAME), as the API server checks an
        IntOrString port (`ValidatePortNumOrName`)."""
        value = self.data.get(key)
        if isinstance(value, str) and value and not value.isdigit():
            return self._checked(key, value, is_port_name(value), "port name")
        if isinstance(value, int) and not isinstance(value, bool):
            reasons = is_port_number(value)
            for reason in reasons:
                self.error(key, f"invalid port {value}: {reason}")
            return None if reasons else value
        if value is not None:
            hint = "write it without quotes" if isinstance(value, str) and value.isdigit() else None
            self._wrong(key, "a port number or name", value, hint)
        return None

    def port_name(self, key: str) -> str | None:
        """A named port (a container's, a backend's): an IANA_SVC_NAME (`IsValidPortName`)."""
        value = self.string(key)
        return None if value is None else self._checked(key, value, is_port_name(value),
                                                        "port name")

    def dns_label(self, key: str, what: str) -> str | None:
        """A DNS-1123 label (a Service port's name: `ValidateDNS1123Label`)."""
        value = self.string(key)
        return None if value is None else self._checked(key, value, is_dns1123_label(value), what)

    def _checked(self, key: str | int, value: str, reasons: list[str], what: str) -> str | None:
        """`value` when the API server accepts it, else None after one error per reason (the
        API server's words)."""
        for reason in reasons:
            self.error(key, f"invalid {what} {value!r}: {reason}")
        return None if reasons else value

    def boolean(self, key: str) -> bool | None:
        value = self.data.get(key)
        if value is None or isinstance(value, bool):
            return value
        self._wrong(key, "true or false", value)
        return None

    def protocol(self, key: str = "protocol") -> str | None:
        """TCP, UDP or SCTP (Kubernetes' spelling; default TCP), stored lowercase."""
        word = self.word(key, PROTOCOLS, "TCP")
        return None if word is None else word.lower()

    def sub(self, key: str, *, required: bool = False) -> Reader:
        """The mapping at `key`; an empty one when left out (or after reporting a wrong type)."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.missing(key)
        elif not isinstance(value, dict):
            self._wrong(key, "a mapping", value)
        return Reader(self.ctx, value, self.at(key))

    def maps(self, key: str) -> Iterator[Reader]:
        """The mappings of the list at `key` (a wrong item is reported and skipped)."""
        value = self.data.get(key)
        if value is None:
            return
        if not isinstance(value, list):
            self._wrong(key, "a list", value)
            return
        for index, item in enumerate(value):
            if isinstance(item, dict):
                yield Reader(self.ctx, item, self.at(key, index))
            else:
                self.ctx.error(self.at(key, index), f"expected a mapping, got {show(item)}")

    def strings(self, key: str) -> list[str]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self._wrong(key, "a list of strings", value,
                        f"write [{value}]" if isinstance(value, str) else None)
            return []
        out = []
        for index, item in enumerate(value):
            if isinstance(item, str):
                out.append(item)
            else:
                self.ctx.error(self.at(key, index), f"expected a string, got {show(item)}")
        return out

    def string_map(self, key: str) -> dict[str, str]:
        """labels, annotations, selectors: every key and value a string, as Kubernetes wants."""
        value = self.data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._wrong(key, "a mapping of strings", value)
            return {}
        out = {}
        for name, item in value.items():
            if isinstance(item, str):
                out[str(name)] = item
            elif item is None:
                out[str(name)] = ""  # `key:` with nothing after it is the empty string to kubectl
            else:
                self.ctx.error(self.at(key, name), f"expected a string, got {show(item)}",
                               f'quote it: "{item}"' if not isinstance(item, dict | list) else None)
        return out

    def labels(self, key: str) -> dict[str, str]:
        """A map of labels (metadata.labels, a selector's matchLabels, nodeSelector, a Service's
        selector): every key and value checked as `ValidateLabels` does."""
        out = self.string_map(key)
        for name, value in out.items():
            for reason in is_label_key(name):
                self.ctx.error(self.at(key, name), f"invalid label key {name!r}: {reason}")
            for reason in is_label_value(value):
                self.ctx.error(self.at(key, name), f"invalid label value {value!r}: {reason}")
        return out

    def annotations(self, key: str = "annotations") -> dict[str, str]:
        """metadata.annotations: keys are qualified names, case aside (`ValidateAnnotations`)."""
        out = self.string_map(key)
        for name in out:
            for reason in is_annotation_key(name):
                self.ctx.error(self.at(key, name), f"invalid annotation key {name!r}: {reason}")
        return out

    def known_keys(self, allowed: tuple[str, ...], what: str) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(str(key), f"unknown field {str(key)!r} in {what}",
                           did_you_mean(str(key), allowed))

    def ip(self, key: str) -> Address | None:
        value = self.string(key)
        return None if value is None else parse_ip(self.ctx, value, self.at(key))

    def cidr(self, key: str, *, required: bool = False) -> Prefix | None:
        value = self.string(key, required=required)
        return None if value is None else parse_cidr(self.ctx, value, self.at(key))


def selector(reader: Reader, key: str) -> LabelSelector | None:
    """metav1.LabelSelector at `key` (None when left out): matchLabels and matchExpressions."""
    if not reader.has(key):
        return None
    sub = reader.sub(key)
    if not isinstance(reader.data.get(key), dict):
        return LabelSelector()  # reported; an unusable selector reads as empty
    hint = None
    if any(k not in _SELECTOR_KEYS for k in sub.data):
        hint = "labels go under matchLabels, e.g. {matchLabels: {app: web}}"
    for name in sub.data:
        if name not in _SELECTOR_KEYS:
            sub.error(str(name), f"unknown field {str(name)!r} in a label selector",
                      did_you_mean(str(name), _SELECTOR_KEYS) or hint)
    labels = tuple(sorted(sub.labels("matchLabels").items()))
    expressions = tuple(e for e in map(_requirement, sub.maps("matchExpressions")) if e)
    return LabelSelector(labels, expressions)


def _requirement(expr: Reader) -> Requirement | None:
    """One match expression, checked as `ValidateLabelSelectorRequirement`: a known operator,
    values for In and NotIn only, the key a label key and each value a label value."""
    expr.known_keys(_EXPRESSION_KEYS, "a match expression")
    mark = expr.ctx.mark()
    key = expr.string("key", required=True)
    operator = expr.string("operator", required=True)
    values = tuple(expr.strings("values"))
    if operator is not None and operator not in OPERATORS:
        expr.error("operator", f"unknown operator {operator!r}: expected one of "
                   f"{', '.join(OPERATORS)}", did_you_mean(operator, OPERATORS))
    elif operator in ("In", "NotIn") and not values:
        expr.error("operator", f"operator {operator} needs a non-empty `values` list")
    elif operator in ("Exists", "DoesNotExist") and values:
        expr.error("values", f"operator {operator} takes no `values`")
    for reason in is_label_key(key) if key is not None else ():
        expr.error("key", f"invalid label key {key!r}: {reason}")
    for index, value in enumerate(values):
        for reason in is_label_value(value):
            expr.ctx.error(expr.at("values", index), f"invalid label value {value!r}: {reason}")
    if key is None or operator is None or expr.ctx.failed_since(mark):
        return None
    return Requirement(key, operator, values)
