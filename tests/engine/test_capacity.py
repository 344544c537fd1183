"""IP planning for the VPC CNI: the instance table, max pods, warm pools (the amazon-vpc-cni-k8s
docs' worked examples), subnet arithmetic, and pods that cannot get an IP (NO_POD_IP)."""

from __future__ import annotations

from ipaddress import IPv4Network

import pytest

from netpath.engine.capacity import WarmPool, capacity, max_pods, warm_pool
from netpath.engine.cni_settings import CniSettings
from netpath.engine.instance_types import INSTANCE_TYPES, instance_type
from netpath.model.kubernetes import Node
from netpath.model.resources import Eni, Instance, Model, Subnet, Vpc
from tests.engine.test_services import make_cluster, make_pod

# Max pods from the EKS AMI's eni-max-pods.txt (awslabs/amazon-eks-ami, generated from the EC2
# API): an independent check of every row of netpath's table.
ENI_MAX_PODS = {
    "t2.nano": 4, "t2.micro": 4, "t2.small": 11, "t2.medium": 17, "t2.large": 35,
    "t2.xlarge": 44, "t2.2xlarge": 44, "t3.nano": 4, "t3.micro": 4, "t3.small": 11,
    "t3.medium": 17, "t3.large": 35, "t3.xlarge": 58, "t3.2xlarge": 58, "t3a.small": 8,
    "t3a.medium": 17, "t3a.large": 35, "t4g.medium": 17, "t4g.large": 35, "m4.large": 20,
    "m4.xlarge": 58, "m4.2xlarge": 58, "m4.4xlarge": 234, "m5.large": 29, "m5.xlarge": 58,
    "m5.2xlarge": 58, "m5.4xlarge": 234, "m5.8xlarge": 234, "m5.12xlarge": 234,
    "m5.16xlarge": 737, "m5.24xlarge": 737, "m6i.large": 29, "m6i.xlarge": 58,
    "m6i.2xlarge": 58, "m6i.4xlarge": 234, "m6i.8xlarge": 234, "m6i.12xlarge": 234,
    "m6i.16xlarge": 737, "m6i.24xlarge": 737, "m6i.32xlarge": 737, "m6g.medium": 8,
    "m6g.large": 29, "m6g.xlarge": 58, "m6g.2xlarge": 58, "m6g.4xlarge": 234, "c5.large": 29,
    "c5.xlarge": 58, "c5.2xlarge": 58, "c5.4xlarge": 234, "c5.9xlarge": 234,
    "c5.12xlarge": 234, "c5.18xlarge": 737, "c5.24xlarge": 737, "c6i.large": 29,
    "c6i.xlarge": 58, "c6i.2xlarge": 58, "c6i.4xlarge": 234, "c6i.8xlarge": 234,
    "c6g.medium": 8, "c6g.large": 29, "c6g.xlarge": 58, "r5.large": 29, "r5.xlarge": 58,
    "r5.2xlarge": 58, "r5.4xlarge": 234, "r5.8xlarge": 234, "r5.12xlarge": 234,
    "r5.16xlarge": 737, "r5.24xlarge": 737, "r6i.large": 29, "r6i.xlarge": 58,
    "r6i.2xlarge": 58, "r6i.4xlarge": 234, "p3dn.24xlarge": 737,
}


def test_every_instance_type_matches_the_eks_ami_table() -> None:
    assert set(INSTANCE_TYPES) == set(ENI_MAX_PODS)
    for name, itype in INSTANCE_TYPES.items():
        assert max_pods(itype).max_pods == ENI_MAX_PODS[name], name


def test_m5_large_max_pods() -> None:
    itype = instance_type("M5.Large")
    assert itype is not None
    limits = max_pods(itype)
    assert (limits.pod_ips, limits.max_pods) == (27, 29)
    assert limits.formula == "3 ENIs x (10 - 1) + 2 = 29"


