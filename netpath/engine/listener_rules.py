"""ALB listener rules: which rule of a listener takes an HTTP request (pure, no walking).

What AWS documents and netpath follows
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html,
and the API's HostHeaderConditionConfig / PathPatternConditionConfig):

- rules are evaluated by ascending priority; the first whose conditions all match wins, else the
  listener's default action;
- host-header: case-insensitive; `*` matches zero or more characters, `?` exactly one;
- path-pattern: case-sensitive, same wildcards, compared with the path only, never the query
  string;
- source-ip: the client's address as the ALB receives it (the source of the connection, never
  X-Forwarded-For), against CIDRs;
- several values in one condition: the condition holds when any value matches (OR); the
  conditions of one rule must all hold (AND).

The wildcard matcher differs from `fnmatch.fnmatchcase` in one way on purpose: `[` and `]` are
ordinary characters for an ALB (fnmatch reads `[abc]` as a character class). Both let `*` cross
`/`, so `/api/*` matches `/api/v1/users`.
"""

from __future__ import annotations

from netpath.model.addr import Address
from netpath.model.record import record
from netpath.model.resources import Listener, ListenerRule


@record
class HttpRequest:
    """What an ALB's rules look at: the Host header, the URL path and the client's address."""

    host: str | None  # None: no Host header the rules could match (an HTTP/1.0 client)
    path: str = "/"
    client: Address | None = None  # the source address the ALB receives the request from

    @property
    def host_key(self) -> str | None:
        """The host as compared: lowercase, without a port or a trailing dot."""
        if self.host is None:
            return None
        host = self.host.strip().lower()
        if host.count(":") == 1:  # "example.com:8080"; leave IPv6 literals alone
            host = host.split(":", 1)[0]
        return host.rstrip(".")

    @property
    def path_key(self) -> str:
        """The path as compared: without the query string (path-pattern never sees it)."""
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        return path if path.startswith("/") else "/" + path

    def __str__(self) -> str:
        host = self.host_key if self.host_key is not None else "(none)"
        return f"Host {host}, path {self.path_key}"


@record
class RuleMatch:
    """The rule that took the request (None: the default action) and why, in one line."""

    rule: ListenerRule | None
    target_group: str | None  # None: the action is not a forward (a fixed response)
    explanation: str  # "rule 10: host myapp.example.com, path /api/* -> tg-api"
    passed_over: tuple[ListenerRule, ...]  # rules of lower priority number that did not match


def match_listener(listener: Listener, request: HttpRequest) -> RuleMatch:
    """The listener rule that takes `request`, else the listener's default action."""
    passed: list[ListenerRule] = []
    for rule in sorted(listener.rules, key=lambda r: r.priority):
        if rule_matches(rule, request):
            return RuleMatch(rule, rule.target_group, describe_rule(rule), tuple(passed))
        passed.append(rule)
    action = f"-> {listener.target_group}" if listener.target_group else \
        "-> a fixed response (no forward)"
    why = " (no rule matched)" if listener.rules else ""
    return RuleMatch(None, listener.target_group, f"default action {action}{why}", tuple(passed))


def rule_matches(rule: ListenerRule, request: HttpRequest) -> bool:
    """Every condition of the rule holds; within a condition any value may match."""
    host = request.host_key
    if rule.hosts and (host is None or not any(host_matches(p, host) for p in rule.hosts)):
        return False
    if rule.source_ips and (request.client is None or
                            not any(request.client in c for c in rule.source_ips)):
        return False
    path = request.path_key
    return not rule.paths or any(path_matches(p, path) for p in rule.paths)


def describe_rule(rule: ListenerRule) -> str:
    conditions = []
    if rule.hosts:
        conditions.append("host " + " or ".join(rule.hosts))
    if rule.paths:
        conditions.append("path " + " or ".join(rule.paths))
    if rule.source_ips:
        conditions.append("source " + " or ".join(str(c) for c in rule.source_ips))
    what = ", ".join(conditions) if conditions else "any request"
    return f"rule {rule.priority}: {what} -> {rule.target_group}"


def host_matches(pattern: str, host: str) -> bool:
    """A host-header value against a host: case-insensitive, `*` and `?` wildcards; a
    trailing dot (the fully qualified form) is ignored on either side."""
    return wildcard_match(pattern.strip().lower().rstrip("."), host.strip().lower().rstrip("."))


def path_matches(pattern: str, path: str) -> bool:
    """A path-pattern value against a path: case-sensitive, `*` and `?` wildcards."""
    return wildcard_match(pattern, path)


def wildcard_match(pattern: str, text: str) -> bool:
    """`*` matches any run of characters (also empty, also `/`), `?` exactly one; every other
    character matches itself. Linear-time greedy matching with backtracking to the last `*`,
    so that hostile patterns (`*a*a*a*...b`) cannot blow up as a regex might."""
    p = t = 0
    star = -1  # position in the pattern just after the last `*` seen
    resume = 0  # where in the text that `*` would next extend to
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, resume = p + 1, t
            p += 1
        elif p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[t]):
            p += 1
            t += 1
        elif star >= 0:
            resume += 1
            p, t = star, resume
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)
