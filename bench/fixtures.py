"""Realistic pods, deterministic: the same seed gives the same bytes on every machine.

Each pod is shaped like one a Deployment's ReplicaSet creates and a kubelet reports on: labels,
annotations, an ownerReference, managedFields from three managers (with their ``fieldsV1`` trees),
two containers with env (plain, fieldRef, secretKeyRef, configMapKeyRef), ports, resources,
liveness/readiness/startup probes and volume mounts, five volumes (configMap, secret, projected
service-account token, emptyDir, persistentVolumeClaim), the three default tolerations plus one,
node and pod anti-affinity, and a status with conditions and container statuses. A pod serializes
to about 9 KB of JSON, in the order and format the API server writes.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["pod", "pod_list", "pod_list_bytes", "watch_event_lines"]

_BASE = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)
_TEAMS = ["payments", "search", "checkout", "identity", "ledger", "notify", "catalog", "edge"]
_SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_IMAGES = ["registry.example.com/{app}:v{major}.{minor}.{patch}", "ghcr.io/example/{app}:{sha}"]


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _suffix(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _uid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _fields_spec(containers: list[dict[str, Any]]) -> dict[str, Any]:
    """``fieldsV1`` of the controller manager's create: every spec field the template set."""
    spec: dict[str, Any] = {
        "f:affinity": {
            ".": {},
            "f:nodeAffinity": {".": {}, "f:requiredDuringSchedulingIgnoredDuringExecution": {}},
            "f:podAntiAffinity": {".": {}, "f:preferredDuringSchedulingIgnoredDuringExecution": {}},
        },
        "f:dnsPolicy": {},
        "f:enableServiceLinks": {},
        "f:restartPolicy": {},
        "f:schedulerName": {},
        "f:securityContext": {},
        "f:serviceAccount": {},
        "f:serviceAccountName": {},
        "f:terminationGracePeriodSeconds": {},
        "f:tolerations": {},
    }
    for c in containers:
        entry: dict[str, Any] = {
            ".": {},
            "f:image": {},
            "f:imagePullPolicy": {},
            "f:name": {},
            "f:resources": {
                ".": {},
                "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}},
                "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}},
            },
            "f:terminationMessagePath": {},
            "f:terminationMessagePolicy": {},
            "f:env": {
                ".": {},
                **{f'k:{{"name":"{e["name"]}"}}': {".": {}, "f:name": {}} for e in c["env"]},
            },
            "f:volumeMounts": {
                ".": {},
                **{
                    f'k:{{"mountPath":"{m["mountPath"]}"}}': {
                        ".": {},
                        "f:mountPath": {},
                        "f:name": {},
                    }
                    for m in c["volumeMounts"]
                },
            },
        }
        if c.get("ports"):
            entry["f:ports"] = {
                ".": {},
                **{
                    f'k:{{"containerPort":{p["containerPort"]},"protocol":"TCP"}}': {
                        ".": {},
                        "f:containerPort": {},
                        "f:name": {},
                        "f:protocol": {},
                    }
                    for p in c["ports"]
                },
            }
        spec[f'f:containers/k:{{"name":"{c["name"]}"}}'] = entry
    return spec