def test_prefix_delegation_max_pods_and_the_eks_ceilings() -> None:
    small, large, xen = (INSTANCE_TYPES[n] for n in ("m5.large", "m5.8xlarge", "t2.medium"))
    limits = max_pods(small, prefix_delegation=True)
    assert (limits.pod_ips, limits.max_pods) == (432, 110)
    assert limits.formula == "3 ENIs x (10 - 1) x 16 + 2 = 434, capped at 110 (2 vCPUs)"
    assert max_pods(large, prefix_delegation=True).max_pods == 250  # 32 vCPUs > 30
    assert max_pods(INSTANCE_TYPES["t3.nano"], prefix_delegation=True).max_pods == 34
    not_nitro = max_pods(xen, prefix_delegation=True)
    assert not not_nitro.prefix_delegation and not_nitro.max_pods == 17


# The tables of docs/eni-and-ip-target.md and docs/prefix-and-ip-target.md in
# aws/amazon-vpc-cni-k8s: (type, settings, pods) -> (ENIs, addresses held)
SECONDARY_IP_EXAMPLES = [
    ("t3.small", CniSettings(), 0, 1, 3),
    ("t3.small", CniSettings(), 5, 3, 9),
    ("t3.small", CniSettings(), 9, 3, 9),
    ("t3.small", CniSettings(warm_ip_target=1, minimum_ip_target=1), 0, 1, 1),
    ("t3.small", CniSettings(warm_ip_target=1, minimum_ip_target=1), 5, 2, 6),
    ("t3.small", CniSettings(warm_ip_target=1, minimum_ip_target=1), 9, 3, 9),
    ("t3.small", CniSettings(warm_ip_target=2, minimum_ip_target=5), 0, 2, 5),
    ("t3.small", CniSettings(warm_ip_target=2, minimum_ip_target=5), 5, 3, 7),
    ("p3dn.24xlarge", CniSettings(), 0, 1, 49),
    ("p3dn.24xlarge", CniSettings(), 3, 2, 98),
    ("p3dn.24xlarge", CniSettings(), 95, 3, 147),
    ("p3dn.24xlarge", CniSettings(warm_ip_target=5, minimum_ip_target=10), 0, 1, 10),
    ("p3dn.24xlarge", CniSettings(warm_ip_target=5, minimum_ip_target=10), 7, 1, 12),
    ("p3dn.24xlarge", CniSettings(warm_ip_target=5, minimum_ip_target=10), 45, 2, 50),
]


@pytest.mark.parametrize(("name", "settings", "pods", "enis", "held"), SECONDARY_IP_EXAMPLES)
def test_warm_pool_secondary_ips(name: str, settings: CniSettings, pods: int, enis: int,
                                 held: int) -> None:
    assert warm_pool(INSTANCE_TYPES[name], pods, settings) == WarmPool(enis, held, 0)


PD = CniSettings(prefix_delegation=True)
PREFIX_EXAMPLES = [  # (type, settings, pods) -> prefixes
    ("t3.small", PD, 0, 1), ("t3.small", PD, 5, 2), ("t3.small", PD, 16, 2),
    ("t3.small", PD, 17, 3), ("t3.small", PD, 58, 5),
    ("t3.small", CniSettings(True, warm_ip_target=1, minimum_ip_target=1), 5, 1),
    ("t3.small", CniSettings(True, warm_ip_target=1, minimum_ip_target=1), 17, 2),
    ("t3.small", CniSettings(True, warm_ip_target=1, minimum_ip_target=1), 58, 4),
    ("p3dn.24xlarge", CniSettings(True, warm_ip_target=5, minimum_ip_target=10), 15, 2),
    ("p3dn.24xlarge", CniSettings(True, warm_ip_target=5, minimum_ip_target=10), 45, 4),
]


@pytest.mark.parametrize(("name", "settings", "pods", "prefixes"), PREFIX_EXAMPLES)
def test_warm_pool_prefixes(name: str, settings: CniSettings, pods: int, prefixes: int) -> None:
    pool = warm_pool(INSTANCE_TYPES[name], pods, settings)
    assert pool.prefixes == prefixes and pool.addresses == 16 * prefixes
    if name == "t3.small" and pods == 58 and settings == PD:
        assert pool.enis == 2  # 3 prefixes per ENI


