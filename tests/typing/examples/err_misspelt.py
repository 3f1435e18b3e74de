"""A keyword that is not a field's Python name is an error, also in nested models."""

from __future__ import annotations

from kubeset_k8s.models.apps_v1 import DeploymentSpec
from kubeset_k8s.models.core_v1 import Container, Pod, PodSpec
from kubeset_k8s.models.meta_v1 import LabelSelector, ObjectMeta

ObjectMeta(lables={"app": "web"})  # E: call-arg
Container(name="c", image="nginx", image_pull_polcy="Always")  # E: call-arg
Pod(metadata=ObjectMeta(name="web"), spce=PodSpec(containers=[]))  # E: call-arg
DeploymentSpec(selector=LabelSelector(matchlabels={"app": "web"}))  # E: call-arg
Pod(spec=PodSpec(containers=[Container(nmae="c")]))  # E: call-arg
