"""Manifests validated as the Kubernetes API server validates them.

Refusals come out located, with the API server's reasons (fixtures/apiserver.yaml, through the
whole loader); the format rules themselves are checked against values from apimachinery's own
tests (`validation_test.go`, `kube_test.go`); and what the API server *accepts* loads, even
where netpath used to refuse it or leave it out silently: an IPv6 ipBlock (left out with a
located note), a CIDR with host bits or leading zeros (with the API server's warnings), an
Ingress whose class annotation agrees with `ingressClassName`.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

import pytest
import yaml

from netpath.sources.kubernetes import validation as v
from netpath.sources.netpath_spec.builder import build_model
from tests.sources.kubernetes.test_manifests import FIXTURES, ErrorCase, load_errors
from tests.sources.kubernetes.test_objects import files_pods, kube, kube_errors, spec


def _cases() -> list[ErrorCase]:
    raw = yaml.safe_load((FIXTURES / "apiserver.yaml").read_text())["cases"]
    return [ErrorCase(c["description"], c["manifest"], ("k8s/case.yaml",), tuple(c["errors"]))
            for c in raw]


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.description)
def test_the_api_servers_refusals_are_located(case: ErrorCase, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_errors(tmp_path, case.manifest, case.manifests) == list(case.errors)


# --- the format rules, on apimachinery's own test values -------------------------------------


@pytest.mark.parametrize("key", [
    "simple", "now-with-dashes", "1-starts-with-num", "1234", "simple/simple",
    "now-with-dashes/simple", "now-with-dashes/now-with-dashes", "now.with.dots/simple",
    "now-with.dashes-and.dots/simple", "1-num.2-num/3-num", "1234/5678", "1.2.3.4/5678",
    "Uppercase_Is_OK_123", "example.com/Uppercase_Is_OK_123", "requests.storage-foo",
    "a" * 63, "a" * 253 + "/" + "b" * 63,
])
def test_good_label_keys(key: str) -> None:
    assert v.is_label_key(key) == []


@pytest.mark.parametrize("key", [
    "nospecialchars%^=@", "cantendwithadash-", "-cantstartwithadash-", "only/one/slash",
    "Example.com/abc", "example_com/abc", "example.com/", "/simple", "a" * 64,
    "a" * 254 + "/abc",
])
def test_bad_label_keys(key: str) -> None:
    assert v.is_label_key(key) != []


def test_label_key_reasons_are_the_api_servers() -> None:
    assert v.is_label_key("/simple") == ["prefix part must be non-empty"]
    assert v.is_label_key("a" * 64) == ["name part must be no more than 63 bytes"]
    assert v.is_label_key("Example.com/abc") == [
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
        "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. "
        "'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"]


@pytest.mark.parametrize("value", ["", "simple", "now-with-dashes", "1-starts-with-num",
                                   "end-with-num-1", "1234", "a" * 63,
                                   "Uppercase_Is_OK_123", "now.with.dots"])
def test_good_label_values(value: str) -> None:
    assert v.is_label_value(value) == []


@pytest.mark.parametrize("value", ["nospecialchars%^=@", "Tama-nui-te-rā.is.Māori.sun",
                                   "\\backslashes\\are\\bad", "-starts-with-dash",
                                   "ends-with-dash-", ".starts.with.dot", "ends.with.dot.",
                                   "a" * 64, "a\n"])
def test_bad_label_values(value: str) -> None:
    # "a\n": Go's `$` is the end of the text, not before a final newline as Python's re.match.
    assert v.is_label_value(value) != []


@pytest.mark.parametrize("name, good", [
    ("a", True), ("ab", True), ("abc", True), ("a1", True), ("a-1", True), ("a--1--2--b", True),
    ("0", True), ("01", True), ("1-a", True), ("a" * 63, True),
    ("", False), ("A", False), ("ABC", False), ("aBc", False), ("A1", False), ("a-", False),
    ("-a", False), ("a.b", False), ("a_b", False), ("a b", False), ("a" * 64, False),
])
def test_dns1123_labels(name: str, good: bool) -> None:
    assert (v.is_dns1123_label(name) == []) is good


@pytest.mark.parametrize("name, good", [
    ("a", True), ("a.b", True), ("a.b.c", True), ("1.2.3", True), ("a-1.b-2", True),
    ("a" * 253, True), ("a..b", False), (".a", False), ("a.", False), ("A.b", False),
    ("a_b", False), ("a" * 254, False),
])
def test_dns1123_subdomains(name: str, good: bool) -> None:
    assert (v.is_dns1123_subdomain(name) == []) is good


@pytest.mark.parametrize("name, good", [
    ("a", True), ("ab", True), ("a1", True), ("a-1", True), ("a" * 63, True),
    ("0", False), ("01", False), ("1-a", False), ("A", False), ("a-", False), ("a.b", False),
])
def test_dns1035_labels(name: str, good: bool) -> None:
    assert (v.is_dns1035_label(name) == []) is good


def test_name_rules_per_kind() -> None:
    assert v.name_problems("Pod", "web.v2") == []
    assert v.name_problems("Service", "web.v2") != []  # a DNS-1035 label: no dots
    assert v.name_problems("Service", "2web") != []
    assert v.name_problems("Namespace", "2team") == []  # a DNS-1123 label may start with one
    assert v.name_problems("CronJob", "c" * 53) == ["must be no more than 52 characters"]
    assert v.name_problems("CronJob", "c" * 52) == []


@pytest.mark.parametrize("name, reasons", [
    ("http", []), ("a", []), ("h-t-t-p", []), ("80-http", []), ("x" * 15, []),
    ("", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
          "must contain at least one letter (a-z)"]),
    ("x" * 16, ["must be no more than 15 bytes"]),
    ("80", ["must contain at least one letter (a-z)"]),
    ("http--1", ["must not contain consecutive hyphens"]),
    ("-http", ["must not begin or end with a hyphen"]),
    ("web_1", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
])
def test_port_names(name: str, reasons: list[str]) -> None:
    assert v.is_port_name(name) == reasons


def test_regex_error_joins_examples_as_go_does() -> None:
    assert v.regex_error("msg", "re") == "msg (regex used for validation is 're')"
    assert v.regex_error("msg", "re", "a", "b") == (
        "msg (e.g. 'a',  or 'b', regex used for validation is 're')")


@pytest.mark.parametrize("text, network", [
    ("10.0.0.0/8", IPv4Network("10.0.0.0/8")),
    ("10.1.2.3/8", IPv4Network("10.0.0.0/8")),  # host bits: masked off (with a warning)
    ("010.001.0.0/16", IPv4Network("10.1.0.0/16")),  # leading zeros are decimal, not octal
    ("10.0.0.0/08", IPv4Network("10.0.0.0/8")),
    ("2001:db8::/32", IPv6Network("2001:db8::/32")),
    ("2001:DB8:0:0::/48", IPv6Network("2001:db8::/48")),
    ("A", None), ("10.0.0.0", None), ("10.0.0.0/33", None), ("10.0.0.0/255.0.0.0", None),
    (" 10.0.0.0/8", None), ("10.0.0.0/8 ", None), ("10.0.0/16", None), ("256.0.0.0/8", None),
    ("2001:db8::/129", None), ("fe80::1%eth0/64", None), ("10.0.0.0/-1", None), ("", None),
])
def test_cidrs_are_read_as_the_api_server_reads_them(text: str,
                                                     network: IPv4Network | None) -> None:
    assert v.parse_cidr(text)[0] == network


def test_cidr_warnings_are_the_api_servers() -> None:
    assert v.parse_cidr("10.0.0.0/8")[1] == ()
    assert v.parse_cidr("10.1.2.3/8")[1] == (
        'CIDR value "10.1.2.3/8" is ambiguous in this context (should be "10.0.0.0/8" or '
        '"10.1.2.3/32"?)',)
    assert v.parse_cidr("010.0.0.0/8")[1] == (
        'non-standard CIDR value "010.0.0.0/8" will be considered invalid in a future '
        'Kubernetes release: use "10.0.0.0/8"',)
    assert v.parse_cidr("2001:DB8::/32")[1] == (
        'IPv6 CIDR value "2001:DB8::/32" should be in RFC 5952 canonical format '
        '("2001:db8::/32")',)


# --- what the API server accepts ---------------------------------------------------------------

POLICY = """
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: p, namespace: shop}
  spec:
    podSelector: {}
    ingress:
      - from: [{ipBlock: {cidr: "2001:db8::/32", except: ["2001:db8:1::/48"]}}]
      - from:
          - ipBlock: {cidr: "2001:db8::/32"}
          - ipBlock: {cidr: 10.1.2.3/16, except: [010.1.5.0/24]}
