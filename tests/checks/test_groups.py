"""Group expansion over the embedded default scenario (cluster eks-prod, VPC prod)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netpath.checks.expectations import Group
from netpath.checks.groups import GroupError, Groups
from netpath.engine import Network, prepare
from netpath.sources.loader import load_spec
from tests.checks.specs import SMALL

DEFAULT_PODS = ("default/backend-0", "default/backend-1", "default/backend-2", "default/echo-0",
                "default/echo-1", "default/pod-a", "default/pod-b", "default/pod-c")


@pytest.fixture
def groups(network: Network) -> Groups:
    return Groups(network)


def test_a_plain_name_stands_for_itself(groups: Groups) -> None:
    assert groups.members("node-1") == ("node-1",)
    assert groups.members("internet") == ("internet",)


def test_namespace(groups: Groups) -> None:
    assert groups.members(Group(namespace="default")) == DEFAULT_PODS
    assert groups.members(Group(namespace="kube-system", cluster="eks-prod")) == (
        "kube-system/coredns-0", "kube-system/coredns-1")


def test_selector_in_any_namespace_or_one(groups: Groups) -> None:
    assert groups.members(Group(selector=(("app", "backend"),))) == (
        "default/backend-0", "default/backend-1", "default/backend-2")
    assert groups.members(Group(selector=(("k8s-app", "kube-dns"),),
                                namespace="kube-system")) == (
        "kube-system/coredns-0", "kube-system/coredns-1")


def test_cluster(groups: Groups) -> None:
    assert groups.members(Group(cluster="eks-prod")) == (
        *DEFAULT_PODS, "kube-system/coredns-0", "kube-system/coredns-1")


def test_subnet_holds_instances_databases_and_vpc_cni_pods(groups: Groups) -> None:
    # node-1 and the pods whose VPC CNI address is in 10.0.10.0/24; no NAT or LB interface
    assert groups.members(Group(subnet="private-a")) == (
        "default/backend-0", "default/echo-1", "default/pod-a", "default/pod-b",
        "kube-system/coredns-0", "node-1")
    assert groups.members(Group(subnet="db-a")) == ("orders-db",)


def test_each_group_is_expanded_once(groups: Groups) -> None:
    first = groups.members(Group(namespace="default"))
    assert groups.members(Group(namespace="default")) is first


@pytest.mark.parametrize(("group", "message", "hint"), [
    (Group(namespace="defualt"), "no namespace 'defualt'", "did you mean 'default'?"),
    (Group(cluster="eks-prd"), "no cluster 'eks-prd'", "did you mean 'eks-prod'?"),
    (Group(subnet="privat-a"), "no subnet 'privat-a'", "did you mean 'private-a'?"),
    (Group(selector=(("app", "fronend"),)), "pods app=fronend selects no pod",
     "did you mean 'app=frontend'?"),
    (Group(subnet="db-b"), "subnet 'db-b' has no instance, database, interface or pod",
     "a subnet group selects the endpoints in it"),
    # never a suggestion that selects nothing when typed back (public-a and public-b hold
    # only load balancer and NAT gateway interfaces): db-a, not db-b
    (Group(subnet="publc-a"), "no subnet 'publc-a'", None),
    (Group(subnet="db-c"), "no subnet 'db-c'", "did you mean 'db-a'?"),
])
def test_a_group_that_selects_nothing_is_an_error(groups: Groups, group: Group, message: str,
                                                   hint: str | None) -> None:
    with pytest.raises(GroupError) as caught:
        groups.members(group)
    assert (caught.value.message, caught.value.hint) == (message, hint)


def test_pods_need_a_cluster(tmp_path: Path) -> None:
    (tmp_path / "netpath.yaml").write_text(SMALL, encoding="utf-8")
    groups = Groups(prepare(load_spec(tmp_path / "netpath.yaml").model))
    with pytest.raises(GroupError, match="no Kubernetes cluster"):
        groups.members(Group(namespace="default"))
    assert groups.members(Group(subnet="app-a")) == ("app-1", "app-2")
