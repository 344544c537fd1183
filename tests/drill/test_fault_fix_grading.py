"""Free-text fixes of find-the-fault (difficulty 3), judged on real questions of the library.

The reviewer's N7 and N8: a fix names the broken component (or, for a Service's pods, the
Service), says what it is about and what it does; the component's own name holds no key word
("route-table rt-public" is no fix), undoing is no fix ("remove the default route"), a negated
fix is none ("not ready", "not started"); yet a fix that first says what went wrong ("it was
removed: add it back") is one. Each table row is an answer a learner could type.
"""

from __future__ import annotations

import random
import re

import pytest

from netpath.drill.faults.inject import NoFault, inject
from netpath.drill.faults.record import Fault
from netpath.drill.generate import load
from netpath.drill.grading import judge
from netpath.drill.model import Question
from netpath.drill.questions.fault import find_fault

# kind of fault -> (a scenario that has it at difficulty 3, words of its description)
WHERE = {
    "route": ("flow-internet-to-pod-alb", "route-removed", "removed the route"),
    "sg": ("three-tier", "sg-rule-removed", "deleted the"),
    "nacl": ("three-tier", "nacl-no-ephemeral", "custom network ACL"),
    "service-label": ("flow-internet-to-pod-nlb", "pod-relabelled", "Service"),
    "not-ready": ("flow-internet-to-pod-nlb", "endpoint-stopped", "not ready"),
    "peer-label": ("flow-pod-to-pod-same-node", "pod-relabelled", "admits ingress from"),
    "selected-label": ("interview-namespace-isolation", "pod-relabelled", "still isolate"),
    "policy-rule": ("flow-pod-to-pod-same-node", "policy-rule-removed", "deleted"),
    "dns": ("interview-pod-no-internet", "dns-egress-removed", "DNS allowance"),
}

_asked: dict[str, tuple[Question, Fault]] = {}


def asked(case: str) -> tuple[Question, Fault]:
    """The first difficulty-3 question of the case's scenario whose fault is of its kind."""
    if case not in _asked:
        name, kind, words = WHERE[case]
        s = load(name)
        for t in s.traces:
            for seed in range(30):
                try:
                    fault = inject(s.network, t.query, random.Random(seed))[0]
                except NoFault:
                    break
                if fault.kind != kind or words not in fault.description:
                    continue
                q = find_fault(s, t, random.Random(seed), 3)
                if q is not None:
                    _asked[case] = (q, fault)
                    return _asked[case]
        raise AssertionError(f"no {case} question in {name}")
    return _asked[case]


def fields(fault: Fault) -> dict[str, str]:
    """What a learner would write of this fault: names, direction, label, route..."""
    found = {"name": fault.name, "short": fault.name.split("/", 1)[-1]}
    if fault.named_by:
        kind, seen_from = fault.named_by[0].split(" ", 1)
        key = "service" if kind == "service" else "policy"
        found.update({key: seen_from, f"{key}_short": seen_from.split("/", 1)[-1]})
    label = re.search(r"changed the label (\S+) to (\S+?):? ", fault.description)
    if label:
        found.update(label=label.group(1), v2=label.group(2))
    peer = re.search(r"\(from pods (\S+) .* on tcp/(\d+)\)", fault.description)
    if peer:
        found.update(peer=peer.group(1), port=peer.group(2))
    way = re.search(r"\b(inbound|outbound|ingress|egress) rule", fault.description)
    if way:
        found["dir"] = way.group(1)
        found["other"] = {"inbound": "outbound", "outbound": "inbound", "ingress": "egress",
                          "egress": "ingress"}[way.group(1)]
    route = re.search(r"the route (\S+) -> (\S+)", fault.description)
    if route:
        found.update(dest=route.group(1), target=route.group(2))
    return found


