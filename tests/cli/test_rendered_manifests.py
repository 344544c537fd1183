"""Helm and kustomize output as `--spec`, through the real CLI: objects without a namespace take
`--namespace/-n` (default `default`, as `kubectl apply`), Helm test hooks are skipped and
listed, a hook Job and a CronJob make pods, other kinds are listed as ignored.

The fixtures are shaped exactly like the tools print them:
- `helm-shop.yaml`: `helm template shop ./shop` of a chart with a web and an API Deployment, a
  PostgreSQL StatefulSet, NetworkPolicies, a pre-install migration Job (a hook) and the
  `helm create` test pod (`helm.sh/hook: test`): `---` then `# Source:` before every document,
  the chart's labels (`helm.sh/chart`, `app.kubernetes.io/managed-by: Helm`), no namespace;
- `kustomize-shop.yaml`: `kustomize build overlays/prod` with `namePrefix: prod-`,
  `commonLabels` (in selectors and NetworkPolicy peers too), a ConfigMap generator's hash
  suffix, keys in alphabetical order, kinds in kustomize's order, no namespace.
"""

from __future__ import annotations

from pathlib import Path

from tests.cli.conftest import FakeStack
from tests.cli.helpers import Result, run_cli

RENDERED = Path(__file__).parents[1] / "sources" / "kubernetes" / "fixtures" / "rendered"
HELM = "helm-shop.yaml"  # run from RENDERED, as a user runs netpath beside the rendered file
KUSTOMIZE = "kustomize-shop.yaml"
WIDE = {"COLUMNS": "400"}  # one line per tree entry in `netpath show`


def cli(*args: str) -> Result:
    return run_cli(*args, env=WIDE, cwd=RENDERED)


def trace(spec: str, *args: str) -> Result:
    return cli("trace", "--spec", spec, *args, "-f", "json")


def pairs(result: Result) -> list[tuple[str, str, str, str | None]]:
    return [(e["name"], p["from"], p["verdict"], p["code"])
            for e in result.json["expectations"] for p in e["pairs"]]


# --- a Helm-rendered chart with hooks ---------------------------------------------------------


def test_helm_chart_takes_the_namespace_and_skips_its_test_hook() -> None:
    result = cli("show", "--spec", HELM, "-n", "shop")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for pod in ("shop/shop-web-0", "shop/shop-web-1", "shop/shop-api-0", "shop/shop-api-1",
                "shop/shop-db-0", "shop/shop-migrate-0"):
        assert f"pod {pod} " in out, pod
    assert "shop-web-test-connection" not in out.split("ignored")[0]  # no such pod
    assert ("Pod shop/shop-web-test-connection (" + HELM + ":380): a Helm test hook "
            "(helm.sh/hook: test), skipped: `helm install` does not create it, `helm test` "
            "runs it") in out
    assert f"ServiceAccount shop/shop ({HELM}:3)" in out
    assert f"ConfigMap shop/shop-config ({HELM}:15)" in out
    assert ("Job shop/shop-migrate: netpath models the 1 pod it runs at once as running now; "
            "a completed Job's pods hold no IP") in out
    # The Job controller's labels are on the hook Job's pod.
    assert "job-name=shop-migrate,batch.kubernetes.io/job-name=shop-migrate  Job/shop-migrate" \
        in out


def test_helm_chart_traces() -> None:
    web_to_api = trace(HELM, "-n", "shop", "shop/shop-web-0", "shop/shop-api", "--port", "80")
    assert web_to_api.exit_code == 0, web_to_api.output
    assert web_to_api.json["verdict"] == "reachable"
    assert web_to_api.json["hops"][-1]["name"].startswith("shop/shop-api-")

    migrate = trace(HELM, "-n", "shop", "shop/shop-migrate-0", "shop/shop-db", "--port", "5432")
    assert migrate.exit_code == 0, migrate.output
    assert migrate.json["hops"][-1]["name"] == "shop/shop-db-0"

    web_to_db = trace(HELM, "-n", "shop", "shop/shop-web-0", "shop/shop-db", "--port", "5432")
    assert web_to_db.exit_code == 1, web_to_db.output
    assert web_to_db.json["blocked_by"]["code"] == "NETPOL_INGRESS_DENIED"
    assert web_to_db.json["blocked_by"]["name"] == "shop/shop-db, shop/shop-default-deny"


def test_the_helm_test_pod_is_not_a_source() -> None:
    result = cli("trace", "--spec", HELM, "-n", "shop", "shop/shop-web-test-connection",
                     "shop/shop-web", "--port", "80")
    assert result.exit_code == 2
    assert "unknown source 'shop/shop-web-test-connection'" in result.stderr
    assert "Traceback" not in result.output


def test_helm_chart_check() -> None:
    result = cli("check", "--spec", HELM, "-n", "shop",
                     "helm-shop-expect.yaml", "-f", "json")
    assert result.exit_code == 0, result.output
    assert pairs(result) == [
        ("the web tier reaches the API through its Service", "shop/shop-web-0", "reachable",
         None),
        ("the web tier reaches the API through its Service", "shop/shop-web-1", "reachable",
         None),
        ("the pre-install migration job reaches the database", "shop/shop-migrate-0",
         "reachable", None),
        ("the web tier does not reach the database", "shop/shop-web-0", "blocked",
         "NETPOL_INGRESS_DENIED"),
        ("the web tier does not reach the database", "shop/shop-web-1", "blocked",
         "NETPOL_INGRESS_DENIED"),
    ]
    assert result.json["findings"] == []


