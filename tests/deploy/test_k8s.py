"""deploy/k8s: kustomize-rendered manifests validate offline; every service has its workloads."""
from __future__ import annotations

import json
import shutil
import subprocess

import kubernetes_validate
import pytest
import render_k8s
import yaml

from .conftest import DEPLOY, PORT_OFFSETS, ROOT, SERVICES

K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.31.0"  # pinned: the schemas ship with kubernetes-validate (offline)
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume"}


def kustomize(directory=K8S) -> list[dict]:
    """What `kubectl kustomize` gives for our subset: resources, namespace, image tags."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    docs = []
    for resource in spec["resources"]:
        docs += [d for d in yaml.safe_load_all((directory / resource).read_text()) if d]
    tags = {i["name"]: i for i in spec.get("images", [])}
    for doc in docs:
        if doc["kind"] not in CLUSTER_SCOPED and spec.get("namespace"):
            doc["metadata"]["namespace"] = spec["namespace"]
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            repo = container["image"].split(":")[0]
            if repo in tags:
                image = tags[repo]
                container["image"] = f"{image.get('newName', repo)}:{image['newTag']}"
    return docs


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    return kustomize()


def find(docs, kind, name):
    return next((d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name), None)


def test_every_rendered_manifest_validates_against_the_pinned_kubernetes_schema(rendered):
    assert rendered
    for doc in rendered:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("name,pkg", SERVICES)
def test_every_service_has_a_deployment_service_and_autoscaler_named_after_it(rendered, name, pkg):
    deployment, service = find(rendered, "Deployment", name), find(rendered, "Service", name)
    assert deployment and service, f"deploy/k8s lacks a Deployment or Service for {name}"
    assert find(rendered, "HorizontalPodAutoscaler", name)
    port = 8080 + PORT_OFFSETS[name]
    assert service["spec"]["ports"][0]["port"] == port
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert set(container["resources"]) == {"requests", "limits"}
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    refs = {(k, v["name"]) for ref in container["envFrom"] for k, v in ref.items()}
    assert refs == {("configMapRef", "bookstore-config"), ("secretRef", f"{name}-secrets")}
    assert find(rendered, "ConfigMap", "bookstore-config")
    assert find(rendered, "Secret", f"{name}-secrets")
    assert deployment["metadata"]["namespace"] == "bookstore"


def test_every_service_has_a_committed_manifest_file():
    missing = [n for n, _ in SERVICES if not (K8S / "services" / f"{n}.yaml").is_file()]
    assert not missing, f"services without deploy/k8s/services/<name>.yaml: {missing}"
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert all(f"services/{n}.yaml" in listed for n, _ in SERVICES)


def test_the_committed_service_manifests_are_what_the_renderer_writes():
    for name, _ in SERVICES:
        assert (K8S / "services" / f"{name}.yaml").read_text() == render_k8s.render(name), (
            f"deploy/k8s/services/{name}.yaml drifted: run python deploy/render_k8s.py")


def test_the_gateway_ingress_keeps_websockets_open(rendered):
    ingress = find(rendered, "Ingress", "gateway")
    notes = ingress["metadata"]["annotations"]
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(notes["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "gateway"


def test_mysql_and_rabbitmq_are_external_services(rendered):
    for name in ("mysql", "rabbitmq"):
        assert find(rendered, "Service", name)["spec"]["type"] == "ExternalName"
    config = find(rendered, "ConfigMap", "bookstore-config")["data"]
    assert config["BOOKSTORE_QUEUE_TYPE"] == "quorum"


def test_kubectl_kustomize_renders_the_same_objects_when_available(rendered):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed; the Python rendering above is the check")
    out = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    theirs = [d for d in yaml.safe_load_all(out.stdout) if d]
    key = lambda d: (d["kind"], d["metadata"]["name"], d["metadata"].get("namespace"))
    assert sorted(map(key, theirs)) == sorted(map(key, rendered))
    canon = lambda d: json.dumps(d, sort_keys=True)
    assert sorted(map(canon, theirs)) == sorted(map(canon, rendered))


def _allowed_from(rendered, target: str) -> set[str]:
    """Apps (by name label) whose pods a NetworkPolicy lets connect to `target`'s pods."""
    allowed: set[str] = set()
    for policy in (d for d in rendered if d["kind"] == "NetworkPolicy"):
        selector = policy["spec"]["podSelector"]
        names = set(selector.get("matchLabels", {}).values())
        for expr in selector.get("matchExpressions", []):
            names |= set(expr["values"])
        if selector and target not in names:
            continue
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                pods = peer.get("podSelector", {})
                allowed |= set(pods.get("matchLabels", {}).values())
                for expr in pods.get("matchExpressions", []):
                    allowed |= set(expr["values"])
    return allowed


def test_network_policies_deny_by_default_and_allow_only_the_callers(rendered):
    deny = find(rendered, "NetworkPolicy", "default-deny-ingress")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert _allowed_from(rendered, "auth") == {"gateway", "catalog", "order", "notification"}
    assert _allowed_from(rendered, "catalog") == {"gateway", "order", "notification", "ai"}
    for name in ("order", "notification", "web"):
        assert _allowed_from(rendered, name) == {"gateway"}, name
    for name in ("inventory", "shipping", "ai"):
        assert _allowed_from(rendered, name) == set(), name


def test_production_settings_and_per_service_broker_users(rendered):
    config = find(rendered, "ConfigMap", "bookstore-config")["data"]
    assert config["BOOKSTORE_ENVIRONMENT"] == "production"
    assert config["BOOKSTORE_TRUSTED_PROXIES"]
    for name, _ in SERVICES:
        secret = find(rendered, "Secret", f"{name}-secrets")["stringData"]
        assert secret["BOOKSTORE_INTERNAL_TOKEN"] == "REPLACE_ME", name
        if "BOOKSTORE_RABBITMQ_URL" in secret:
            assert secret["BOOKSTORE_RABBITMQ_URL"].startswith(f"amqp://bookstore_{name}:"), name
    assert "BOOKSTORE_BOOTSTRAP_ADMIN_TOKEN" in find(rendered, "Secret", "auth-secrets")["stringData"]


def test_every_pod_names_its_spans_and_tracing_waits_for_an_endpoint(rendered):
    config = find(rendered, "ConfigMap", "bookstore-config")["data"]
    assert config["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    # Tracing is off until the operator names a collector (commented out in config.yaml).
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in config
    assert "# OTEL_EXPORTER_OTLP_ENDPOINT: http" in (K8S / "config.yaml").read_text()
    for name, _ in SERVICES:
        (container,) = find(rendered, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert {"name": "OTEL_SERVICE_NAME", "value": name} in container["env"], name