RIGHT = [
    ("route", "{name}: route {dest} to {target}"),  # review 4's R5: "route" as the verb
    ("route", "{name}: add the route {dest} -> {target} back"),
    ("route", "{name}: the route to {target} was removed; add it back"),
    ("route", "{name}: re-add the default route"),
    ("route", "{name}: put back the route to {target}"),
    ("sg", "{name}: add the {dir} rule back"),
    ("sg", "{name}: the {dir} rule was deleted, re-add it"),
    ("sg", "{name}: allow {dir} again"),
    ("nacl", "{name}: allow ephemeral ports 1024-65535"),
    ("nacl", "{name}: allow inbound 1024-65535"),
    ("nacl", "{name}: allow the return traffic on the high ports"),
    ("nacl", "{name}: it denies the replies; allow the ephemeral range"),
    ("service-label", "{name}: label it {label} again"),
    ("service-label", "{service}: fix the selector"),
    ("service-label", "{service_short}: the Service selector {label} matches no pods, "
                      "relabel the pods"),
    ("service-label", "the pods of {service}: restore the label {label}"),
    ("not-ready", "{name}: make it ready again"),
    ("not-ready", "{service}: pods not ready, fix the readiness probe"),
    ("not-ready", "{name}: restart it"),
    ("peer-label", "{name}: label it {label} again"),
    ("peer-label", "{short}: its label changed, set {label} back"),
    ("selected-label", "{name}: label it {label} again"),
    ("selected-label", "{name} lost {label}: relabel it"),
    ("policy-rule", "{short} lost its {dir} rule; add it back"),
    ("policy-rule", "{name}: add the {dir} rule back"),
    ("policy-rule", "{short}: restore the {dir} rule"),
    ("dns", "{name}: allow udp/53 and tcp/53 to kube-dns"),
    ("dns", "{short}: re-add the DNS egress rule"),
    # The third review (X3-X6): a policy-side fix of a relabel; a rule said by its peer and
    # port; a negated topic with an action ("has no ingress rules, add one"); allow-all put
    # back; a route named by its target's kind.
    ("route", "{name}: add a default route to {target}"),
    ("route", "{name}: restore {dest} via the internet gateway"),
    ("route", "{name}: point {dest} at {target}"),
    ("route", "{name} is missing its default route; add it back"),
    ("route", "{name}: {dest} -> {target} is missing, add it"),
    ("route", "{name}: add igw route"),
    ("route", "{name}: the route to the internet gateway was deleted; re-create it"),
    ("sg", "{name}: it has no {dir} rules, add one allowing all traffic"),
    ("sg", "{name}: re-add the default {dir} allow-all rule"),
    ("sg", "{name}: {dir} rule missing -> add allow all {dir}"),
    ("nacl", "{name}: allow all inbound and outbound"),
    ("nacl", "{name}: restore the default allow-all rules"),
    ("nacl", "{name}: add rule 100 allow all 0.0.0.0/0 both ways"),
    ("nacl", "{name}: revert it to allow all traffic"),
    ("nacl", "{name}: NACLs are stateless, allow 32768-60999 for the replies"),
    ("nacl", "{name}: NACL is stateless so return traffic needs its own allow rule for "
             "1024-65535"),
    ("nacl", "{name}: permit tcp 1024-65535 both ways"),
    ("service-label", "{service_short}: change its selector to {v2}"),
    ("service-label", "pods of {service}: restore label {label}"),
    ("not-ready", "{short}: restart the pods"),
    ("not-ready", "{service_short}: its pods are not ready; fix their readiness probes"),
    ("peer-label", "{short}: relabel it"),
    ("peer-label", "{short}: set label {label}"),
    ("peer-label", "kubectl label pod {short} {label} --overwrite"),
    ("peer-label", "{short} was relabelled to {v2}; change it back to {label}"),
    ("peer-label", "{short}'s label {label} was changed to {v2}, put {label} back"),
    ("peer-label", "{policy_short}: widen its rule to also allow {v2}"),
    ("peer-label", "{policy_short}: change the podSelector in the rule to {v2}"),
    ("selected-label", "{policy}: change the podSelector to {v2}"),
    ("selected-label", "{policy_short}: widen the podSelector"),
    ("policy-rule", "{short}: allow traffic from pods {peer} on tcp/{port}"),
    ("policy-rule", "{name}: allow from {peer} on port {port}"),
    ("policy-rule", "the {short} policy has no {dir} rules, add one admitting frontend pods"),
    ("policy-rule", "{short}: re-add the from {peer} rule"),
    ("policy-rule", "network policy {short}: restore the allow rule for frontend"),
    ("policy-rule", "{short}: {dir} rule removed -> add it back"),
    ("dns", "{short}: add an egress rule to coredns on port 53"),
    ("dns", "{name}: allow DNS egress to kube-system"),
]

