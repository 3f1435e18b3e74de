"""Reading fields under strict mode: every field is optional (``X | None``), because servers omit
fields and partial objects are valid, so a read needs a None check, ``or`` a default, or an
``assert``. (err_optional.py shows the errors a read without one gives.)"""

from __future__ import annotations

from typing import assert_type

from kubeset_k8s.models.core_v1 import Container, Pod


def pod_name(pod: Pod) -> str:
    if pod.metadata is None or pod.metadata.name is None:
        return ""
    assert_type(pod.metadata.name, str)
    return pod.metadata.name


def images(pod: Pod) -> list[str]:
    containers: list[Container] = (pod.spec.containers if pod.spec else None) or []
    return [c.image or "" for c in containers]


def labels(pod: Pod) -> dict[str, str | None]:
    return (pod.metadata.labels if pod.metadata else None) or {}


def restart_policy(pod: Pod) -> str:
    assert pod.spec is not None
    return pod.spec.restart_policy or "Always"


def replicas_of(count: int | None) -> int:
    return 1 if count is None else count
