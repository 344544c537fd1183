"""EC2 instance types: how many network interfaces and IPv4 addresses each can hold.

With the VPC CNI these two numbers decide how many pods a node can give an IP to. Sources:
- maximum network interfaces and IPv4 addresses per interface, from the EC2 documentation
  (https://docs.aws.amazon.com/ec2/latest/instancetypes/gp.html#gp_network, and the co, mo and
  ac pages for compute, memory and accelerated types; formerly
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html#AvailableIpPerENI);
- vCPUs, which set the max-pods ceiling with prefix delegation (110 up to 30 vCPUs, else 250:
  max-pods-calculator.sh in https://github.com/awslabs/amazon-eks-ami);
- Nitro or Xen: prefix delegation works on Nitro instances only
  (https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html).
tests/engine/test_capacity.py checks every row against the max-pods values the EKS AMI ships
(eni-max-pods.txt), an independent copy of the same EC2 API data.
"""

from __future__ import annotations

from netpath.model.record import record


@record
class InstanceType:
    name: str
    max_enis: int
    ipv4_per_eni: int  # the primary address included
    vcpus: int
    nitro: bool


# name: (max ENIs, IPv4 addresses per ENI, vCPUs, Nitro)
_ROWS: dict[str, tuple[int, int, int, bool]] = {
    # burstable
    "t2.nano": (2, 2, 1, False),
    "t2.micro": (2, 2, 1, False),
    "t2.small": (3, 4, 1, False),
    "t2.medium": (3, 6, 2, False),
    "t2.large": (3, 12, 2, False),
    "t2.xlarge": (3, 15, 4, False),
    "t2.2xlarge": (3, 15, 8, False),
    "t3.nano": (2, 2, 2, True),
    "t3.micro": (2, 2, 2, True),
    "t3.small": (3, 4, 2, True),
    "t3.medium": (3, 6, 2, True),
    "t3.large": (3, 12, 2, True),
    "t3.xlarge": (4, 15, 4, True),
    "t3.2xlarge": (4, 15, 8, True),
    "t3a.small": (2, 4, 2, True),
    "t3a.medium": (3, 6, 2, True),
    "t3a.large": (3, 12, 2, True),
    "t4g.medium": (3, 6, 2, True),
    "t4g.large": (3, 12, 2, True),
    # general purpose
    "m4.large": (2, 10, 2, False),
    "m4.xlarge": (4, 15, 4, False),
    "m4.2xlarge": (4, 15, 8, False),
    "m4.4xlarge": (8, 30, 16, False),
    "m5.large": (3, 10, 2, True),
    "m5.xlarge": (4, 15, 4, True),
    "m5.2xlarge": (4, 15, 8, True),
    "m5.4xlarge": (8, 30, 16, True),
    "m5.8xlarge": (8, 30, 32, True),
    "m5.12xlarge": (8, 30, 48, True),
    "m5.16xlarge": (15, 50, 64, True),
    "m5.24xlarge": (15, 50, 96, True),
    "m6i.large": (3, 10, 2, True),
    "m6i.xlarge": (4, 15, 4, True),
    "m6i.2xlarge": (4, 15, 8, True),
    "m6i.4xlarge": (8, 30, 16, True),
    "m6i.8xlarge": (8, 30, 32, True),
    "m6i.12xlarge": (8, 30, 48, True),
    "m6i.16xlarge": (15, 50, 64, True),
    "m6i.24xlarge": (15, 50, 96, True),
    "m6i.32xlarge": (15, 50, 128, True),
    "m6g.medium": (2, 4, 1, True),
    "m6g.large": (3, 10, 2, True),
    "m6g.xlarge": (4, 15, 4, True),
    "m6g.2xlarge": (4, 15, 8, True),
    "m6g.4xlarge": (8, 30, 16, True),
    # compute optimised
    "c5.large": (3, 10, 2, True),
    "c5.xlarge": (4, 15, 4, True),
    "c5.2xlarge": (4, 15, 8, True),
    "c5.4xlarge": (8, 30, 16, True),
    "c5.9xlarge": (8, 30, 36, True),
    "c5.12xlarge": (8, 30, 48, True),
    "c5.18xlarge": (15, 50, 72, True),
    "c5.24xlarge": (15, 50, 96, True),
    "c6i.large": (3, 10, 2, True),
    "c6i.xlarge": (4, 15, 4, True),
    "c6i.2xlarge": (4, 15, 8, True),
    "c6i.4xlarge": (8, 30, 16, True),
    "c6i.8xlarge": (8, 30, 32, True),
    "c6g.medium": (2, 4, 1, True),
    "c6g.large": (3, 10, 2, True),
    "c6g.xlarge": (4, 15, 4, True),
    # memory optimised
    "r5.large": (3, 10, 2, True),
    "r5.xlarge": (4, 15, 4, True),
    "r5.2xlarge": (4, 15, 8, True),
    "r5.4xlarge": (8, 30, 16, True),
    "r5.8xlarge": (8, 30, 32, True),
    "r5.12xlarge": (8, 30, 48, True),
    "r5.16xlarge": (15, 50, 64, True),
    "r5.24xlarge": (15, 50, 96, True),
    "r6i.large": (3, 10, 2, True),
    "r6i.xlarge": (4, 15, 4, True),
    "r6i.2xlarge": (4, 15, 8, True),
    "r6i.4xlarge": (8, 30, 16, True),
    # accelerated (the amazon-vpc-cni-k8s docs' worked examples use it)
    "p3dn.24xlarge": (15, 50, 96, True),
}

INSTANCE_TYPES: dict[str, InstanceType] = {
    name: InstanceType(name, enis, ips, vcpus, nitro)
    for name, (enis, ips, vcpus, nitro) in _ROWS.items()
}


def instance_type(name: str) -> InstanceType | None:
    return INSTANCE_TYPES.get(name.strip().lower())
