"""judge(): choices by number or text, free text without case or spaces, accepted spellings,
keywords for a free-text fix (whole words, the component's name taken out, an action that is
not negated, no undoing command), and order-hops sequences."""

from __future__ import annotations

import pytest

from netpath.drill.grading import judge
from netpath.drill.model import Question


def make(**changes: object) -> Question:
    fields: dict[str, object] = dict(
        id="s/next-hop/1", kind="next-hop", topic="aws", difficulty=1, scenario="s",
        setup="", prompt="?", choices=("route-table rt-public", "nat-gateway nat-a",
                                       "network-acl acl-a"),
        answer="nat-gateway nat-a", accepted=("nat-a",), explanation="because",
        excerpt=("  7  nat-gateway nat-a  translate  ...",))
    fields.update(changes)
    return Question(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", ["2", " 2 ", "2.", "2)", "#2", "nat-gateway nat-a",
                                   "NAT-Gateway  NAT-A", "nat-gatewaynat-a", "nat-a",
                                   "nat-gateway nat-a."])
def test_a_choice_by_number_or_text_or_an_accepted_spelling(given: str) -> None:
    assert judge(make(), given).correct


@pytest.mark.parametrize("given", ["1", "3", "4", "0", "route-table rt-public", "", "   ",
                                   "nat", "igw"])
def test_wrong_choices_and_other_text(given: str) -> None:
    assert not judge(make(), given).correct


def test_the_judgement_carries_the_answer_and_the_explanation() -> None:
    judgement = judge(make(), "1")
    assert (judgement.question, judgement.given, judgement.correct) == ("s/next-hop/1", "1",
                                                                        False)
    assert (judgement.answer, judgement.explanation) == ("nat-gateway nat-a", "because")


def test_a_choice_text_beats_the_accepted_spellings() -> None:
    # "blocked by" choices: the component alone stands for the answer, a distractor's full
    # text is that distractor.
    q = make(kind="reachable", choices=("reachable", "blocked by sg-db: SG_INGRESS_DENIED",
                                        "blocked by rt-a: NO_ROUTE"),
             answer="blocked by sg-db: SG_INGRESS_DENIED",
             accepted=("sg-db", "SG_INGRESS_DENIED"))
    assert judge(q, "sg_ingress_denied").correct
    assert judge(q, "SG-DB").correct
    assert not judge(q, "blocked by rt-a: NO_ROUTE").correct
    assert not judge(q, "reachable").correct
    assert not judge(q, "NO_ROUTE").correct


def test_free_text_with_keywords_needs_a_word_of_every_group() -> None:
    q = make(kind="find-fault", difficulty=3, choices=(),
             answer="rt-private: add the route 0.0.0.0/0 -> nat-a back to rt-private",
             accepted=(), keywords=(("rt-private", "route-table rt-private"),
                                    ("route", "nat-a")))
    assert judge(q, "rt-private: put back the default route to the NAT").correct
    assert judge(q, "RT-Private  NAT-A").correct
    assert not judge(q, "rt-private").correct  # the component without the fix
    assert not judge(q, "add a route to nat-a").correct  # the fix without the component
    assert not judge(q, "2").correct  # no choices: a number is just text


def test_keywords_do_not_open_a_multiple_choice_question() -> None:
    q = make(keywords=(("nat",),))
    assert not judge(q, "nat gateway").correct


ORDER = make(kind="order-hops", choices=(),
             answer="route-table rt-private, nat-gateway nat-a, internet-gateway igw",
             accepted=("2, 3, 1", "rt-private, nat-a, igw"))


@pytest.mark.parametrize("given", ["2, 3, 1", "2,3,1", "2 3 1", "2 > 3 > 1", "2->3->1",
                                   "2;3;1", "2\n3\n1", "#2, #3, #1",
                                   "rt-private, nat-a, igw", "rt-private -> nat-a -> igw",
                                   "RT-PRIVATE NAT-A IGW",
                                   "route-table rt-private, nat-gateway nat-a, "
                                   "internet-gateway igw"])
def test_order_hops_right_orders(given: str) -> None:
    assert judge(ORDER, given).correct


@pytest.mark.parametrize("given", ["1, 2, 3", "2, 3", "2, 3, 1, 4", "nat-a, rt-private, igw",
                                   "rt-private, nat-a", "", "2 3 x"])
def test_order_hops_wrong_orders(given: str) -> None:
    assert not judge(ORDER, given).correct


def test_order_hops_names_shared_by_two_items_need_the_full_text() -> None:
    q = make(kind="order-hops", choices=(),
             answer="node node-1, kube-proxy node-1, pod default/a",
             accepted=("3, 1, 2",))
    assert judge(q, "node node-1, kube-proxy node-1, pod default/a").correct
    assert judge(q, "node node-1, kube-proxy node-1, default/a").correct
    assert not judge(q, "node-1, node-1, default/a").correct
    assert judge(q, "3 1 2").correct