"""


def test_an_ipv6_ip_block_is_left_out_with_a_located_note() -> None:
    cluster, model = kube(POLICY)
    rules = cluster.network_policies["shop/p"].ingress
    # The rule whose only peer is IPv6 admits no IPv4 peer: it is gone, not widened to "all".
    assert len(rules) == 1
    (peer,) = rules[0].peers
    assert peer.ip_block is not None
    assert peer.ip_block.cidr == IPv4Network("10.1.0.0/16")
    assert peer.ip_block.except_ == (IPv4Network("10.1.5.0/24"),)
    notes = [n for n in model.notes if "NetworkPolicy shop/p" in n]
    assert notes == [
        "clusters.eks.manifests[0].spec.ingress[0].from[0].ipBlock.cidr: NetworkPolicy shop/p: "
        "ipBlock 2001:db8::/32 is IPv6, which netpath does not model: this peer is left out (it "
        "matches no IPv4 address)",
        "clusters.eks.manifests[0].spec.ingress[1].from[0].ipBlock.cidr: NetworkPolicy shop/p: "
        "ipBlock 2001:db8::/32 is IPv6, which netpath does not model: this peer is left out (it "
        "matches no IPv4 address)",
        'clusters.eks.manifests[0].spec.ingress[1].from[1].ipBlock.cidr: NetworkPolicy shop/p: '
        'the API server warns: CIDR value "10.1.2.3/16" is ambiguous in this context (should be '
        '"10.1.0.0/16" or "10.1.2.3/32"?)',
        'clusters.eks.manifests[0].spec.ingress[1].from[1].ipBlock.except[0]: NetworkPolicy '
        'shop/p: the API server warns: non-standard CIDR value "010.1.5.0/24" will be '
        'considered invalid in a future Kubernetes release: use "10.1.5.0/24"',
    ]


def test_the_ipv6_note_is_located_in_the_manifest_file(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from netpath.sources.loader import load_spec

    monkeypatch.chdir(tmp_path)
    (tmp_path / "np.yaml").write_text(yaml.safe_dump(yaml.safe_load(POLICY)[0]))
    notes = load_spec(Path("np.yaml")).model.notes
    assert any(n.startswith("np.yaml:") and "is IPv6" in n for n in notes), notes


def test_what_the_api_server_accepts_loads() -> None:
    cluster, _ = kube("""
        - apiVersion: v1
          kind: Namespace
          metadata: {name: 1team, namespace: ignored-on-a-cluster-scoped-kind}
        - apiVersion: v1
          kind: Pod
          metadata:
            name: web.v2
            namespace: 1team
            labels: {example.com/Tier_1: "", app: Web_1.x}
            annotations: {Example.COM/Owner: "anything at all: even spaces"}
          spec:
            containers:
              - name: c
                image: registry.example.com/web:2.0
                ports: [{name: h-t-t-p, containerPort: 80}, {name: x80, containerPort: 81}]
        - apiVersion: networking.k8s.io/v1
          kind: Ingress
          metadata: {name: i, namespace: 1team, annotations: {kubernetes.io/ingress.class: alb}}
          spec:
            ingressClassName: alb
            defaultBackend: {service: {name: web, port: {name: http}}}
        - apiVersion: v1
          kind: Service
          metadata: {name: web, namespace: 1team}
          spec: {type: NodePort, selector: {app: Web_1.x},
                 ports: [{name: http, port: 80, targetPort: h-t-t-p}]}
    """)
    assert cluster.pods["1team/web.v2"].labels == {"example.com/Tier_1": "", "app": "Web_1.x"}
    assert cluster.ingresses["1team/i"].ingress_class == "alb"


# --- workload selectors and pod containers ---------------------------------------------------


def test_versions_that_default_the_selector_load_without_one() -> None:
    """extensions/v1beta1 and apps/v1beta1 fill a missing selector with the template's labels
    (`SetDefaults_Deployment` and friends): loaded, the pods are the template's; apps/v1 with
    the selector written is the same workload."""
    cluster, _ = kube("""
        - apiVersion: extensions/v1beta1
          kind: Deployment
          metadata: {name: old}
          spec:
            replicas: 2
            template:
              metadata: {labels: {app: old}}
              spec: {containers: [{name: old, image: old, ports: [{containerPort: 80}]}]}
        - apiVersion: extensions/v1beta1
          kind: DaemonSet
          metadata: {name: agent}
          spec:
            template:
              metadata: {labels: {app: agent}}
              spec: {containers: [{name: agent, image: agent}]}
        - apiVersion: apps/v1beta1
          kind: StatefulSet
          metadata: {name: db}
          spec:
            template:
              metadata: {labels: {app: db}}
              spec: {containers: [{name: db, image: db}]}
        - apiVersion: apps/v1
          kind: Deployment
          metadata: {name: new}
          spec:
            replicas: 2
            selector: {matchLabels: {app: new}}
            template:
              metadata: {labels: {app: new}}
              spec: {containers: [{name: new, image: new, ports: [{containerPort: 80}]}]}
    """)
    pods = files_pods(cluster)
    assert sorted(pods) == ["default/agent-node-1", "default/agent-node-2", "default/db-0",
                            "default/new-0", "default/new-1", "default/old-0", "default/old-1"]
    assert pods["default/old-0"].labels == {"app": "old"}
    assert pods["default/old-0"].owner == "Deployment/old"
    assert pods["default/old-0"].ports == pods["default/new-0"].ports


def test_a_missing_template_is_one_error_not_two() -> None:
    """Without a template there is no pod spec to say more of: the missing template is the
    error (with what follows from it: no labels for the selector, the default restartPolicy),
    not its containers too."""
    assert kube_errors("""
        - apiVersion: apps/v1
          kind: Deployment
          metadata: {name: web}
          spec: {replicas: 1, selector: {matchLabels: {app: web}}}
        - apiVersion: batch/v1
          kind: CronJob
          metadata: {name: report}
          spec: {schedule: "0 2 * * *", jobTemplate: {spec: {}}}
    """) == [
        {"path": "clusters.eks.manifests[0].spec", "hint": None,
         "message": "missing required field 'template'"},
        {"path": "clusters.eks.manifests[0].spec.selector", "hint": None,
         "message": "selector app=web does not match the template's labels (none); Kubernetes "
                    "refuses such a Deployment"},
        {"path": "clusters.eks.manifests[1].spec.jobTemplate.spec", "hint": None,
         "message": "missing required field 'template'"},
        {"path": "clusters.eks.manifests[1].spec.jobTemplate.spec.template",
         "hint": "a Job's pods must not restart forever: write restartPolicy: OnFailure or Never",
         "message": 'unsupported restartPolicy "Always" (the default): supported values: '
                    '"OnFailure", "Never"'}]


@pytest.mark.parametrize("containers", [
    "[{name: a, image: a}]",
    "[{name: a, image: a}, {name: b, image: b, ports: [{containerPort: 80}]}]",
])
def test_a_pod_with_containers_loads(containers: str) -> None:
    cluster, _ = kube(f"""
        - {{apiVersion: v1, kind: Pod, metadata: {{name: p}}, spec: {{containers: {containers}}}}}
    """)
    assert "default/p" in files_pods(cluster)


def test_containers_of_the_wrong_type_are_reported_once() -> None:
    """`containers: nginx` is a wrong type (reported as such), not also a missing list."""
    assert kube_errors("""
        - {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: nginx}}
    """) == [{"path": "clusters.eks.manifests[0].spec.containers", "hint": None,
              "message": "expected a list, got 'nginx'"}]


# --- Helm test hooks, Jobs and CronJobs, the default namespace ------------------------------

JOBS = """
- apiVersion: batch/v1
  kind: Job
  metadata: {name: migrate}
  spec:
    parallelism: 3
    completions: 2
    selector: {matchLabels: {job-name: migrate}}
    template:
      metadata: {labels: {app: migrate}}
      spec: {restartPolicy: Never, containers: [{name: migrate, image: migrate}]}