def pod(i: int, rng: random.Random, *, namespace: str = "bench") -> dict[str, Any]:
    """One realistic pod as the API server would serialize it."""
    team = _TEAMS[i % len(_TEAMS)]
    app = f"{team}-{['api', 'worker', 'gateway', 'cron'][i % 4]}"
    rs_hash = _suffix(rng, 10)
    name = f"{app}-{rs_hash}-{_suffix(rng, 5)}"
    created = _BASE + timedelta(seconds=rng.randrange(0, 86400 * 20))
    started = created + timedelta(seconds=rng.randrange(1, 30))
    ready = started + timedelta(seconds=rng.randrange(5, 90))
    octets = f"{rng.randrange(0, 255)}-{rng.randrange(0, 255)}-{rng.randrange(1, 254)}"
    node = f"ip-10-{octets}.eu-west-1.compute.internal"
    pod_ip = f"10.{rng.randrange(0, 255)}.{rng.randrange(0, 255)}.{rng.randrange(1, 254)}"
    host_ip = f"10.0.{rng.randrange(0, 255)}.{rng.randrange(1, 254)}"
    version = f"{rng.randrange(1, 5)}.{rng.randrange(0, 30)}.{rng.randrange(0, 12)}"
    sha = hashlib.sha256(f"{app}{i}".encode()).hexdigest()
    image = _IMAGES[i % 2].format(
        app=app,
        major=version[0],
        minor=rng.randrange(0, 30),
        patch=rng.randrange(0, 9),
        sha=sha[:12],
    )
    labels = {
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/instance": f"{app}-prod",
        "app.kubernetes.io/version": version,
        "app.kubernetes.io/component": ["api", "worker", "gateway", "cron"][i % 4],
        "app.kubernetes.io/part-of": team,
        "app.kubernetes.io/managed-by": "Helm",
        "pod-template-hash": rs_hash,
        "team": team,
    }
    annotations = {
        "checksum/config": sha,
        "kubectl.kubernetes.io/restartedAt": _ts(created - timedelta(days=1)),
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "9090",
        "prometheus.io/path": "/metrics",
        "kubernetes.io/psp": "eks.privileged",
        "cluster-autoscaler.kubernetes.io/safe-to-evict": "true",
    }
    cpu_req = f"{rng.choice([50, 100, 250, 500])}m"
    mem_req = f"{rng.choice([64, 128, 256, 512])}Mi"
    secret = f"{app}-secrets"
    containers = [
        {
            "name": "app",
            "image": image,
            "command": ["/app/server"],
            "args": [
                "--config=/etc/app/config.yaml",
                f"--log-level={rng.choice(['info', 'warn'])}",
            ],
            "ports": [
                {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
            ],
            "env": [
                {"name": "APP_ENV", "value": "production"},
                {"name": "APP_TEAM", "value": team},
                {"name": "GOMAXPROCS", "value": str(rng.randrange(1, 9))},
                {
                    "name": "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "value": "http://otel-collector.observability:4317",
                },
                {
                    "name": "POD_NAME",
                    "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
                },
                {
                    "name": "POD_IP",
                    "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}},
                },
                {
                    "name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": secret, "key": "db-password"}},
                },
                {
                    "name": "FEATURE_FLAGS",
                    "valueFrom": {
                        "configMapKeyRef": {
                            "name": f"{app}-flags",
                            "key": "flags",
                            "optional": True,
                        }
                    },
                },
            ],
            "resources": {
                "limits": {"cpu": "1", "memory": "1Gi"},
                "requests": {"cpu": cpu_req, "memory": mem_req},
            },
            "volumeMounts": [
                {"name": "config", "mountPath": "/etc/app", "readOnly": True},
                {"name": "secrets", "mountPath": "/etc/secrets", "readOnly": True},
                {"name": "tmp", "mountPath": "/tmp"},
                {"name": "data", "mountPath": "/var/lib/app"},
                {"name": "kube-api-access", "mountPath": _SA_PATH, "readOnly": True},
            ],
            "livenessProbe": {
                "httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                "initialDelaySeconds": 10,
                "timeoutSeconds": 2,
                "periodSeconds": 10,
                "successThreshold": 1,
                "failureThreshold": 3,
            },
            "readinessProbe": {
                "httpGet": {"path": "/readyz", "port": 8080, "scheme": "HTTP"},
                "timeoutSeconds": 1,
                "periodSeconds": 5,
                "successThreshold": 1,
                "failureThreshold": 3,
            },
            "startupProbe": {
                "tcpSocket": {"port": 8080},
                "timeoutSeconds": 1,
                "periodSeconds": 2,
                "successThreshold": 1,
                "failureThreshold": 30,
            },
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
            "securityContext": {
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False,
                "runAsNonRoot": True,
                "runAsUser": 10001,
            },
        },
        {
            "name": "proxy",
            "image": f"docker.io/envoyproxy/envoy:v1.{rng.randrange(28, 33)}.{rng.randrange(0, 6)}",
            "args": ["-c", "/etc/envoy/envoy.yaml", "--service-cluster", app],
            "ports": [{"name": "proxy", "containerPort": 15001, "protocol": "TCP"}],
            "env": [
                {"name": "ENVOY_UID", "value": "0"},
                {
                    "name": "NODE_NAME",
                    "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}},
                },
                {
                    "name": "CPU_LIMIT",
                    "valueFrom": {
                        "resourceFieldRef": {
                            "containerName": "proxy",
                            "resource": "limits.cpu",
                            "divisor": "0",
                        }
                    },
                },
            ],
            "resources": {
                "limits": {"cpu": "500m", "memory": "256Mi"},
                "requests": {"cpu": "50m", "memory": "64Mi"},
            },
            "volumeMounts": [
                {"name": "config", "mountPath": "/etc/envoy", "subPath": "envoy"},
                {"name": "kube-api-access", "mountPath": _SA_PATH, "readOnly": True},
            ],
            "readinessProbe": {
                "exec": {"command": ["/bin/sh", "-c", "curl -sf http://127.0.0.1:9901/ready"]},
                "timeoutSeconds": 1,
                "periodSeconds": 10,
                "successThreshold": 1,
                "failureThreshold": 3,
            },
            "lifecycle": {"preStop": {"exec": {"command": ["/bin/sleep", "5"]}}},
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
        },
    ]
    volumes = [
        {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
        {"name": "secrets", "secret": {"secretName": secret, "defaultMode": 256}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "512Mi"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": f"{app}-data-{i % 7}"}},
        {
            "name": "kube-api-access",
            "projected": {
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {
                        "configMap": {
                            "name": "kube-root-ca.crt",
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "path": "namespace",
                                    "fieldRef": {
                                        "apiVersion": "v1",
                                        "fieldPath": "metadata.namespace",
                                    },
                                }
                            ]
                        }
                    },
                ],
                "defaultMode": 420,
            },
        },
    ]
    tolerations = [
        {
            "key": "node.kubernetes.io/not-ready",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {
            "key": "node.kubernetes.io/unreachable",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "dedicated", "operator": "Equal", "value": team, "effect": "NoSchedule"},
    ]
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {
                                "key": "kubernetes.io/arch",
                                "operator": "In",
                                "values": ["amd64", "arm64"],
                            },
                            {
                                "key": "node.kubernetes.io/instance-type",
                                "operator": "NotIn",
                                "values": ["t3.micro", "t3.small"],
                            },
                        ]
                    }
                ]
            }
        },
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 100,
                    "podAffinityTerm": {
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": app}},
                        "topologyKey": "topology.kubernetes.io/zone",
                    },
                }
            ]
        },
    }
    restarts = rng.choice([0, 0, 0, 1, 2, 5])
    statuses = []
    for c in containers:
        cs: dict[str, Any] = {
            "name": c["name"],
            "state": {"running": {"startedAt": _ts(started + timedelta(seconds=2))}},
            "lastState": {},
            "ready": True,
            "restartCount": restarts if c["name"] == "app" else 0,
            "image": c["image"],
            "imageID": c["image"].split(":")[0] + "@sha256:" + _sha(c["image"]),
            "containerID": "containerd://" + _sha(name + c["name"]),
            "started": True,
            "volumeMounts": [
                {
                    "name": m["name"],
                    "mountPath": m["mountPath"],
                    **({"readOnly": True} if m.get("readOnly") else {}),
                    **({"recursiveReadOnly": "Disabled"} if m.get("readOnly") else {}),
                }
                for m in c["volumeMounts"]
            ],
        }
        if restarts and c["name"] == "app":
            cs["lastState"] = {
                "terminated": {
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "startedAt": _ts(started - timedelta(hours=2)),
                    "finishedAt": _ts(started - timedelta(seconds=3)),
                    "containerID": f"containerd://{_suffix(rng, 64)}",
                }
            }
        statuses.append(cs)
    manager_time = _ts(ready)
    return {
        "metadata": {
            "name": name,
            "generateName": f"{app}-{rs_hash}-",
            "namespace": namespace,
            "uid": _uid(rng),
            "resourceVersion": str(1_000_000 + i * 7 + rng.randrange(0, 7)),
            "creationTimestamp": _ts(created),
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{app}-{rs_hash}",
                    "uid": _uid(rng),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": _ts(created),
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:annotations": {".": {}, **{f"f:{k}": {} for k in annotations}},
                            "f:generateName": {},
                            "f:labels": {".": {}, **{f"f:{k}": {} for k in labels}},
                            "f:ownerReferences": {".": {}, 'k:{"uid":"..."}': {}},
                        },
                        "f:spec": _fields_spec(containers),
                    },
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": manager_time,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:status": {
                            "f:conditions": {
                                f'k:{{"type":"{t}"}}': {
                                    ".": {},
                                    "f:lastProbeTime": {},
                                    "f:lastTransitionTime": {},
                                    "f:status": {},
                                    "f:type": {},
                                }
                                for t in (
                                    "ContainersReady",
                                    "Initialized",
                                    "PodReadyToStartContainers",
                                    "Ready",
                                )
                            },
                            "f:containerStatuses": {},
                            "f:hostIP": {},
                            "f:hostIPs": {},
                            "f:phase": {},
                            "f:podIP": {},
                            "f:podIPs": {".": {}, f'k:{{"ip":"{pod_ip}"}}': {".": {}, "f:ip": {}}},
                            "f:startTime": {},
                        }
                    },
                    "subresource": "status",
                },
            ],
        },
        "spec": {
            "volumes": volumes,
            "containers": containers,
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "serviceAccountName": app,
            "serviceAccount": app,
            "nodeName": node,
            "securityContext": {"fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "affinity": affinity,
            "schedulerName": "default-scheduler",
            "tolerations": tolerations,
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {
                    "type": "PodReadyToStartContainers",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": _ts(started),
                },
                {
                    "type": "Initialized",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": _ts(created + timedelta(seconds=1)),
                },
                {
                    "type": "Ready",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": _ts(ready),
                },
                {
                    "type": "ContainersReady",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": _ts(ready),
                },
                {
                    "type": "PodScheduled",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": _ts(created),
                },
            ],
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": _ts(created),
            "containerStatuses": statuses,
            "qosClass": "Burstable",
        },
    }