def test_a_keyword_written_with_a_bang_must_not_be_there() -> None:
    q = make(kind="find-fault", difficulty=3, choices=(),
             answer="sg-node: add the outbound rule all to 0.0.0.0/0 back to sg-node",
             accepted=(), keywords=(("sg-node", "security-group sg-node"),
                                    ("outbound", "egress", "!inbound", "!ingress")))
    assert judge(q, "sg-node: add the outbound rule back").correct
    assert judge(q, "SG-NODE egress").correct
    assert not judge(q, "sg-node: add the inbound rule back").correct  # the other direction
    assert not judge(q, "sg-node: inbound or outbound").correct  # both: a guess
    assert not judge(q, "sg-node: remove the allow rule").correct  # no direction at all
    only_banned = make(kind="find-fault", difficulty=3, choices=(), answer="x", accepted=(),
                       keywords=(("rt-a",), ("!blackhole",)))
    assert judge(only_banned, "rt-a: add the route back").correct
    assert not judge(only_banned, "rt-a: blackhole").correct


ROUTE = make(kind="find-fault", difficulty=3, choices=(),
             answer="rt-public: add the route 0.0.0.0/0 -> igw-prod back to rt-public",
             accepted=(), keywords=(("rt-public", "route-table rt-public"),
                                    ("route", "igw-prod", "0.0.0.0/0", "+add", "+put",
                                     "!remove", "!delete")))


@pytest.mark.parametrize("given", [
    "rt-public: add 0.0.0.0/0 -> igw-prod",
    "rt-public: the default route was removed; add it back",  # what happened, then the fix
    "rt-public: it was deleted: re-add the route",
    "RT-PUBLIC: Put the route back",
    "rt-public: adding the route to igw-prod back fixes it",
    "rt-public: don't remove it, add the route",  # a negated undo is none
])
def test_a_fix_says_what_it_does(given: str) -> None:
    assert judge(ROUTE, given).correct


@pytest.mark.parametrize("given", [
    "route-table rt-public",  # "route" is a word of the component's name, not of a fix
    "rt-public",
    "rt-public: the route",  # what, but no action
    "rt-public: remove the default route",  # the opposite
    "rt-public: delete the route to igw-prod, then add a new one",
    "rt-public: do not add a route",  # a negated action
    "rt-public: don't add the route",
    "rt-public: add",  # an action, but about what?
    "rt-public: padded route",  # "add" only whole: not inside "padded"
    "add the route to igw-prod",  # which table?
])
def test_no_fix_or_the_opposite_is_wrong(given: str) -> None:
    assert not judge(ROUTE, given).correct


def test_key_words_are_whole_words_and_may_be_inflected() -> None:
    q = make(kind="find-fault", difficulty=3, choices=(), answer="x", accepted=(),
             keywords=(("default/web-0",), ("label", "app=web", "+label", "+restore",
                                            "*relabel")))
    assert judge(q, "default/web-0: relabel it").correct  # a whole fix in one word
    assert judge(q, "default/web-0: label it app=web").correct
    assert not judge(q, "default/web-0: wrong label").correct  # "label" is no action here
    assert not judge(q, "default/web-0: it was relabelled").correct
    assert judge(q, "default/web-0: re-label it app=web").correct
    assert judge(q, "default/web-0: restore its labels").correct  # -s
    assert not judge(q, "default/web-0: restore app=web-v2").correct  # another label
    assert not judge(q, "default/web-0: restored").correct  # what happened is no action
    assert not judge(q, "default/web-01: relabel it").correct  # another pod


def test_a_negation_holds_within_its_clause() -> None:
    q = make(kind="find-fault", difficulty=3, choices=(), answer="x", accepted=(),
             keywords=(("default/web-0",), ("ready", "readiness", "+make", "+fix")))
    assert judge(q, "default/web-0 is not ready, fix its readiness probe").correct
    assert judge(q, "default/web-0 isn't ready: make it ready").correct
    assert not judge(q, "default/web-0 is not ready").correct
    assert not judge(q, "default/web-0: not ready, not fixable").correct
    assert not judge(q, "default/web-0: don't make it ready").correct


def test_a_topic_word_counts_negated_but_an_action_does_not() -> None:
    """Review 3, X5: "it has no outbound rules, add one" is a fix; "denying" is "deny"."""
    q = make(kind="find-fault", difficulty=3, choices=(), answer="x", accepted=(),
             keywords=(("sg-node",), ("outbound", "+add", "+allow", "!deny", "!delete")))
    assert judge(q, "sg-node: it has no outbound rules, add one allowing all traffic").correct
    assert not judge(q, "sg-node: add a rule denying outbound").correct
    assert not judge(q, "sg-node: deleting the outbound rule fixes it").correct
    assert judge(q, "sg-node: the outbound rule was deleted, add it").correct  # what happened


def test_a_tilde_topic_must_share_the_actions_clause() -> None:
    """Review 3, X5: the ports a NACL fix opens are the ones it names, not a negated aside."""
    q = make(kind="find-fault", difficulty=3, choices=(), answer="x", accepted=(),
             keywords=(("nacl-a",), ("~ephemeral", "+allow")))
    assert judge(q, "nacl-a: allow the ephemeral ports").correct
    assert not judge(q, "nacl-a: no change needed to ephemeral ports, allow 8080").correct
