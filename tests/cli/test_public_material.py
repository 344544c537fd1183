"""netpath on public material nobody here wrote (tests/sources/kubernetes/fixtures/public/, see
its SOURCES.md): real kubectl dumps, another analyzer's fixtures and its expected connectivity,
the NetworkPolicy recipes, linters' test data. Every file is read as found; where the source
says what happens (an expected connectivity map, a recipe's "Try it out"), the verdicts are
compared with it, and where netpath disagrees on purpose the test says why.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cli.helpers import Result, run_cli

PUBLIC = Path(__file__).parents[1] / "sources" / "kubernetes" / "fixtures" / "public"
NCA = PUBLIC / "network-config-analyzer" / "services1"
RECIPES = PUBLIC / "kubernetes-network-policy-recipes"
KUBE_SCORE = PUBLIC / "kube-score"
WIDE = {"COLUMNS": "400"}

DEMO = "default/demo-764c97f6fd-452fq"
CONTROLLER = "ingress-nginx/ingress-nginx-controller-6d5f55986b-5twct"
COREDNS = "kube-system/coredns-64897985d-ms7j4"
ETCD = "kube-system/etcd-minikube"  # hostNetwork
FINISHED = ("ingress-nginx/ingress-nginx-admission-create-jxzfd",
            "ingress-nginx/ingress-nginx-admission-patch-bg8tm")


def cli(*args: str, cwd: Path | None = None) -> Result:
    return run_cli(*args, env=WIDE, cwd=cwd)


def json_of(*args: str) -> Result:
    result = cli(*args, "-f", "json")
    assert result.json is not None, result.output
    return result


# --- network-config-analyzer: a minikube dump, three policy variants, the expected map --------


def _nca(tmp_path: Path, config: str) -> Path:
    """The analyzer's scheme: the dump, its Ingress objects, and `config`'s policies ("ip":
    none; "npN": services1-networkpolicyN.yaml)."""
    spec = tmp_path / config
    spec.mkdir()
    files = ["pods_list.yaml", "services_list.yaml", "ns_list.yaml", "policies.yaml"]
    if config != "ip":
        files.append(f"services1-networkpolicy{config[2:]}.yaml")
    for name in files:
        shutil.copy(NCA / name, spec / name)
    return spec


def _matrix(spec: Path) -> dict[tuple[str, str], str | None]:
    result = json_of("matrix", "--spec", str(spec), "--port", "80")
    assert result.exit_code == 0, result.output
    return {(p["from"], p["to"]): p["code"] for p in result.json["pairs"]}


def test_the_minikube_dump_loads_as_kubectl_printed_it(tmp_path: Path) -> None:
    result = cli("show", "--spec", str(_nca(tmp_path, "ip")))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"pod {DEMO}  172.17.0.4" in out
    assert f"pod {CONTROLLER}  172.17.0.3" in out
    assert f"pod {ETCD}  192.168.49.2 (host network)" in out
    # The Job pods finished: their addresses are the running pods' now.
    for pod in FINISHED:
        assert f"pod {pod}" not in out
    assert ("2 pods not running (Succeeded): no IP, no Service endpoint, not reachable "
            f"({', '.join(FINISHED)})") in out
    assert "node minikube 192.168.49.2: named by pod default/demo-764c97f6fd-452fq" in out


@pytest.mark.parametrize("config", ["np0", "np1", "np2"])
def test_the_policy_verdicts_agree_with_the_analyzers_map(tmp_path: Path, config: str) -> None:
    """expected/services1_connectivity_map.txt: in np0..np2 the controller (selected by
    `allow-webhook-via-ingress`, isolated for ingress) admits only its namespace's pods, so
    default's and kube-system's pods cannot reach it; in np1 and np2 it is isolated for egress
    too, with no egress rule to anything running, and reaches nothing; other pods reach each
    other."""
    pairs = _matrix(_nca(tmp_path, config))
    assert pairs[(DEMO, CONTROLLER)] == "NETPOL_INGRESS_DENIED"
    assert pairs[(COREDNS, CONTROLLER)] == "NETPOL_INGRESS_DENIED"
    assert pairs[(DEMO, COREDNS)] is None
    assert pairs[(COREDNS, DEMO)] is None
    expected = None if config == "np0" else "NETPOL_EGRESS_DENIED"
    assert pairs[(CONTROLLER, DEMO)] == expected
    assert pairs[(CONTROLLER, COREDNS)] == expected


def test_where_netpath_differs_from_the_analyzer_on_purpose(tmp_path: Path) -> None:
    """The analyzer's map counts kube-system's hostNetwork pods as kube-system pods (denied to
    the controller) and the Succeeded admission pods as running. netpath follows Kubernetes:
    NetworkPolicy's behaviour for hostNetwork pods is undefined and traffic from a pod's own
    node is always allowed by most plugins ("NetworkPolicy and hostNetwork pods", and "Traffic
    to and from the node where a Pod is running is always allowed", kubernetes.io/docs/concepts/
    services-networking/network-policies/); a finished pod holds no IP ("Pod Lifecycle")."""
    pairs = _matrix(_nca(tmp_path, "np0"))
    assert pairs[(ETCD, CONTROLLER)] is None
    assert not any(FINISHED[0] in pair for pair in pairs)


def test_a_service_of_finished_job_pods_is_not_a_label_typo(tmp_path: Path) -> None:
    """The admission Service selects the admission Jobs' pods, which finished: its labels are
    right, the pods just do not run. It used to say 'matches no pod' and to advise labelling
    them."""
    spec = _nca(tmp_path, "np1")
    check = json_of("check", "--spec", str(spec))
    assert check.exit_code == 1
    found = [f for f in check.json["findings"] if f["rule"] == "SVC001"]
    assert len(found) == 1
    assert found[0]["message"].startswith(
        "Service ingress-nginx/ingress-nginx-controller-admission selects "
        "app.kubernetes.io/component=admission-webhook, app.kubernetes.io/instance=ingress-nginx, "
        "app.kubernetes.io/name=ingress-nginx, which matches no running pod in namespace "
        "ingress-nginx: only 2 pods that do not run match "
        f"({FINISHED[0]} (Succeeded), {FINISHED[1]} (Succeeded)), which hold no IP")
    assert found[0]["fix"].startswith("nothing to relabel: the pods finished")
    assert (found[0]["location"]["file"], found[0]["location"]["line"]) == (
        str(spec / "services_list.yaml"), 133)
    trace = json_of("trace", "--spec", str(spec), DEMO,
                    "ingress-nginx-controller-admission.ingress-nginx", "--port", "443")
    assert trace.exit_code == 1
    blocked = trace.json["blocked_by"]
    assert blocked["code"] == "SERVICE_NO_ENDPOINTS"
    assert "matches no running pod in namespace 'ingress-nginx': only 2 pods that do not " \
           "run match" in blocked["reason"]
    assert "label the pods" not in blocked["fix"]


def test_coredns_with_dns_policy_default_asks_the_node_not_itself(tmp_path: Path) -> None:
    """CoreDNS's pod has `dnsPolicy: Default`: kubelet gives it the node's resolv.conf, whose
    resolver knows no cluster names (kubernetes.io/docs/concepts/services-networking/
    dns-pod-service/#pod-s-dns-policy). It used to resolve demo.default through the cluster
    search list, as a ClusterFirst pod does."""
    spec = str(_nca(tmp_path, "ip"))
    trace = json_of("trace", "--spec", spec, COREDNS, "demo.default", "--port", "80")
    assert trace.exit_code == 1, trace.output
    blocked = trace.json["blocked_by"]
    assert (blocked["code"], blocked["component"]) == ("DNS_NXDOMAIN", "dns")
    assert blocked["fix"] == (f"set dnsPolicy: ClusterFirst on {COREDNS} (its resolv.conf is "
                              "the node's, which knows no cluster names)")
    assert any("has dnsPolicy Default" in (hop["note"] or "") for hop in trace.json["hops"])
    # The demo pod (ClusterFirst, the default) resolves it, and so reaches itself.
    assert cli("trace", "--spec", spec, DEMO, "demo.default", "--port", "80").exit_code == 0
    # A ClusterFirst hostNetwork pod falls back to Default as well; the fix says which policy.
    etcd = json_of("trace", "--spec", spec, ETCD, "demo.default", "--port", "80")
    assert etcd.json["blocked_by"]["fix"].startswith(
        f"set dnsPolicy: ClusterFirstWithHostNet on {ETCD}")


# --- dnsPolicy, as the API server takes it -----------------------------------------------------

_POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {{app: {name}}}}}
spec:
  hostNetwork: {host}
{extra}  containers: [{{name: c, image: nginx, ports: [{{containerPort: 80}}]}}]
---
"""
_SERVICE = """apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}
"""


def _pods(tmp_path: Path, *pods: tuple[str, bool, str]) -> str:
    text = "".join(_POD.format(name=n, host=str(h).lower(), extra=e) for n, h, e in pods)
    path = tmp_path / "pods.yaml"
    path.write_text(text + _SERVICE)
    return str(path)


def test_cluster_first_with_host_net_asks_coredns(tmp_path: Path) -> None:
    spec = _pods(tmp_path, ("web", False, ""),
                 ("agent", True, "  dnsPolicy: ClusterFirstWithHostNet\n"))
    result = cli("trace", "--spec", spec, "default/agent", "web", "--port", "80")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("extra", "message"), [
    ("  dnsPolicy: ClusterFirstWithHostnet\n",
     "spec.dnsPolicy: 'ClusterFirstWithHostnet' is not one of ClusterFirstWithHostNet, "
     "ClusterFirst, Default, None"),
    ("  dnsPolicy: None\n",
     "spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"),
    ("  dnsPolicy: None\n  dnsConfig: {searches: [svc.cluster.local]}\n",
     "spec.dnsConfig: Required value: must provide at least one DNS nameserver when "
     "`dnsPolicy` is None"),
])
def test_a_dns_policy_the_api_server_refuses_is_refused(tmp_path: Path, extra: str,
                                                        message: str) -> None:
    result = cli("show", "--spec", _pods(tmp_path, ("web", False, extra)))
    assert result.exit_code == 2
    assert message in result.stderr, result.stderr


