"""The few apimachinery types the runtime itself reads: server version and discovery documents.

Generated packages have the full ``meta_v1`` models; these hand-written ones let the runtime (and
the dynamic client) work without any generated code.
"""

from __future__ import annotations

from pydantic import Field

from kubeset.model import KubeModel

__all__ = [
    "APIGroup",
    "APIGroupList",
    "APIResource",
    "APIResourceList",
    "APIVersions",
    "GroupVersionForDiscovery",
    "ServerVersion",
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
