"""A ``null`` value inside a map decodes, and is written back as ``null``.

Go's decoder turns a null map value into the zero value, and Go writes a zero ``metav1.Time`` as
``null`` (``PodDisruptionBudget.status.disruptedPods`` holds such values in Kubernetes' own API
round-trip fixtures), so servers send them. The generated models type every map value as
``X | None``: the null stays ``None`` and the object round-trips unchanged.
"""

from __future__ import annotations

import json
from typing import Any

from kubeset import to_dict, to_json
from kubeset.decode import decode, decode_event
from kubeset.errors import RequestInfo
from kubeset_k8s.models import core_v1, policy_v1

REQUEST = RequestInfo("GET", "/api/v1/pods")


def _pod(i: int, labels: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"p{i}", "namespace": "default", "labels": labels},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        "status": {"phase": "Running"},
    }


def test_a_null_label_in_a_list_of_a_thousand() -> None:
    items = [_pod(i, {"app": "web"}) for i in range(1000)]
    items[517]["metadata"]["labels"] = {"app": "web", "a": None}
    body = {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "9"}}
    body["items"] = items
    pods = decode(core_v1.PodList, json.dumps(body).encode(), REQUEST)
    assert len(pods.items) == 1000
    odd = pods.items[517]
    assert odd.metadata is not None and odd.metadata.labels == {"app": "web", "a": None}
    assert to_dict(pods) == body


def test_pod_disruption_budget_with_null_disrupted_pod_time() -> None:
    wire = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "pdb", "namespace": "default"},
        "spec": {"minAvailable": 1},
        "status": {
            "currentHealthy": 1,
            "desiredHealthy": 1,
            "disruptionsAllowed": 0,
            "expectedPods": 1,
            "observedGeneration": 1,
            "disruptedPods": {"p": None, "q": "2024-05-01T12:00:00Z"},
        },
    }
    pdb = decode(policy_v1.PodDisruptionBudget, json.dumps(wire).encode(), REQUEST)
    assert pdb.status is not None and pdb.status.disrupted_pods is not None
    assert pdb.status.disrupted_pods["p"] is None
    assert json.loads(to_json(pdb)) == wire
    again = policy_v1.PodDisruptionBudget.model_validate_json(to_json(pdb))
    assert json.loads(to_json(again)) == wire


def test_a_watch_event_with_a_null_label() -> None:
    line = json.dumps({"type": "MODIFIED", "object": _pod(1, {"a": None, "b": "c"})})
    event = decode_event(core_v1.Pod, line, REQUEST)
    assert event.type == "MODIFIED"
    assert event.object.metadata is not None
    assert event.object.metadata.labels == {"a": None, "b": "c"}
    assert json.loads(to_json(event.object))["metadata"]["labels"] == {"a": None, "b": "c"}


def test_map_values_of_every_kind_accept_null() -> None:
    """Maps of strings, quantities, lists and objects: each value may be null."""
    spec = core_v1.PodSpec.model_validate(
        {
            "nodeSelector": {"a": None},
            "overhead": {"cpu": None},
            "containers": [{"name": "c", "resources": {"limits": {"memory": None, "cpu": 1}}}],
        }
    )
    assert spec.node_selector == {"a": None}
    assert spec.overhead == {"cpu": None}
    assert to_dict(spec)["containers"][0]["resources"]["limits"] == {"memory": None, "cpu": 1}


def test_the_fixup_makes_map_values_nullable_not_list_items() -> None:
    from clientgen.schema import Fixer

    fixer = Fixer(rename=lambda name: name)
    node = fixer.fix(
        {
            "type": "object",
            "properties": {
                "m": {"type": "object", "additionalProperties": {"type": "string"}},
                "l": {"type": "array", "items": {"type": "string"}},
            },
        },
        "definitions.X",
    )
    props = node["properties"]
    assert props["m"]["additionalProperties"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert props["l"]["items"] == {"type": "string"}