def pod_list(n: int, *, seed: int = 20260301) -> dict[str, Any]:
    """A ``PodList`` of ``n`` pods, as ``GET /api/v1/pods`` returns it (items carry no kind or
    apiVersion on the wire)."""
    rng = random.Random(seed)
    return {
        "kind": "PodList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": str(2_000_000 + n)},
        "items": [pod(i, rng) for i in range(n)],
    }


def pod_list_bytes(n: int, *, seed: int = 20260301) -> bytes:
    """The response body of a list of ``n`` pods: compact JSON, as the API server sends it."""
    return json.dumps(pod_list(n, seed=seed), separators=(",", ":"), ensure_ascii=False).encode()


def watch_event_lines(distinct: int, *, seed: int = 20260302) -> list[bytes]:
    """``distinct`` newline-terminated ``MODIFIED`` events, each carrying a whole pod."""
    rng = random.Random(seed)
    lines = []
    for i in range(distinct):
        obj = {"kind": "Pod", "apiVersion": "v1", **pod(i, rng)}
        event = {"type": "MODIFIED", "object": obj}
        lines.append(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode() + b"\n")
    return lines


if __name__ == "__main__":  # a sample pod, for reading
    print(json.dumps(pod(0, random.Random(1)), indent=2))
    print(f"{len(pod_list_bytes(100)) / 100:.0f} bytes per pod", file=sys.stderr)