# --- the NetworkPolicy recipes: the policies as written, the pods of "Try it out" ---------------

_RECIPE_PODS = {
    "07": """apiVersion: v1
kind: Namespace
metadata: {name: other, labels: {team: operations}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: test-plain, namespace: default}
spec: {containers: [{name: t, image: alpine}]}
---
apiVersion: v1
kind: Pod
metadata: {name: test-monitoring, namespace: default, labels: {type: monitoring}}
spec: {containers: [{name: t, image: alpine}]}
---
apiVersion: v1
kind: Pod
metadata: {name: test-plain, namespace: other}
spec: {containers: [{name: t, image: alpine}]}
---
apiVersion: v1
kind: Pod
metadata: {name: test-monitoring, namespace: other, labels: {type: monitoring}}
spec: {containers: [{name: t, image: alpine}]}
""",
    "09": """apiVersion: v1
kind: Pod
metadata: {name: apiserver, namespace: default, labels: {app: apiserver}}
spec: {containers: [{name: apiserver, image: ahmet/app-on-two-ports}]}
---
apiVersion: v1
kind: Service
metadata: {name: apiserver, namespace: default}
spec:
  selector: {app: apiserver}
  ports: [{name: 8001-8000, port: 8001, targetPort: 8000},
          {name: 5001-5000, port: 5001, targetPort: 5000}]
---
apiVersion: v1
kind: Pod
metadata: {name: test-plain, namespace: default}
spec: {containers: [{name: t, image: alpine}]}
---
apiVersion: v1
kind: Pod
metadata: {name: test-monitoring, namespace: default, labels: {role: monitoring}}
spec: {containers: [{name: t, image: alpine}]}
""",
    "11": """apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: test, namespace: default, labels: {app: foo}}
spec: {restartPolicy: Never, containers: [{name: test, image: alpine}]}
""",
}