WRONG = [
    # Review 4: a rule that denies is no fix of a rule that admitted (R2); another label than
    # the lost one is another fix (R3).
    ("policy-rule", "{short}: add a rule that denies ingress"),
    ("policy-rule", "{short}: add a rule which blocks frontend"),
    ("policy-rule", "{short}: no need to add a rule"),
    ("peer-label", "{name}: set label tier=frontend"),
    ("peer-label", "{name}: set label app=backend"),
    # Review 4's R4: the replies need both directions; one alone is no fix.
    ("nacl", "{name}: allow all inbound"),
    ("nacl", "{name}: allow all outbound only"),
    ("nacl", "{name}: allow 1024-65535 inbound only"),
    ("route", "route-table {name}"),  # "route" inside the component's own name
    ("route", "{name}"),
    ("route", "{name}: remove the default route"),  # the opposite of the fix
    ("route", "{name}: delete the route to {target}"),
    ("route", "add the route to {target}"),  # which table?
    ("route", "{name}: don't add a route"),
    ("sg", "{name}: delete the {dir} rule"),
    ("sg", "security-group {name}"),
    ("sg", "{name}: the {dir} rule"),  # a diagnosis without a fix
    ("sg", "{name}: add the {other} rule back"),
    ("nacl", "{name}: deny ephemeral ports"),
    ("nacl", "{name}: ephemeral ports"),
    ("nacl", "network-acl {name}"),
    ("nacl", "{name}: not allowing the ephemeral ports"),
    ("service-label", "{name}: remove the label {label}"),
    ("service-label", "{name}: restart it"),  # the other fault's fix
    ("service-label", "{service}: the selector no longer matches"),
    ("service-label", "{service}"),
    ("not-ready", "{name}: not started"),
    ("not-ready", "{name}: not ready"),
    ("not-ready", "{name}: label it again"),
    ("not-ready", "{service}: fix the selector"),
    ("peer-label", "{name}: remove the label {label}"),
    ("peer-label", "{name}"),
    ("selected-label", "{name}: delete the label {label}"),
    ("policy-rule", "{name}: delete the {dir} rule"),
    ("policy-rule", "{name}: add the {other} rule back"),
    ("policy-rule", "network-policy {name}"),
    ("policy-rule", "{name}: the {dir} rule was removed"),
    ("dns", "{name}: deny dns"),
    ("dns", "{name}: dns"),
    ("dns", "{name}: remove the DNS rule"),
    # The third review (X3-X6): a diagnosis or the broken value where "label" counted as the
    # action; "denying" as a command; a route to any target; an action about something else.
    ("route", "{name}: add 0.0.0.0/0 -> nat-a"),
    ("route", "{name}: add a route 0.0.0.0/0 to a NAT gateway"),
    ("route", "{name}: add a route 0.0.0.0/0 -> nat-gateway"),
    ("route", "{name}: add route 10.0.0.0/16 local"),
    ("route", "{name}: the default route is missing"),
    ("route", "{name}: deleting the default route fixes it"),
    ("sg", "{name}: denying {dir} is the fix"),
    ("sg", "{name}: no {dir} rule"),
    ("sg", "{name}: {dir} is blocked"),
    ("sg", "{name}: add an {dir} deny rule"),
    ("sg", "{name}: allow all {dir}; also remove {other} rule"),
    ("sg", "{name}: add {other} and {dir} rules allowing all"),
    ("nacl", "{name}: no change needed to ephemeral ports, allow 8080"),
    ("nacl", "{name}: add a deny rule for 1024-65535"),
    ("nacl", "{name}: denying ephemeral replies fixes it"),
    ("nacl", "{name}: the replies are dropped"),
    ("nacl", "{name}: replies need no rule, NACLs are stateful"),
    ("nacl", "{name}: allow ports 1-1023"),
    ("nacl", "{name}: don't allow ephemeral ports"),
    ("nacl", "{name}: block the ephemeral ports"),
    ("service-label", "{short}: wrong label"),
    ("service-label", "{short}: its label was changed"),
    ("service-label", "{short}: label {v2}"),
    ("service-label", "{service}: selector matches no pods"),
    ("service-label", "{service_short}: remove the selector"),
    ("service-label", "{service_short}: labels don't match"),
    ("service-label", "{service_short}: the selector doesn't match the labels"),
    ("service-label", "{service_short}: selector mismatch"),
    ("not-ready", "{short}: the pods are not ready"),
    ("not-ready", "{short}: readiness probe is failing"),
    ("not-ready", "{service_short}: delete the pods"),
    ("not-ready", "{short}: disable the readiness probe"),
    ("not-ready", "{name}: label app=echo again"),
    ("peer-label", "{short}: wrong label"),
    ("peer-label", "{short}: label mismatch"),
    ("peer-label", "{short}: its label changed to {v2}"),
    ("peer-label", "{short}: don't change the label"),
    ("peer-label", "{short}: label {v2}"),
    ("peer-label", "{short}: relabel {v2}"),
    ("peer-label", "{short}: the label is wrong"),
    ("peer-label", "{short}: the selector no longer matches"),
    ("peer-label", "{short}: it was relabelled"),
    ("peer-label", "{policy_short}: add the rule back"),  # the rule is there; the pod moved
    ("selected-label", "{name}: label changed so {policy_short} podSelector no longer matches"),
    ("selected-label", "{name}: label {v2}"),
    ("selected-label", "{name}: podSelector mismatch"),
    ("selected-label", "{name}: remove label"),
    ("selected-label", "{policy_short}: delete the podSelector"),
    ("policy-rule", "{short}: add a rule denying {dir} from frontend"),
    ("policy-rule", "{short}: the {dir} rule is missing"),
    ("policy-rule", "{short}: delete the policy"),
    ("policy-rule", "{short}: add an {other} rule to pod-c"),
    ("policy-rule", "{short}: don't add the rule"),
    ("policy-rule", "{short}: not an {dir} problem, add {other} rule"),
    ("dns", "{short}: add an ingress rule for DNS"),
    ("dns", "{short}: delete the egress rule"),
]


