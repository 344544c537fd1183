"""Reading manifests through the whole pipeline (`load_spec`): files, directories and globs
relative to the spec, multi-document files and `kind: List`, inline manifests, a plain manifests
directory as a Kubernetes-only spec, ignored kinds, and every error located in its file.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from netpath.load.errors import SpecErrors
from netpath.load.schema import validate
from netpath.load.source import Position
from netpath.sources.kubernetes.manifests import STDIN, in_document, is_manifest_spec, manifest_spec
from netpath.sources.loader import LoadedSpec, load_spec
from tests.cli.helpers import run_cli
from tests.sources.kubernetes.test_objects import files_pods, files_services

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of fixtures/ as the working directory (paths are shown as written)."""
    shutil.copytree(FIXTURES, tmp_path / "kube")
    monkeypatch.chdir(tmp_path / "kube")
    return tmp_path / "kube"


def load(path: str) -> LoadedSpec:
    return load_spec(Path(path))


# --- a spec with manifests from a directory, a glob and inline --------------------------------


def test_directory_glob_and_inline_manifests(here: Path) -> None:
    loaded = load("eks/netpath.yaml")
    cluster = loaded.model.clusters["eks"]
    assert sorted(files_pods(cluster)) == ["api/api-0", "api/api-1", "shop/db-0", "shop/web-0",
                                           "shop/web-1", "shop/web-2"]  # not apps/worker.yml
    assert sorted(files_services(cluster)) == ["shop/db", "shop/web"]
    assert list(cluster.network_policies) == ["shop/web-ingress"]
    assert list(cluster.namespaces) == ["api", "default", "inline-ns", "kube-system", "shop"]
    assert cluster.namespaces["shop"].labels == {"team": "shop",
                                                 "kubernetes.io/metadata.name": "shop"}
    assert cluster.ignored == ("ConfigMap shop/web-config (eks/k8s/shop.yaml:27)",)
    assert loaded.files == ("eks/netpath.yaml", "eks/k8s/00-namespaces.yaml",
                            "eks/k8s/list.yaml", "eks/k8s/shop.yaml", "eks/k8s/zz-extras.yaml",
                            "eks/apps/api.yaml")
    assert cluster.pods["shop/db-0"].security_groups == ("sg-db",)
    assert cluster.pods["shop/web-0"].security_groups == ()
    ingress = cluster.ingresses["shop/web"]
    assert (ingress.ingress_class, ingress.controller) == ("nginx", "k8s.io/ingress-nginx")


def test_paths_of_manifest_objects_resolve_to_their_files(here: Path) -> None:
    loaded = load("eks/netpath.yaml")
    cluster, where = loaded.model.clusters["eks"], loaded.source_map.locate
    # k8s/ is entry 0: its documents are numbered across its files, in name order.
    assert cluster.namespaces["shop"].path == ("clusters", "eks", "manifests", 0, 0)
    assert where(cluster.namespaces["shop"].path) == Position("eks/k8s/00-namespaces.yaml", 1, 1)
    db = cluster.pods["shop/db-0"]  # the first item of the List in list.yaml
    assert db.path == ("clusters", "eks", "manifests", 0, 1, "items", 0)
    assert where(db.path) == Position("eks/k8s/list.yaml", 5, 5)
    assert where((*db.path, "status", "podIP")) == Position("eks/k8s/list.yaml", 11, 30)
    web = cluster.services["shop/web"]  # the second document of shop.yaml
    assert where(web.ports[0].path) == Position("eks/k8s/shop.yaml", 25, 11)
    assert where(cluster.pods["api/api-0"].path) == Position("eks/apps/api.yaml", 1, 1)
    # An inline manifest is where the spec wrote it.
    assert where(cluster.namespaces["inline-ns"].path) == Position("eks/netpath.yaml", 27, 9)


def test_a_spec_directory_resolves_manifests_relative_to_itself(here: Path) -> None:
    loaded = load("eks")
    assert len(files_pods(loaded.model.clusters["eks"])) == 6
    assert "eks/k8s/shop.yaml" in loaded.files