# --- the whole report ---------------------------------------------------------------------------


def eks_model(cidr: str = "10.0.10.0/24", instance_type: str | None = "m5.large",
              pods: int = 5, host_network: int = 0) -> Model:
    model = Model()
    model.vpcs["prod"] = Vpc("prod", (IPv4Network("10.0.0.0/16"),), "us-east-1", None, "rt",
                             "nacl", ())
    model.subnets["private-a"] = Subnet("private-a", "prod", IPv4Network(cidr), "us-east-1a",
                                        "rt", "nacl", True, ())
    node_ip = IPv4Network(cidr).network_address + 4
    model.enis["node-1.eth0"] = Eni("node-1.eth0", "prod", "private-a", node_ip, None, (),
                                    "instance", "node-1", True, "linux", ())
    model.instances["node-1"] = Instance("node-1", "prod", ("node-1.eth0",), "linux", (),
                                         instance_type)
    workload = [make_pod(f"default/web-{i:02d}", "10.0.10.200", "node-1") for i in range(pods)]
    system = [make_pod(f"kube-system/agent-{i}", str(node_ip), "node-1", host_network=True)
              for i in range(host_network)]
    cluster = make_cluster([*workload, *system], vpc="prod", cni="aws-vpc-cni",
                           nodes=[Node("node-1", node_ip, "node-1", None, {}, ())])
    model.clusters["eks"] = cluster
    return model


def test_subnet_and_node_figures_with_the_default_warm_eni_target() -> None:
    report = capacity(eks_model(pods=5, host_network=2))
    (subnet,) = report.subnets
    assert (subnet.size, subnet.reserved, subnet.interfaces) == (256, 5, 1)
    # 5 pods on the primary ENI, plus one whole warm ENI: 2 ENIs x 9 IPs + 1 ENI address
    assert (subnet.pod_ips, subnet.cni_addresses, subnet.idle, subnet.free) == (5, 19, 14, 231)
    (node,) = report.nodes
    assert node.instance_type == "m5.large" and node.subnet == "private-a"
    assert node.limits is not None and node.limits.max_pods == 29
    assert (node.pods, node.host_network_pods, node.pods_with_ip) == (7, 2, 5)
    assert node.pool == WarmPool(2, 18, 0) and report.problems == ()


def test_warm_ip_target_shrinks_the_reservation() -> None:
    report = capacity(eks_model(pods=5), CniSettings(warm_ip_target=2))
    assert report.nodes[0].pool == WarmPool(1, 7, 0)
    assert report.subnets[0].free == 256 - 5 - 1 - 7
    floor = capacity(eks_model(pods=5), CniSettings(warm_ip_target=2, minimum_ip_target=20))
    assert floor.nodes[0].pool == WarmPool(3, 20, 0)  # 20 IPs need a third ENI


def test_pods_beyond_the_nodes_ips_get_no_ip() -> None:
    report = capacity(eks_model(pods=30))
    assert report.nodes[0].pods_with_ip == 27
    assert [p.pod for p in report.problems] == ["default/web-27", "default/web-28",
                                                "default/web-29"]
    problem = report.problems[0]
    assert problem.code == "NO_POD_IP" and problem.node == "node-1"
    assert problem.reason == ("node-1 (m5.large) has 27 pod IPs (3 ENIs x (10 - 1)), all taken: "
                              "new pods stay in ContainerCreating")
    assert "prefix delegation" in problem.fix
    assert any("max pods is 29" in n for n in report.nodes[0].notes)
    assert capacity(eks_model(pods=30), PD).problems == ()  # 432 pod IPs with prefixes


