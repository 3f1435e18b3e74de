"""A value of the wrong type is an error."""

from __future__ import annotations

from kubeset_k8s.models.apps_v1 import DeploymentSpec
from kubeset_k8s.models.core_v1 import Container, Pod, PodSpec
from kubeset_k8s.models.meta_v1 import ObjectMeta

ObjectMeta(name=1)  # E: arg-type
ObjectMeta(labels=["app=web"])  # E: arg-type
DeploymentSpec(replicas="3")  # E: arg-type
PodSpec(containers=Container(name="c"))  # E: arg-type
Pod(metadata={"name": "web"})  # E: arg-type
Pod(spec=ObjectMeta())  # E: arg-type
