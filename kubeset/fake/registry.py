"""What the fake server serves: the resources of generated packages, from their ResourceInfo."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kubeset.registry import scan_package
from kubeset.resource import PatchType, ResourceInfo

__all__ = ["Registry", "Resource", "version_priority"]

#: Built-in kinds whose objects carry ``metadata.generation`` (set to 1 on create, bumped when
#: anything but metadata and status changes). Custom resources always do.
GENERATION_KINDS = frozenset(
    {
        ("", "Pod"),
        ("", "ReplicationController"),
        ("apps", "Deployment"),
        ("apps", "ReplicaSet"),
        ("apps", "StatefulSet"),
        ("apps", "DaemonSet"),
        ("batch", "Job"),
        ("batch", "CronJob"),
        ("autoscaling", "HorizontalPodAutoscaler"),
        ("policy", "PodDisruptionBudget"),
        ("networking.k8s.io", "NetworkPolicy"),
        ("networking.k8s.io", "Ingress"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("storagemigration.k8s.io", "StorageVersionMigration"),
    }
)

#: Kinds whose names are DNS-1123 labels rather than subdomains.
LABEL_NAME_KINDS = frozenset({("", "Namespace"), ("", "Service")})
#: Kinds whose names only need to be valid path segments.
PATH_NAME_KINDS = frozenset(
    {
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    }
)
#: Kinds whose status updates keep the old labels (their status strategies reset them).
STATUS_KEEPS_LABELS_GROUPS = frozenset({"apps"})


@dataclass(frozen=True)
class Resource:
    """One served resource (one group-version-plural)."""

    info: ResourceInfo
    package: str
    model: type[Any] | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        """Storage key: versions of one group-resource share their objects."""
        return (self.info.group, self.info.plural)

    @property
    def custom(self) -> bool:
        """A custom resource (its package offers no strategic merge patch)."""
        return bool(self.info.patch_types) and PatchType.STRATEGIC not in self.info.patch_types

    @property
    def has_generation(self) -> bool:
        return self.custom or (self.info.group, self.info.kind) in GENERATION_KINDS

    @property
    def has_status(self) -> bool:
        return "status" in self.info.subresources

    @property
    def qualified(self) -> str:
        """``pods``, ``deployments.apps``."""
        i = self.info
        return f"{i.plural}.{i.group}" if i.group else i.plural


_VERSION = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(version: str) -> tuple[int, int, int]:
    """Sort key, highest priority first when sorted ascending: GA, beta, alpha; newer first."""
    match = _VERSION.match(version)
    if not match:
        return (3, 0, 0)
    major = int(match.group(1))
    stage = {None: 0, "beta": 1, "alpha": 2}[match.group(2)]
    minor = int(match.group(3) or 0)
    return (stage, -major, -minor)


class Registry:
    """Every resource of the packages added, by path, by kind and by model class."""

    def __init__(self) -> None:
        self.by_gv: dict[tuple[str, str], dict[str, Resource]] = {}
        self.by_gvk: dict[tuple[str, str], Resource] = {}
        self.by_model: dict[type[Any], Resource] = {}
        self.packages: list[str] = []

    def add_package(self, package: str) -> None:
        """Register the resources of the generated package ``package`` (idempotent)."""
        if package in self.packages:
            return
        for found in scan_package(package):
            self.add(Resource(found.info, package, found.model))
        self.packages.append(package)

    def add(self, res: Resource) -> None:
        info = res.info
        self.by_gv.setdefault((info.group, info.version), {})[info.plural] = res
        self.by_gvk.setdefault((info.api_version, info.kind), res)
        if res.model is not None and res.model is not dict:
            self.by_model.setdefault(res.model, res)

    def groups(self) -> dict[str, list[str]]:
        """Group → its versions, highest priority first (the core group is ``""``)."""
        out: dict[str, list[str]] = {}
        for group, version in self.by_gv:
            out.setdefault(group, []).append(version)
        for versions in out.values():
            versions.sort(key=version_priority)
        return out

    def storage_versions(self, key: tuple[str, str]) -> list[Resource]:
        """Every version serving the group-resource ``key``."""
        group, plural = key
        return [
            res
            for (g, _), plurals in self.by_gv.items()
            if g == group
            for p, res in plurals.items()
            if p == plural
        ]