def test_pods_beyond_max_pods_stay_pending_host_network_pods_included() -> None:
    # aws-node and kube-proxy take two of the 29 slots: the 27 IPs and max pods run out together.
    report = capacity(eks_model(pods=28, host_network=2))
    (problem,) = report.problems
    assert problem.pod == "default/web-27"
    assert "already runs its max pods (29" in problem.reason and "Pending" in problem.reason
    assert problem.cause == "max-pods"
    # Without them, the 28th and 29th pods start and wait for an address instead.
    alone = capacity(eks_model(pods=29))
    assert [p.reason.endswith("ContainerCreating") for p in alone.problems] == [True, True]
    assert [p.cause for p in alone.problems] == ["node-ips", "node-ips"]


def test_full_subnet_leaves_pods_without_ip_and_warm_pool_short() -> None:
    # a /28: 16 - 5 reserved - 1 node address = 10 left; t3.medium: 3 ENIs x 5 pod IPs
    report = capacity(eks_model("10.0.10.0/28", "t3.medium", pods=12))
    (subnet,) = report.subnets
    assert subnet.free == 0 and subnet.pod_ips == 9  # 9 pod IPs + 1 second-ENI address
    assert [p.pod for p in report.problems] == ["default/web-09", "default/web-10",
                                                "default/web-11"]
    assert report.problems[0].reason.startswith("subnet private-a has no free address left")
    assert "WARM_IP_TARGET" in report.problems[0].fix
    node = report.nodes[0]
    assert node.short == 7 and subnet.short == 7  # the pool wants 3 ENIs: 2 + 15 addresses
    assert any("warm pool wants 7 more" in n for n in node.notes)


def test_warm_pools_exhaust_a_subnet_before_pods_do() -> None:
    report = capacity(eks_model("10.0.10.0/27", "m5.large", pods=10))  # 32 - 5 - 1 = 26 left
    assert report.problems == ()
    # 10 pods fill the primary ENI and one more: ipamd wants a third, warm ENI: 2 ENI addresses
    # + 27 secondary IPs = 29 of the 26 free
    assert report.subnets[0].free == 0 and report.subnets[0].short == 3


def test_prefixes_need_whole_aligned_28s_not_just_free_addresses() -> None:
    # A /27 has 26 free addresses but both of its /28s hold a reserved address.
    report = capacity(eks_model("10.0.10.0/27", "m5.large", pods=1), PD)
    (problem,) = report.problems
    assert problem.reason.startswith("subnet private-a has 26 free addresses but no free /28")
    assert "prefix delegation off" in problem.fix
    assert report.subnets[0].free_prefixes == 0


def test_prefix_delegation_takes_the_28s_between_the_reserved_ones() -> None:
    # A /26: four /28s, the first (reserved + node) and the last (broadcast) spoiled.
    fits = capacity(eks_model("10.0.10.0/26", "m5.large", pods=32), PD)
    assert [p.pod for p in fits.problems] == []
    assert fits.subnets[0].free_prefixes == 0 and fits.nodes[0].short == 16  # no warm prefix
    over = capacity(eks_model("10.0.10.0/26", "m5.large", pods=33), PD)
    assert [p.pod for p in over.problems] == ["default/web-32"]
    assert "but no free /28" in over.problems[0].reason
    assert capacity(eks_model(pods=5)).subnets[0].free_prefixes is None  # no prefixes asked


def test_unknown_or_missing_instance_type_is_noted() -> None:
    report = capacity(eks_model(instance_type=None, pods=3))
    node = report.nodes[0]
    assert node.limits is None and node.pods_with_ip == 3 and report.subnets[0].cni_addresses == 3
    assert "no instance_type" in node.notes[0]
    report = capacity(eks_model(instance_type="x9.mega", pods=3))
    assert "'x9.mega' is not in netpath's table" in report.nodes[0].notes[0]


def test_overlay_cluster_is_only_a_note() -> None:
    model = eks_model()
    model.clusters["eks"] = make_cluster(vpc="prod", cni="calico")
    report = capacity(model)
    assert report.nodes == () and "pod IPs come from its pod CIDR" in report.notes[0]


def test_kubernetes_only_cluster_has_no_subnets() -> None:
    model = Model(clusters={"k": make_cluster([make_pod("default/a", "10.244.0.2")])})
    report = capacity(model)
    assert report.subnets == () and report.nodes == ()