- apiVersion: batch/v1
  kind: Job
  metadata: {name: manual, namespace: ops}
  spec:
    manualSelector: true
    selector: {matchLabels: {app: manual}}
    template:
      metadata: {labels: {app: manual}}
      spec: {restartPolicy: OnFailure, containers: [{name: manual, image: manual}]}
- apiVersion: batch/v1
  kind: Job
  metadata: {name: held}
  spec:
    suspend: true
    template: {spec: {restartPolicy: Never, containers: [{name: held, image: held}]}}
- apiVersion: batch/v1
  kind: CronJob
  metadata: {name: report}
  spec:
    schedule: "0 2 * * *"
    jobTemplate:
      spec:
        parallelism: 2
        template:
          metadata: {labels: {app: report}}
          spec: {restartPolicy: OnFailure, containers: [{name: report, image: report}]}
- apiVersion: v1
  kind: Pod
  metadata:
    name: web-test
    annotations: {helm.sh/hook: "Test, test-success"}
  spec: {containers: [{name: test, image: test}]}
- apiVersion: v1
  kind: Pod
  metadata: {name: seeded, annotations: {helm.sh/hook: post-install}}
  spec: {containers: [{name: seed, image: seed}]}
"""


def test_jobs_cron_jobs_and_helm_hooks_with_a_default_namespace() -> None:
    model, errors = build_model(spec(JOBS), None, "shop")
    assert errors == []
    cluster = model.clusters["eks"]
    assert sorted(files_pods(cluster)) == ["ops/manual-0", "shop/migrate-0", "shop/migrate-1",
                                           "shop/report-0", "shop/report-1", "shop/seeded"]
    migrate = cluster.pods["shop/migrate-0"]
    assert migrate.labels == {"app": "migrate", "job-name": "migrate",
                              "batch.kubernetes.io/job-name": "migrate"}
    assert migrate.owner == "Job/migrate"
    assert cluster.pods["ops/manual-0"].labels == {"app": "manual"}  # manual: no added labels
    assert cluster.pods["shop/report-0"].labels == {"app": "report"}
    assert cluster.pods["shop/report-0"].owner == "CronJob/report"
    assert cluster.ignored == (
        "Pod shop/web-test (clusters.eks.manifests[4]): a Helm test hook (helm.sh/hook: "
        "Test, test-success), skipped: `helm install` does not create it, `helm test` "
        "runs it",)
    assert "Job shop/held is suspended: it runs no pods" in model.notes
    assert list(cluster.namespaces) == ["default", "kube-system", "ops", "shop"]


def test_a_test_hook_that_is_also_an_install_hook_is_created_by_helm_install() -> None:
    """Helm's manifest sorter gives an object every event its hook annotation lists: with
    `post-install` among them, `helm install` creates it."""
    model, errors = build_model(spec("""
