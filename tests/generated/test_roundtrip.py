"""decode → encode gives back the same JSON, for realistic objects carrying every known trap:
fields unknown to the models, managedFields' FieldsV1, int-or-string ports, quantities as strings
and numbers, Time and MicroTime, base64 bytes, keyword-named fields and explicit nulls."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from kubeset import KubeModel, to_dict, to_json
from kubeset_k8s.models import (
    apiextensions_v1,
    apps_v1,
    coordination_v1,
    core_v1,
    events_v1,
    networking_v1,
)

META = {
    "name": "web-7d4b9c",
    "generateName": "web-",
    "namespace": "prod",
    "uid": "3f1c1c2e-9a0b-4b7e-8e1d-6b1f0c7a1e11",
    "resourceVersion": "123456",
    "generation": 3,
    "creationTimestamp": "2024-05-01T12:00:00Z",
    "labels": {"app": "web", "pod-template-hash": "7d4b9c"},
    "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-05-01T11:59:00Z"},
    "ownerReferences": [
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "web-7d4b9c",
            "uid": "0c1d2e3f-0000-4000-8000-000000000001",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ],
    "managedFields": [
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2024-05-01T12:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {
                    "f:labels": {".": {}, "f:app": {}},
                    "f:ownerReferences": {'k:{"uid":"0c1d"}': {}},
                },
                "f:spec": {"f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}}}},
            },
        },
        {
            "manager": "kubelet",
            "operation": "Update",
            "apiVersion": "v1",
            "time": "2024-05-01T12:00:05Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:phase": {}}},
            "subresource": "status",
        },
    ],
    "someFutureMetadataField": {"nested": [1, 2, {"x": None}]},
}

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": META,
    "spec": {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "args": ["--port", "8080"],
                "env": [
                    {"name": "MODE", "value": "prod"},
                    {
                        "name": "POD_IP",
                        "valueFrom": {
                            "fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}
                        },
                    },
                    {
                        "name": "LIMIT",
                        "valueFrom": {
                            "resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}
                        },
                    },
                ],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "resources": {
                    "limits": {"cpu": 1, "memory": "512Mi"},
                    "requests": {"cpu": "250m", "memory": 268435456},
                },
                "livenessProbe": {
                    "httpGet": {"path": "/healthz", "port": "http"},
                    "periodSeconds": 10,
                },
                "readinessProbe": {"tcpSocket": {"port": 8080}, "initialDelaySeconds": 2},
                "volumeMounts": [{"name": "cfg", "mountPath": "/etc/web", "readOnly": True}],
                "securityContext": {"runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
                "aFieldFromTheFuture": "kept",
            },
            {
                "name": "sidecar",
                "image": "busybox",
                "command": ["sleep", "infinity"],
                "resources": {},
            },
        ],
        "volumes": [
            {"name": "cfg", "configMap": {"name": "web-config", "defaultMode": 420}},
            {
                "name": "tok",
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}
                    ]
                },
            },
        ],
        "tolerations": [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            }
        ],
        "affinity": {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 100,
                        "podAffinityTerm": {
                            "topologyKey": "kubernetes.io/hostname",
                            "labelSelector": {"matchLabels": {"app": "web"}},
                        },
                    }
                ]
            }
        },
        "overhead": {"cpu": "10m"},
        "newSchedulingGate": {"enabled": True},
    },
    "status": {
        "phase": "Running",
        "podIP": "10.0.0.12",
        "podIPs": [{"ip": "10.0.0.12"}],
        "startTime": "2024-05-01T12:00:01Z",
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": "2024-05-01T12:00:09Z",
            }
        ],
        "containerStatuses": [
            {
                "name": "web",
                "ready": True,
                "restartCount": 0,
                "image": "nginx:1.27",
                "imageID": "docker-pullable://nginx@sha256:abc",
                "state": {"running": {"startedAt": "2024-05-01T12:00:03Z"}},
                "allocatedResources": {"cpu": "250m"},
            }
        ],
        "qosClass": "Burstable",
    },
    "topLevelFutureField": ["anything", {"goes": True}],
}

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "prod", "resourceVersion": "9"},
    "spec": {
        "replicas": 3,
        "selector": {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a"]}],
        },
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
        },
        "template": {
            "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]},
        },
    },
    "status": {
        "replicas": 3,
        "conditions": [
            {
                "type": "Available",
                "status": "True",
                "lastUpdateTime": "2024-05-01T12:00:00Z",
                "lastTransitionTime": "2024-05-01T12:00:00Z",
                "reason": "MinimumReplicasAvailable",
                "message": "ok",
            }
        ],
    },
}

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {
        "type": "ClusterIP",
        "clusterIPs": ["10.96.0.10"],
        "ports": [
            {"name": "http", "port": 80, "targetPort": "http"},
            {"name": "metrics", "port": 9090, "targetPort": 9090},
        ],
        "selector": {"app": "web"},
        "ipFamilies": ["IPv4"],
    },
}

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "s"},
    "type": "Opaque",
    "data": {"password": "c2VjcmV0\u002b/w=="},
    "immutable": True,
}

CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "c"},
    "data": {"a": "1"},
    "binaryData": {"b": "AAEC"},
}

NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {"name": "n1", "labels": {"kubernetes.io/os": "linux"}},
    "status": {
        "capacity": {
            "cpu": "4",
            "memory": "16374584Ki",
            "pods": "110",
            "ephemeral-storage": "101445540Ki",
        },
        "allocatable": {"cpu": "3800m", "hugepages-2Mi": "0"},
    },
}

EVENT = {
    "apiVersion": "events.k8s.io/v1",
    "kind": "Event",
    "metadata": {"name": "web.17c", "namespace": "prod"},
    "eventTime": "2024-05-01T12:00:00.000000Z",
    "series": {"count": 2, "lastObservedTime": "2024-05-01T12:00:05.123456Z"},
    "reportingController": "kubelet",
    "reportingInstance": "n1",
    "action": "Pulling",
    "reason": "Pulling",
    "regarding": {"kind": "Pod", "name": "web-7d4b9c", "namespace": "prod"},
    "type": "Normal",
    "deprecatedFirstTimestamp": None,
}

LEASE = {
    "apiVersion": "coordination.k8s.io/v1",
    "kind": "Lease",
    "metadata": {"name": "leader"},
    "spec": {
        "holderIdentity": "a",
        "leaseDurationSeconds": 15,
        "acquireTime": "2024-05-01T12:00:00.000000Z",
        "renewTime": "2024-05-01T12:00:10.500000Z",
    },
}

NETWORK_POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "np"},
    "spec": {
        "podSelector": {},
        "ingress": [
            {
                "from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}],
                "ports": [{"port": "http", "endPort": None}, {"port": 443}],
            }
        ],
        "policyTypes": ["Ingress"],
    },
}

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {
            "plural": "widgets",
            "singular": "widget",
            "kind": "Widget",
            "listKind": "WidgetList",
        },
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {
                    "status": {},
                    "scale": {
                        "specReplicasPath": ".spec.replicas",
                        "statusReplicasPath": ".status.replicas",
                    },
                },
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "required": ["spec"],
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "replicas": {
                                        "type": "integer",
                                        "minimum": 0,
                                        "maximum": 10.5,
                                        "default": 1,
                                    },
                                    "port": {
                                        "x-kubernetes-int-or-string": True,
                                        "anyOf": [{"type": "integer"}, {"type": "string"}],
                                    },
                                    "mode": {
                                        "type": "string",
                                        "enum": ["a", "b"],
                                        "pattern": "(?i)^[a-z]+$",
                                    },
                                    "raw": {
                                        "type": "object",
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                    "labels": {
                                        "type": "object",
                                        "additionalProperties": {"type": "string"},
                                    },
                                    "strict": {"type": "object", "additionalProperties": False},
                                    "tuple": {
                                        "type": "array",
                                        "items": [{"type": "string"}, {"type": "integer"}],
                                    },
                                    "ref": {
                                        "type": "object",
                                        "x-kubernetes-embedded-resource": True,
                                        "x-kubernetes-preserve-unknown-fields": True,
                                    },
                                },
                                "not": {"required": ["forbidden"]},
                                "x-kubernetes-validations": [
                                    {"rule": "self.replicas <= 10", "message": "too many"}
                                ],
                            },
                            "status": {
                                "type": "object",
                                "x-kubernetes-preserve-unknown-fields": True,
                            },
                        },
                    }
                },
            }
        ],
    },
}

POD_LIST = {
    "apiVersion": "v1",
    "kind": "PodList",
    "metadata": {
        "resourceVersion": "99",
        "continue": "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ",
        "remainingItemCount": 5,
    },
    "items": [POD, {"metadata": {"name": "bare"}}],
}

CASES: list[tuple[type[KubeModel], dict[str, Any]]] = [
    (core_v1.Pod, POD),
    (apps_v1.Deployment, DEPLOYMENT),
    (core_v1.Service, SERVICE),
    (core_v1.Secret, SECRET),
    (core_v1.ConfigMap, CONFIG_MAP),
    (core_v1.Node, NODE),
    (events_v1.Event, EVENT),
    (coordination_v1.Lease, LEASE),
    (networking_v1.NetworkPolicy, NETWORK_POLICY),
    (apiextensions_v1.CustomResourceDefinition, CRD),
    (core_v1.PodList, POD_LIST),
]


@pytest.mark.parametrize(("model", "data"), CASES, ids=[m.__name__ for m, _ in CASES])
def test_decode_encode_is_lossless(model: type[KubeModel], data: dict[str, Any]) -> None:
    raw = json.dumps(data).encode()
    obj = model.model_validate_json(raw)
    assert json.loads(to_json(obj)) == data
    assert to_dict(obj) == data
    # And from an already-parsed dict, the other decode path.
    assert to_dict(model.model_validate(copy.deepcopy(data))) == data


def test_typed_access_to_the_traps() -> None:
    pod = core_v1.Pod.model_validate_json(json.dumps(POD))
    assert pod.metadata is not None and pod.spec is not None and pod.status is not None
    web = pod.spec.containers[0]
    assert (
        web.liveness_probe
        and web.liveness_probe.http_get
        and web.liveness_probe.http_get.port == "http"
    )
    assert (
        web.readiness_probe
        and web.readiness_probe.tcp_socket
        and web.readiness_probe.tcp_socket.port == 8080
    )
    assert web.resources and web.resources.limits == {"cpu": 1, "memory": "512Mi"}
    assert (
        pod.metadata.creation_timestamp is not None and pod.metadata.creation_timestamp.year == 2024
    )
    managed = pod.metadata.managed_fields or []
    assert managed[0].fields_v1 == META["managedFields"][0]["fieldsV1"]
    assert pod.model_extra == {"topLevelFutureField": ["anything", {"goes": True}]}
    assert web.model_extra == {"aFieldFromTheFuture": "kept"}
    policy = networking_v1.NetworkPolicy.model_validate(NETWORK_POLICY)
    rule = (policy.spec.ingress or [])[0] if policy.spec else None
    assert (
        rule
        and rule.from_
        and rule.from_[0].ip_block
        and rule.from_[0].ip_block.except_ == ["10.1.0.0/16"]
    )
    crd = apiextensions_v1.CustomResourceDefinition.model_validate(CRD)
    schema = crd.spec.versions[0].schema_ if crd.spec else None
    props = schema.open_apiv3_schema.properties if schema and schema.open_apiv3_schema else {}
    assert (
        props
        and props["spec"].properties
        and props["spec"].properties["port"].x_kubernetes_int_or_string is True
    )
    assert props["spec"].not_ is not None and props["spec"].not_.required == ["forbidden"]
    lease = coordination_v1.Lease.model_validate(LEASE)
    assert lease.spec and lease.spec.renew_time and lease.spec.renew_time.microsecond == 500000


def test_read_modify_write_keeps_everything() -> None:
    pod = core_v1.Pod.model_validate_json(json.dumps(POD))
    assert pod.metadata is not None and pod.metadata.labels is not None
    pod.metadata.labels["tier"] = "frontend"
    assert pod.spec is not None
    pod.spec.containers[1].image = "busybox:1.36"
    expected = copy.deepcopy(POD)
    expected["metadata"]["labels"]["tier"] = "frontend"
    expected["spec"]["containers"][1]["image"] = "busybox:1.36"
    assert to_dict(pod) == expected


def test_constructed_objects_send_only_what_was_set() -> None:
    from kubeset_k8s.models.meta_v1 import ObjectMeta

    pod = core_v1.Pod(
        metadata=ObjectMeta(name="p", labels={"a": "b"}),
        spec=core_v1.PodSpec(
            containers=[
                core_v1.Container(
                    name="c", image="i", ports=[core_v1.ContainerPort(container_port=80)]
                )
            ]
        ),
    )
    assert to_dict(pod) == {
        "metadata": {"name": "p", "labels": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}]}]},
    }
    # Wire names are accepted too, and the result is the same.
    same = core_v1.Pod.model_validate(
        {
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]},
        }
    )
    assert (
        same.spec
        and same.spec.containers[0].ports
        and same.spec.containers[0].ports[0].container_port == 80
    )
