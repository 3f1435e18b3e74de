"""``model_validate`` and ``model_validate_json`` take the wire form (``apiVersion``) and keep
fields the model does not know; the result is the model's type."""

from __future__ import annotations

from typing import Any, assert_type

from kubeset.model import to_dict, to_json
from kubeset_k8s.models.core_v1 import Pod, PodList
from kubeset_k8s.models.meta_v1 import ObjectMeta

raw: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Always"}]},
    "someFutureField": {"kept": True},
}
pod = Pod.model_validate(raw)
assert_type(pod, Pod)
same = Pod.model_validate_json(to_json(pod))
assert_type(same, Pod)
pods = PodList.model_validate({"apiVersion": "v1", "kind": "PodList", "items": [raw]})
assert_type(pods.items, list[Pod] | None)
meta = ObjectMeta.model_validate({"name": "web", "resourceVersion": "7"})
back: dict[str, Any] = to_dict(meta)
extra = pod.model_extra