- apiVersion: v1
  kind: Pod
  metadata:
    name: smoke
    annotations: {helm.sh/hook: "post-install,test"}
  spec: {containers: [{name: smoke, image: smoke}]}
"""), None, "shop")
    assert errors == []
    assert "shop/smoke" in files_pods(model.clusters["eks"])
    assert model.clusters["eks"].ignored == ()


def test_a_job_read_back_from_the_api_server_keeps_its_generated_selector() -> None:
    """`kubectl get job -o yaml`: the API server wrote the selector it generated from the Job's
    uid, and the controller-uid labels on the template; that is no hand-written selector."""
    uid = "8c6f1f3a-5d2e-4b7a-9e51-0c1d2e3f4a5b"
    model, errors = build_model(spec(f"""
- apiVersion: batch/v1
  kind: Job
  metadata: {{name: migrate, namespace: shop, uid: {uid}}}
  spec:
    manualSelector: false
    selector:
      matchLabels: {{batch.kubernetes.io/controller-uid: {uid}}}
    template:
      metadata:
        labels:
          batch.kubernetes.io/controller-uid: {uid}
          batch.kubernetes.io/job-name: migrate
          controller-uid: {uid}
          job-name: migrate
      spec: {{restartPolicy: Never, containers: [{{name: m, image: m}}]}}