@pytest.mark.parametrize(("case", "template"), RIGHT)
def test_a_right_fix_is_judged_right(case: str, template: str) -> None:
    q, fault = asked(case)
    given = template.format(**fields(fault))
    assert judge(q, given).correct, (given, q.answer, q.keywords)


@pytest.mark.parametrize(("case", "template"), WRONG)
def test_a_wrong_fix_is_judged_wrong(case: str, template: str) -> None:
    q, fault = asked(case)
    given = template.format(**fields(fault))
    assert not judge(q, given).correct, (given, q.answer, q.keywords)


@pytest.mark.parametrize("case", sorted(WHERE))
def test_the_canonical_answer_and_the_fix_as_netpath_says_it(case: str) -> None:
    q, fault = asked(case)
    assert judge(q, q.answer).correct
    assert judge(q, f"{fault.component}: {fault.fix}").correct


def test_a_name_without_its_namespace_only_when_nothing_else_has_it() -> None:
    """pod-a is default/pod-a; "frontend" is dev/frontend's and web/frontend's name alike."""
    q, fault = asked("peer-label")
    assert fault.name == "default/pod-a"  # the premise
    assert judge(q, "pod-a: label it {label} again".format(**fields(fault))).correct
    q, fault = asked("selected-label")
    assert fault.name == "dev/frontend" and "web/frontend" in q.setup  # the premise
    assert not judge(q, "frontend: label it {label} again".format(**fields(fault))).correct