def test_a_spec_is_read_relative_to_its_own_directory(here: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(here / "eks" / "k8s")
    loaded = load(os.path.join("..", "netpath.yaml"))
    assert len(files_pods(loaded.model.clusters["eks"])) == 6
    assert "../k8s/shop.yaml" in loaded.files


def test_same_file_listed_twice_is_read_once(here: Path) -> None:
    spec = here / "eks" / "netpath.yaml"
    spec.write_text(spec.read_text().replace("- apps/*.yaml", "- apps/*.yaml\n      - k8s/*"))
    # k8s/* also matches README.md: globs, like directories, take manifest files only.
    loaded = load("eks/netpath.yaml")
    assert sorted(files_services(loaded.model.clusters["eks"])) == ["shop/db", "shop/web"]


def test_the_show_command_lists_the_cluster(here: Path) -> None:
    result = run_cli("show", "--spec", "eks/netpath.yaml", cwd=here, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    for expected in ("cluster eks", "aws-vpc-cni", "NetworkPolicy not enforced",
                     "node node-1  10.0.10.100  instance node-1", "pod shop/db-0  10.0.10.20",
                     "shop/web  ClusterIP  10.100.0.2", "ConfigMap shop/web-config",
                     "shop/web  class nginx  controller k8s.io/ingress-nginx",
                     "shop/db  pods app=db  sg-db", "[sg-db]",
                     "assigned 3 pod IPs to shop/web (Deployment)"):
        assert expected in text, expected


# --- a Kubernetes-only spec from plain manifests ---------------------------------------------


@pytest.mark.parametrize("path", ["plain", "plain/", "plain/backend.yaml"])
def test_plain_manifests_are_a_kubernetes_only_spec(here: Path, path: str) -> None:
    assert is_manifest_spec(Path(path))
    cluster = load(path).model.clusters["cluster"]
    assert (cluster.vpc, cluster.cni, cluster.enforces_network_policy) == (None, "calico", True)
    assert (str(cluster.service_cidr), str(cluster.dns_ip), cluster.dns_domain) == (
        "10.96.0.0/12", "10.96.0.10", "cluster.local")
    assert {n: str(node.ip) for n, node in cluster.nodes.items()} == {
        "node-0": "192.168.0.10", "node-1": "192.168.0.11", "node-2": "192.168.0.12"}
    assert "backend/api-0" in cluster.pods


def test_plain_manifests_directory_in_full(here: Path) -> None:
    loaded = load("plain")
    cluster = loaded.model.clusters["cluster"]
    assert sorted(files_pods(cluster)) == ["backend/api-0", "frontend/web-0", "frontend/web-1"]
    assert cluster.ignored == ("ClusterRole reader (plain/backend.yaml:31)",)
    assert loaded.files == ("plain", "plain/backend.yaml", "plain/frontend.yaml")
    assert loaded.source_map.locate(cluster.pods["frontend/web-0"].path) == Position(
        "plain/frontend.yaml", 6, 1)


@pytest.mark.parametrize(("display", "is_file"), [
    ("plain", False), ("plain/backend.yaml", True), (STDIN, True)])
def test_the_spec_made_for_plain_manifests_is_valid(display: str, is_file: bool) -> None:
    """The loader does not check it against the schema at run time: it is valid as made."""
    assert validate(manifest_spec(display, is_file).data) == []


def test_a_netpath_spec_is_not_taken_for_manifests(here: Path) -> None:
    assert not is_manifest_spec(Path("eks/netpath.yaml"))
    assert not is_manifest_spec(Path("eks"))
    flow = here / "flow.yaml"
    flow.write_text("{netpath: 1, description: flow style}\n")
    assert not is_manifest_spec(flow)
    flow.write_text("{apiVersion: v1, kind: Namespace, metadata: {name: x}}\n")
    assert is_manifest_spec(flow)


def test_plain_manifests_show(here: Path) -> None:
    result = run_cli("show", "--spec", "plain/", cwd=here)
    assert result.exit_code == 0, result.stderr
    assert "Kubernetes only (flat pod network)" in result.stdout


# --- errors, located in the manifest files ---------------------------------------------------

SPEC = """\
netpath: 1
vpcs:
  prod:
    cidr: 10.0.0.0/16
    region: us-east-1
    subnets:
      private-a: {cidr: 10.0.10.0/24, az: us-east-1a}
    instances:
      node-1: {subnet: private-a, private_ip: 10.0.10.100}
clusters:
  eks:
    vpc: prod
    nodes:
      node-1: {instance: node-1}
    manifests:
"""


@dataclass(frozen=True)
class ErrorCase:
    description: str
    manifest: str
    manifests: tuple[str, ...]
    errors: tuple[str, ...]


def _error_cases() -> list[ErrorCase]:
    raw = yaml.safe_load((FIXTURES / "errors.yaml").read_text())["cases"]
    return [ErrorCase(c["description"], c["manifest"], tuple(c.get("manifests") or
                                                            ["k8s/case.yaml"]),
                      tuple(c["errors"])) for c in raw]


def load_errors(root: Path, manifest: str, entries: tuple[str, ...]) -> list[str]:
    (root / "k8s").mkdir()
    (root / "empty").mkdir()
    (root / "k8s" / "case.yaml").write_text(manifest)
    (root / "netpath.yaml").write_text(SPEC + "".join(f"      - {e}\n" for e in entries))
    with pytest.raises(SpecErrors) as caught:
        load_spec(Path("netpath.yaml"))
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize("case", _error_cases(), ids=lambda c: c.description)
def test_errors_are_located_in_the_manifest(case: ErrorCase, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_errors(tmp_path, case.manifest, case.manifests) == list(case.errors)


def test_bad_manifests_exit_2_without_a_traceback(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "web.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
        "spec:\n  ports:\n    - port: 80\n      targetPort: [80]\n")
    result = run_cli("show", "--spec", "k8s/", cwd=tmp_path)
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert ("k8s/web.yaml:7:7: spec.ports[0].targetPort: expected a port number or name, "
            "got [80]") in result.stderr


def test_kubectl_yaml_1_1_numbers_do_not_break_a_manifest(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`defaultMode: 0644` is octal to kubectl; netpath refuses such readings in specs, but a
    manifest must load when the field is one netpath never reads."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  volumes:\n"
        "    - {name: v, configMap: {name: c, defaultMode: 0644}}\n"
        "  containers: [{name: a, image: a, volumeMounts: [{name: v, mountPath: /v}]}]\n")
    assert "default/a" in load("pod.yaml").model.clusters["cluster"].pods


def test_in_document_keeps_spec_paths_of_inline_manifests() -> None:
    from netpath.load.errors import SpecError

    inline = SpecError("x", ("clusters", "eks", "manifests", 2, "spec", "ports", 0))
    in_file = SpecError("x", ("clusters", "eks", "manifests", 2, 5, "spec", "ports", 0))
    entry = SpecError("x", ("clusters", "eks", "manifests", 2))
    assert in_document(inline) == inline
    assert in_document(in_file).path == ("spec", "ports", 0)
    assert in_document(entry) == entry