def _recipe(tmp_path: Path, number: str, block: int = 0, fence: str = "yaml") -> str:
    """The recipe's `block`th code block of `fence` (its NetworkPolicy, as the reader saves
    it), beside the pods its "Try it out" runs (`kubectl run ...`)."""
    markdown = next(RECIPES.glob(f"{number}-*.md")).read_text()
    policy = re.findall(rf"```{fence}\n(.*?)```", markdown, re.S)[block]
    spec = tmp_path / f"recipe-{number}"
    spec.mkdir()
    (spec / "policy.yaml").write_text(policy)
    (spec / "pods.yaml").write_text(_RECIPE_PODS[number])
    return str(spec)


def _verdict(spec: str, source: str, destination: str, port: int) -> str | None:
    """None when reachable, else the code that blocked."""
    result = json_of("trace", "--spec", spec, source, destination, "--port", str(port))
    assert result.exit_code in (0, 1), result.output
    return None if result.json["verdict"] == "reachable" else result.json["blocked_by"]["code"]


def test_recipe_07_pods_of_labelled_namespaces_only(tmp_path: Path) -> None:
    spec = _recipe(tmp_path, "07")
    assert _verdict(spec, "default/test-plain", "web.default", 80) == "NETPOL_INGRESS_DENIED"
    assert _verdict(spec, "default/test-monitoring", "web.default", 80) == \
        "NETPOL_INGRESS_DENIED"
    assert _verdict(spec, "other/test-plain", "web.default", 80) == "NETPOL_INGRESS_DENIED"
    assert _verdict(spec, "other/test-monitoring", "web.default", 80) is None


def test_recipe_09_the_pod_port_not_the_service_port(tmp_path: Path) -> None:
    spec = _recipe(tmp_path, "09")
    for source in ("default/test-plain", "default/test-monitoring"):
        assert _verdict(spec, source, "apiserver", 8001) == "NETPOL_INGRESS_DENIED"
    assert _verdict(spec, "default/test-plain", "apiserver", 5001) == "NETPOL_INGRESS_DENIED"
    assert _verdict(spec, "default/test-monitoring", "apiserver", 5001) is None


