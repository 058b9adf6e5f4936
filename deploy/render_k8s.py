"""Write deploy/k8s/services/<service>.yaml (Deployment, Service, HorizontalPodAutoscaler) for
every service from one shape, so the eight cannot drift. The shared pieces (namespace, ConfigMap,
Secret template, external MySQL/RabbitMQ, Ingress) are plain files next to them.

    python deploy/render_k8s.py          # rewrite the per-service manifests
    python deploy/render_k8s.py --check  # exit 1 when a committed file differs
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_dockerfiles import PORT_BASE, SERVICES

OUT = Path(__file__).resolve().parent / "k8s" / "services"
UID = 10001
# name -> (min replicas, max replicas, requests, limits); every service is safe with replicas
# (deploy/README.md, "Several replicas"), so every one gets an autoscaler.
SIZING = {
    "gateway": (2, 10, ("200m", "256Mi"), ("1", "512Mi")),
    "auth": (2, 6, ("200m", "256Mi"), ("1", "512Mi")),  # argon2 hashing is CPU-bound
    "catalog": (2, 6, ("100m", "256Mi"), ("1", "512Mi")),
    "order": (2, 8, ("100m", "256Mi"), ("1", "512Mi")),
    "inventory": (2, 6, ("100m", "192Mi"), ("1", "384Mi")),
    "shipping": (2, 4, ("50m", "192Mi"), ("500m", "384Mi")),
    "notification": (2, 8, ("100m", "256Mi"), ("1", "512Mi")),
    "ai": (1, 4, ("100m", "384Mi"), ("1", "1Gi")),  # PDF text extraction holds a book in memory
    "web": (2, 6, ("100m", "192Mi"), ("500m", "384Mi")),  # renders pages; holds an upload at most
}


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors/aliases for the repeated label maps."""

    def ignore_aliases(self, data) -> bool:
        return True


def _probe(path: str, **extra) -> dict:
    return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": 10, "timeoutSeconds": 3,
            **extra}


def manifests(name: str) -> list[dict]:
    """Deployment, Service and HorizontalPodAutoscaler of one service."""
    offset = next(s[3] for s in SERVICES if s[0] == name)
    port = PORT_BASE + offset
    low, high, requests, limits = SIZING[name]
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "bookstore"}
    data = ({"name": "data", "persistentVolumeClaim": {"claimName": "catalog-pdfs"}}
            if name == "catalog" else {"name": "data", "emptyDir": {}})
    container = {
        "name": name, "image": f"bookstore/{name}:latest",
        "ports": [{"name": "http", "containerPort": port}],
        "envFrom": [{"configMapRef": {"name": "bookstore-config"}},
                    {"secretRef": {"name": f"{name}-secrets"}}],
        # Spans carry the service's name; they are exported once the ConfigMap names an
        # OTEL_EXPORTER_OTLP_ENDPOINT (without one, tracing stays off).
        "env": [{"name": "OTEL_SERVICE_NAME", "value": name}],
        # Migrations run before the port opens: the startup probe gives them time.
        "startupProbe": _probe("/healthz", failureThreshold=30, periodSeconds=2),
        "readinessProbe": _probe("/readyz", failureThreshold=3),
        "livenessProbe": _probe("/healthz", failureThreshold=3),
        "resources": {"requests": {"cpu": requests[0], "memory": requests[1]},
                      "limits": {"cpu": limits[0], "memory": limits[1]}},
        # Leave time for the endpoint to leave the Service before SIGTERM (graceful drain).
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "data", "mountPath": "/data"},
                         {"name": "tmp", "mountPath": "/tmp"}],
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": low, "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {"metadata": {"labels": labels, "annotations": {
                "prometheus.io/scrape": "true", "prometheus.io/port": str(port),
                "prometheus.io/path": "/metrics"}},
                "spec": {
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID,
                                        "fsGroup": UID, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container],
                    "volumes": [data, {"name": "tmp", "emptyDir": {}}]}}}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "labels": labels},
               "spec": {"selector": {"app.kubernetes.io/name": name},
                        "ports": [{"name": "http", "port": port, "targetPort": "http"}]}}
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": name, "labels": labels},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                    "minReplicas": low, "maxReplicas": high,
                    "metrics": [{"type": "Resource", "resource": {
                        "name": "cpu", "target": {"type": "Utilization",
                                                  "averageUtilization": 70}}}]}}
    return [deployment, service, hpa]


def render(name: str) -> str:
    """The manifest file of one service."""
    header = (f"# {name}: generated by deploy/render_k8s.py (edit the script, not this file).\n")
    return header + yaml.dump_all(manifests(name), Dumper=_Dumper, sort_keys=False, width=100)


def main(argv: list[str]) -> int:
    """Write (or with --check, compare) every service's manifests."""
    stale = []
    OUT.mkdir(parents=True, exist_ok=True)
    for name, *_ in SERVICES:
        path = OUT / f"{name}.yaml"
        if "--check" in argv:
            if not path.exists() or path.read_text() != render(name):
                stale.append(str(path))
        else:
            path.write_text(render(name))
    if stale:
        print("out of date (run python deploy/render_k8s.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
