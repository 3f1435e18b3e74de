"""Building objects from models by their fields' Python names, nested models included."""

from __future__ import annotations

from typing import assert_type

from kubeset.model import to_dict
from kubeset_k8s.models.apps_v1 import Deployment, DeploymentSpec
from kubeset_k8s.models.core_v1 import (
    Container,
    ContainerPort,
    EnvVar,
    Pod,
    PodSpec,
    PodTemplateSpec,
    ResourceRequirements,
)
from kubeset_k8s.models.meta_v1 import LabelSelector, ObjectMeta

container = Container(
    name="web",
    image="nginx:1.27",
    image_pull_policy="IfNotPresent",
    ports=[ContainerPort(container_port=80, name="http")],
    env=[EnvVar(name="MODE", value="prod")],
    resources=ResourceRequirements(limits={"cpu": "500m", "memory": "128Mi"}),
)

pod = Pod(
    api_version="v1",
    kind="Pod",
    metadata=ObjectMeta(name="web", namespace="default", labels={"app": "web"}),
    spec=PodSpec(containers=[container], restart_policy="Always"),
)

deployment = Deployment(
    api_version="apps/v1",
    kind="Deployment",
    metadata=ObjectMeta(name="web", generate_name="web-", owner_references=[]),
    spec=DeploymentSpec(
        replicas=3,
        selector=LabelSelector(match_labels={"app": "web"}),
        template=PodTemplateSpec(
            metadata=ObjectMeta(labels={"app": "web"}),
            spec=PodSpec(containers=[container]),
        ),
    ),
)

# Every field is optional, so an empty model is valid; the wire keeps the API's names.
empty = ObjectMeta()
assert_type(pod.metadata, ObjectMeta | None)
assert_type(container.image_pull_policy, str | None)
wire: dict[str, object] = to_dict(deployment)

# Copies with changes, by Python name.
bigger = deployment.model_copy(update={"spec": DeploymentSpec(replicas=5)})
assert_type(bigger, Deployment)
