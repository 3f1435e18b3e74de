"""The few apimachinery types the runtime itself reads: server version, discovery documents, and
objects read as metadata only.

Generated packages have the full ``meta_v1`` models; these hand-written ones let the runtime (and
the dynamic client) work without any generated code.
"""

from __future__ import annotations

from pydantic import Field

from kubeset.errors import NotFound
from kubeset.model import KubeModel
from kubeset.resource import ResourceInfo
from kubeset.types import Time

__all__ = [
    "APIGroup",
    "ListMeta",
    "ObjectMeta",
    "OwnerReference",
    "PartialObjectMetadata",
    "PartialObjectMetadataList",
    "APIGroupList",
    "APIResource",
    "APIResourceList",
    "APIVersions",
    "GroupVersionForDiscovery",
    "ServerVersion",
    "resource_info",
]


class ServerVersion(KubeModel):
    """``/version``: the server's build."""

    major: str | None = None
    minor: str | None = None
    git_version: str | None = Field(
        None, validation_alias="gitVersion", serialization_alias="gitVersion"
    )
    git_commit: str | None = Field(
        None, validation_alias="gitCommit", serialization_alias="gitCommit"
    )
    build_date: str | None = Field(
        None, validation_alias="buildDate", serialization_alias="buildDate"
    )
    go_version: str | None = Field(
        None, validation_alias="goVersion", serialization_alias="goVersion"
    )
    platform: str | None = None


class APIVersions(KubeModel):
    """``/api``: the versions of the legacy core group."""

    versions: list[str] | None = None


class GroupVersionForDiscovery(KubeModel):
    """One version of an API group."""

    group_version: str | None = Field(
        None, validation_alias="groupVersion", serialization_alias="groupVersion"
    )
    version: str | None = None


class APIGroup(KubeModel):
    """An API group and its versions."""

    name: str | None = None
    versions: list[GroupVersionForDiscovery] | None = None
    preferred_version: GroupVersionForDiscovery | None = Field(
        None, validation_alias="preferredVersion", serialization_alias="preferredVersion"
    )


class APIGroupList(KubeModel):
    """``/apis``."""

    groups: list[APIGroup] | None = None


class APIResource(KubeModel):
    """One resource (or ``plural/subresource``) of a group-version."""

    name: str | None = None
    singular_name: str | None = Field(
        None, validation_alias="singularName", serialization_alias="singularName"
    )
    namespaced: bool | None = None
    group: str | None = None
    version: str | None = None
    kind: str | None = None
    verbs: list[str] | None = None
    short_names: list[str] | None = Field(
        None, validation_alias="shortNames", serialization_alias="shortNames"
    )
    categories: list[str] | None = None


class APIResourceList(KubeModel):
    """``/api/v1`` or ``/apis/{group}/{version}``: the resources of one group-version."""

    group_version: str | None = Field(
        None, validation_alias="groupVersion", serialization_alias="groupVersion"
    )
    resources: list[APIResource] | None = None


class OwnerReference(KubeModel):
    """An object's owner."""

    api_version: str | None = Field(
        None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    kind: str | None = None
    name: str | None = None
    uid: str | None = None
    controller: bool | None = None
    block_owner_deletion: bool | None = Field(
        None, validation_alias="blockOwnerDeletion", serialization_alias="blockOwnerDeletion"
    )


class ObjectMeta(KubeModel):
    """The metadata every object has (a metadata-only read's ``metadata``; fields not named here,
    such as ``managedFields``, are kept as they came)."""

    name: str | None = None
    generate_name: str | None = Field(
        None, validation_alias="generateName", serialization_alias="generateName"
    )
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = Field(
        None, validation_alias="resourceVersion", serialization_alias="resourceVersion"
    )
    generation: int | None = None
    creation_timestamp: Time | None = Field(
        None, validation_alias="creationTimestamp", serialization_alias="creationTimestamp"
    )
    deletion_timestamp: Time | None = Field(
        None, validation_alias="deletionTimestamp", serialization_alias="deletionTimestamp"
    )
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    owner_references: list[OwnerReference] | None = Field(
        None, validation_alias="ownerReferences", serialization_alias="ownerReferences"
    )
    finalizers: list[str] | None = None


class ListMeta(KubeModel):
    """A list's metadata: its resourceVersion and the token of the next page."""

    resource_version: str | None = Field(
        None, validation_alias="resourceVersion", serialization_alias="resourceVersion"
    )
    continue_: str | None = Field(
        default=None, validation_alias="continue", serialization_alias="continue"
    )
    remaining_item_count: int | None = Field(
        None, validation_alias="remainingItemCount", serialization_alias="remainingItemCount"
    )


class PartialObjectMetadata(KubeModel):
    """An object read as metadata only (``get_metadata``, ``watch_metadata``)."""

    api_version: str | None = Field(
        None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    kind: str | None = None
    metadata: ObjectMeta | None = None


class PartialObjectMetadataList(KubeModel):
    """A list read as metadata only (``list_metadata``): spec and status never leave the server."""

    api_version: str | None = Field(
        None, validation_alias="apiVersion", serialization_alias="apiVersion"
    )
    kind: str | None = None
    metadata: ListMeta | None = None
    items: list[PartialObjectMetadata] | None = None


def resource_info(resources: APIResourceList, api_version: str, kind: str) -> ResourceInfo:
    """The :class:`ResourceInfo` of ``kind`` in a group-version's discovery document (what the
    dynamic client addresses): plural, scope, verbs, subresources and the kinds of their bodies."""
    group, _, version = api_version.rpartition("/")
    entries = resources.resources or []
    main = next((r for r in entries if r.kind == kind and r.name and "/" not in r.name), None)
    if main is None or main.name is None:
        known = ", ".join(
            sorted({r.kind for r in entries if r.kind and r.name and "/" not in r.name})
        )
        raise NotFound(f"{api_version} has no kind {kind!r} (it has: {known or 'none'})", code=404)
    subresources: dict[str, frozenset[str]] = {}
    kinds: dict[str, tuple[str, str]] = {}
    for entry in entries:
        if not (entry.name and entry.name.startswith(main.name + "/")):
            continue
        sub = entry.name.split("/", 1)[1]
        subresources[sub] = frozenset(entry.verbs or [])
        if entry.kind and entry.kind != kind:
            sub_group = entry.group if entry.group is not None else group
            sub_version = entry.version or version
            kinds[sub] = (f"{sub_group}/{sub_version}" if sub_group else sub_version, entry.kind)
    return ResourceInfo(
        group=group,
        version=version,
        kind=kind,
        plural=main.name,
        namespaced=bool(main.namespaced),
        verbs=frozenset(main.verbs or []),
        subresources=subresources,
        list_kind=kind + "List",
        subresource_kinds=kinds,
    )