"""), None, "shop")
    assert errors == []
    assert "shop/migrate-0" in files_pods(model.clusters["eks"])


def test_egress_rules_that_are_all_ipv6_still_isolate_the_pod_for_egress() -> None:
    """SetDefaults_NetworkPolicy adds Egress to policyTypes when spec.egress is written: the
    IPv6-only rule netpath leaves out still makes the pod egress-isolated (no IPv4 egress)."""
    cluster, _ = kube("""
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: v6-out, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: a}}
    egress: [{to: [{ipBlock: {cidr: "2001:db8::/64"}}]}]
""")
    policy = cluster.network_policies["shop/v6-out"]
    assert policy.egress == ()
    assert policy.policy_types == ("Ingress", "Egress")


def test_a_node_affinity_bound_that_is_no_integer_matches_no_node() -> None:
    """The scheduler reads Gt/Lt values as integers; one that is not matches nothing (it used
    to end netpath with an internal error)."""
    from netpath.sources.kubernetes.scheduling import NodeRequirement

    requirement = NodeRequirement("cores", "Gt", ("many",))
    assert not requirement.matches("node-1", {"cores": "8"})
    assert NodeRequirement("cores", "Gt", ("4",)).matches("node-1", {"cores": "8"})


@pytest.mark.parametrize(("kind", "what"), [("Deployment", "deployment"),
                                            ("ReplicaSet", "deployment"),
                                            ("StatefulSet", "statefulset"),
                                            ("DaemonSet", "daemonset")])
def test_an_empty_workload_selector_is_refused(kind: str, what: str) -> None:
    errors = kube_errors(f"""