def test_recipe_11_egress_deny_breaks_dns_first(tmp_path: Path) -> None:
    """`wget: bad address 'web:80'`: the lookup fails before any connection; with DNS allowed
    (the recipe's second policy, in a `sh` block) the name resolves and the connection times
    out."""
    deny = _recipe(tmp_path, "11")
    result = json_of("trace", "--spec", deny, "default/test", "web", "--port", "80")
    assert result.json["blocked_by"]["code"] == "NETPOL_EGRESS_DENIED"
    assert result.json["blocked_by"]["reason"].startswith("default/test cannot resolve web")
    # No connection is opened: the policy drops the lookup (udp/53 to the kube-dns ClusterIP),
    # and the flow shows no address the pod could not learn. It used to show tcp/80 to web's
    # ClusterIP, as the packet of the hop too.
    assert result.json["flow"] is None
    assert [(h["component"], h["packet"]["protocol"], h["packet"]["dst_ip"],
             h["packet"]["dst_port"]) for h in result.json["hops"]] == [
        ("network-policy", "udp", "10.96.0.10", 53)]
    assert not any(n.startswith("source port") for n in result.json["notes"])
    text = cli("trace", "--spec", deny, "default/test", "web", "--port", "80")
    assert text.stdout.splitlines()[1] == \
        "flow: none: web does not resolve, so no connection is opened"
    (tmp_path / "dns").mkdir()
    with_dns = _recipe(tmp_path / "dns", "11", fence="sh", block=2)
    result = json_of("trace", "--spec", with_dns, "default/test", "web", "--port", "80")
    assert result.json["blocked_by"]["code"] == "NETPOL_EGRESS_DENIED"
    assert result.json["hops"][0]["component"] == "dns"  # resolved: web's ClusterIP


# --- files the API server refuses, and lists, as linters keep them ------------------------------


def test_a_port_name_over_15_characters_is_refused_where_written() -> None:
    result = cli("check", "--spec", "pod-container-ports-name-too-long.yaml", cwd=KUBE_SCORE)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "pod-container-ports-name-too-long.yaml:23:11: spec.template.spec.containers[0]."
        "ports[0].name: invalid port name 'my-very-long-port-name-exceeds-fifteen-characters': "
        "must be no more than 15 bytes")


def test_helm_output_without_selector_or_containers_is_refused_per_document() -> None:
    result = cli("check", "--spec", "linenumbers-helm.yaml", cwd=KUBE_SCORE)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert [line.split(": ")[0:2] for line in lines[:4]] == [
        ["linenumbers-helm.yaml:7:1", "spec.selector"],
        ["linenumbers-helm.yaml:8:3", "spec.template.spec.containers"],
        ["linenumbers-helm.yaml:18:1", "spec.selector"],
        ["linenumbers-helm.yaml:19:3", "spec.template.spec.containers"]]
    assert lines[-1] == "4 errors in spec"


def test_a_cron_job_without_schedule_is_refused() -> None:
    result = cli("check", "--spec", "networkpolicy-cronjob-matching.yaml", cwd=KUBE_SCORE)
    assert result.exit_code == 2
    assert "networkpolicy-cronjob-matching.yaml:19:1: spec: missing required field " \
           "'schedule'" in result.stderr
    assert 'unsupported restartPolicy "Always" (the default)' in result.stderr


def test_crlf_lists_and_dumps_load() -> None:
    listed = cli("show", "--spec", "list.yaml", cwd=KUBE_SCORE)
    assert listed.exit_code == 0, listed.output
    assert "pod default/list-deployment-test-" in listed.stdout
    assert "default/list-service-test  ClusterIP" in listed.stdout
    bookinfo = cli("trace", "--spec", str(PUBLIC / "netpol-analyzer" / "k8s_ingress_test"),
                   "default/productpage-v1-6b746f74dc-kkzzk", "details", "--port", "9080")
    assert bookinfo.exit_code == 0, bookinfo.output  # the analyzer: all connections


def test_a_namespace_list_from_the_api_loads() -> None:
    path = PUBLIC / "network-config-analyzer" / "service_and_ingress_resources" / "ns_list.json"
    result = cli("show", "--spec", str(path))
    assert result.exit_code == 0, result.output
    assert ("namespaces  default, dlaas, kube-public, kube-system, kube-system-dummy-to-ignore, "
            "url-fetcher-ns, vendor-cert-store, vendor-system") in result.stdout


def test_popeye_policies_lint_as_written() -> None:
    result = json_of("check", "--spec", str(PUBLIC / "popeye" / "np-1.yaml"))
    assert result.exit_code == 0, result.output
    rules = [(f["rule"], f["location"]["line"]) for f in result.json["findings"]]
    assert rules == [("NP001", 97), ("NP002", 22), ("NP002", 50), ("NP002", 84), ("NP002", 97)]
