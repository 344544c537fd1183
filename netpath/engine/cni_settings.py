"""The VPC CNI's settings (the aws-node daemonset's variables) that shape how many addresses a
node holds, and what each does in words (`netpath capacity` prints them)."""

from __future__ import annotations

from netpath.model.record import record

SETTINGS_EXPLAINED = (
    "WARM_ENI_TARGET (default 1): ipamd keeps this many whole ENIs free, with all their "
    "secondary IPs, so new pods start at once; a node therefore holds up to one full ENI of "
    "idle subnet addresses (9 on an m5.large, 14 on an m5.xlarge).",
    "WARM_IP_TARGET: keep this many free IPs instead of whole ENIs (it overrides "
    "WARM_ENI_TARGET): fewer idle addresses, more EC2 API calls as pods come and go.",
    "MINIMUM_IP_TARGET: the floor of IPs a node holds in total (per node, not per ENI); used "
    "with WARM_IP_TARGET, set a little above the pods a node usually runs.",
    "WARM_PREFIX_TARGET (default 1, with prefix delegation): keep this many whole /28 "
    "prefixes (16 addresses) free; WARM_IP_TARGET and MINIMUM_IP_TARGET override it. A prefix "
    "needs 16 contiguous, aligned free addresses (a whole /28), so a fragmented subnet can "
    "refuse one while single addresses remain.",
    "ENABLE_PREFIX_DELEGATION (Nitro instances only): each ENI slot takes a /28 prefix instead "
    "of one IP, so max pods = ENIs x (IPs per ENI - 1) x 16 + 2, which EKS caps at 110 (30 "
    "vCPUs or fewer) or 250.",
)


@record
class CniSettings:
    """The aws-node daemonset's variables that shape a node's addresses."""

    prefix_delegation: bool = False
    warm_eni_target: int = 1
    warm_ip_target: int | None = None
    minimum_ip_target: int | None = None
    warm_prefix_target: int = 1

    @property
    def ip_targets(self) -> bool:
        # Either one set switches ipamd to IP targets (ipamd.go warmIPTargetsDefined).
        return self.warm_ip_target is not None or self.minimum_ip_target is not None

    def __str__(self) -> str:
        parts = ["ENABLE_PREFIX_DELEGATION=" + str(self.prefix_delegation).lower()]
        if self.ip_targets:
            parts += [f"WARM_IP_TARGET={self.warm_ip_target or 0}",
                      f"MINIMUM_IP_TARGET={self.minimum_ip_target or 0}"]
        elif self.prefix_delegation:
            parts.append(f"WARM_PREFIX_TARGET={self.warm_prefix_target}")
        else:
            parts.append(f"WARM_ENI_TARGET={self.warm_eni_target}")
        return ", ".join(parts)