- apiVersion: apps/v1
  kind: {kind}
  metadata: {{name: web}}
  spec:
    selector: {{matchLabels: {{}}}}
    template:
      metadata: {{labels: {{app: web}}}}
      spec: {{containers: [{{name: web, image: web}}]}}
""")
    assert [(e["path"], e["message"].split(":")[0]) for e in errors] == [
        ("clusters.eks.manifests[0].spec.selector", f"empty selector is invalid for {what}")]


# --- containers, and the selectors the API server accepts -------------------------------------


def test_container_names_are_unique_per_pod_and_ephemeral_containers_are_not_read() -> None:
    """Names are unique within one pod's containers and init containers, not across pods; an
    image is any non-empty text without surrounding whitespace. A dumped Pod's
    `ephemeralContainers` (added by `kubectl debug` through their subresource, which checks
    them) are not read."""
    cluster, _ = kube("""
        - apiVersion: v1
          kind: Pod
          metadata: {name: web, labels: {app: web}}
          spec:
            initContainers: [{name: wait-for-db, image: "busybox:1.36"}]
            containers:
              - {name: app, image: "registry.example.com/shop/web:1.4.2-alpine"}
              - {name: metrics-exporter-2, image: "prom/statsd-exporter:v0.26.1"}
            ephemeralContainers: [{name: app, image: busybox, targetContainerName: app}]
        - apiVersion: apps/v1
          kind: Deployment
          metadata: {name: api}
          spec:
            selector: {matchLabels: {app: api}}
            template:
              metadata: {labels: {app: api}}
              spec:
                initContainers: [{name: migrate, image: "ghcr.io/acme/api:2.0"}]
                containers: [{name: app, image: "ghcr.io/acme/api:2.0"}]
    """)
    assert sorted(files_pods(cluster)) == ["default/api-0", "default/web"]


def test_a_job_selector_left_empty_becomes_the_generated_one() -> None:
    """Without manualSelector the API server adds the controller-uid label to a written selector
    (`generateSelector`), so `selector: {}` is accepted: the Job's pods carry the labels the
    controller adds, as without a selector."""
    cluster, _ = kube("""
        - apiVersion: batch/v1
          kind: Job
          metadata: {name: migrate}
          spec:
            selector: {}
            template:
              metadata: {labels: {app: migrate}}
              spec: {restartPolicy: Never, containers: [{name: m, image: "ghcr.io/acme/m:1"}]}
    """)
    assert files_pods(cluster)["default/migrate-0"].labels == {
        "app": "migrate", "job-name": "migrate", "batch.kubernetes.io/job-name": "migrate"}


def test_a_manual_job_selector_left_empty_is_accepted_with_a_note() -> None:
    """`ValidateJobSpec` asks a manual selector to exist and to match the template; `{}` does
    (it matches every label set), so the API server accepts it, and the Job selects every pod
    of its namespace: a located note says so."""
    cluster, model = kube("""
        - apiVersion: batch/v1
          kind: Job
          metadata: {name: migrate, namespace: shop}
          spec:
            manualSelector: true
            selector: {}
            template:
              metadata: {labels: {app: migrate}}
              spec: {restartPolicy: Never, containers: [{name: m, image: "ghcr.io/acme/m:1"}]}
    """)
    assert files_pods(cluster)["shop/migrate-0"].labels == {"app": "migrate"}
    assert ("clusters.eks.manifests[0].spec.selector: Job shop/migrate: manualSelector: true "
            "with an empty selector selects every pod of its namespace") in model.notes


def test_a_service_with_an_empty_selector_has_no_selector() -> None:
    """`selector: {}` on a Service is no selector ("If empty or not present, the service is
    assumed to have an external process managing its endpoints"): its endpoints are its
    Endpoints object's, never the pods of its namespace."""
    cluster, _ = kube("""
        - apiVersion: v1
          kind: Pod
          metadata: {name: web, labels: {app: web}}
          spec: {containers: [{name: web, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
        - apiVersion: v1
          kind: Service
          metadata: {name: legacy}
          spec: {selector: {}, ports: [{port: 80}]}
        - apiVersion: v1
          kind: Endpoints
          metadata: {name: legacy}
          subsets: [{addresses: [{ip: 10.0.20.60}], ports: [{port: 80}]}]
    """)
    legacy = cluster.services["default/legacy"]
    assert legacy.selector is None
    assert [str(e.ip) for e in legacy.endpoints] == ["10.0.20.60"]
