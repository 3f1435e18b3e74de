"""Under strict mode a field read needs a None check: every field is ``X | None``."""

from __future__ import annotations

from kubeset_k8s.models.core_v1 import Container, Pod


def name(pod: Pod) -> str:
    return pod.metadata.name  # E: union-attr, return-value


def replace_first(pod: Pod, container: Container) -> None:
    spec = pod.spec
    assert spec is not None
    spec.containers[0] = container  # E: index (pyright: reportOptionalSubscript)


def count(pod: Pod) -> int:
    n = 0
    assert pod.spec is not None
    for _ in pod.spec.volumes:  # E: union-attr (pyright: reportOptionalIterable)
        n += 1
    return n