def test_without_a_namespace_helm_objects_go_to_default() -> None:
    result = trace(HELM, "default/shop-web-0", "default/shop-api", "--port", "80")
    assert result.exit_code == 0, result.output
    assert result.json["hops"][-1]["name"].startswith("default/shop-api-")
    missing = cli("trace", "--spec", HELM, "shop/shop-web-0", "shop/shop-api")
    assert missing.exit_code == 2
    assert "unknown source 'shop/shop-web-0'" in missing.stderr


# --- a kustomize build with namespace-less objects --------------------------------------------


def test_kustomize_build_show() -> None:
    result = cli("show", "--spec", KUSTOMIZE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for pod in ("default/prod-web-0", "default/prod-web-2", "default/prod-api-1",
                "default/prod-nightly-report-0"):
        assert f"pod {pod} " in out, pod
    assert f"ConfigMap default/prod-web-config-8kd7t2hm5b ({KUSTOMIZE}:1)" in out
    assert ("CronJob default/prod-nightly-report: netpath models one run (1 pod, named "
            "prod-nightly-report-<i>) as if it were active now; between runs it has no pods"
            ) in out


def test_kustomize_build_traces_in_the_given_namespace() -> None:
    web = trace(KUSTOMIZE, "-n", "shop", "shop/prod-web-0", "shop/prod-api", "--port", "8080")
    assert web.exit_code == 0, web.output
    assert web.json["hops"][-1]["name"].startswith("shop/prod-api-")
    report = trace(KUSTOMIZE, "--namespace", "shop", "shop/prod-nightly-report-0",
                   "shop/prod-api", "--port", "8080")
    assert report.exit_code == 1, report.output
    assert report.json["blocked_by"]["code"] == "NETPOL_INGRESS_DENIED"
    assert report.json["blocked_by"]["name"] == "shop/prod-api-from-web"


def test_kustomize_build_check() -> None:
    result = cli("check", "--spec", KUSTOMIZE, "-n", "shop",
                     "kustomize-shop-expect.yaml", "-f", "json")
    assert result.exit_code == 0, result.output
    verdicts = {(name, verdict, code) for name, _, verdict, code in pairs(result)}
    assert verdicts == {
        ("the web tier reaches the API", "reachable", None),
        ("the nightly report does not reach the API", "blocked", "NETPOL_INGRESS_DENIED"),
        ("the web tier is open to the report job", "reachable", None),
    }
    assert len(pairs(result)) == 5  # three web pods, the report pod, the report pod
    # No default-deny in shop: the lint rule says so, as information (exit 0).
    assert [(f["rule"], f["severity"]) for f in result.json["findings"]] == [("NP004", "info")]


def test_the_namespace_is_checked_as_the_api_server_would() -> None:
    result = cli("show", "--spec", KUSTOMIZE, "-n", "Shop_1")
    assert result.exit_code == 2
    assert "invalid namespace 'Shop_1': a lowercase RFC 1123 label must consist of" \
        in result.stderr
    assert "Traceback" not in result.output


def test_every_command_with_a_spec_takes_the_namespace() -> None:
    assert "pod shop/prod-web-0 " in cli("show", "--spec", KUSTOMIZE, "-n", "shop").stdout
    check = cli("check", "--spec", KUSTOMIZE, "-n", "shop", "-f", "json")
    assert check.exit_code == 0, check.output
    assert "namespace shop of cluster cluster has 6 pods" in check.json["findings"][0]["message"]
    assert cli("capacity", "--spec", KUSTOMIZE, "-n", "shop").exit_code == 0
    bad = cli("capacity", "--spec", KUSTOMIZE, "--namespace", "shop.prod")
    assert bad.exit_code == 2
    assert "invalid namespace 'shop.prod': must not contain dots" in bad.stderr


def test_matrix_namespace_filters_and_places() -> None:
    """matrix's -n filters the pods shown; one namespace given is also where objects without
    one go."""
    result = cli("matrix", "--spec", KUSTOMIZE, "-n", "shop", "--port", "8080",
                     "-f", "json")
    assert result.exit_code == 0, result.output
    assert {p for p in result.stdout.split('"') if p.startswith("shop/")} >= {
        "shop/prod-api-0", "shop/prod-web-0", "shop/prod-nightly-report-0"}
    assert "default/" not in result.stdout


def test_the_namespace_reaches_the_loader(stack: FakeStack, tmp_path: Path) -> None:
    """Passed to `load_spec`, never through global state; `default` when not given."""
    run_cli("trace", "node-1", "api.example.com", "-n", "shop", cwd=tmp_path)
    run_cli("trace", "node-1", "api.example.com", cwd=tmp_path)
    assert stack.namespaces == ["shop", "default"]
