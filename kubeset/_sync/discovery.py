# Generated from kubeset/_async/discovery.py by codegen/clientgen/unasync.py. DO NOT EDIT.
"""Discovery: what the server is and serves (client-go's ``DiscoveryClient``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kubeset._sync.rest import RESTClient
from kubeset.decode import decode
from kubeset.request import Request

if TYPE_CHECKING:
    from kubeset.meta import APIGroup, APIResourceList, ServerVersion

__all__ = ["DiscoveryClient"]


class DiscoveryClient:
    """Reads ``/version``, ``/api``, ``/apis`` and the per-group-version resource lists."""

    def __init__(self, rest: RESTClient) -> None:
        self._rest = rest

    def server_version(self) -> ServerVersion:
        """The server's version (``gitVersion`` ``v1.36.3`` …)."""
        from kubeset.meta import ServerVersion  # the discovery models load on first use

        req = Request("GET", "/version")
        response = self._rest.request(req)
        return decode(ServerVersion, response.content, req.info(response.status_code))

    def server_groups(self) -> list[APIGroup]:
        """Every API group, the legacy core group (``""``, version ``v1``) first."""
        from kubeset.meta import APIGroup, APIGroupList, APIVersions

        core_req = Request("GET", "/api")
        core_response = self._rest.request(core_req)
        core = decode(APIVersions, core_response.content, core_req.info(core_response.status_code))
        versions = [{"groupVersion": v, "version": v} for v in core.versions or []]
        groups = [
            APIGroup.model_validate(
                {
                    "name": "",
                    "versions": versions,
                    "preferredVersion": versions[0] if versions else None,
                }
            )
        ]
        req = Request("GET", "/apis")
        response = self._rest.request(req)
        listed = decode(APIGroupList, response.content, req.info(response.status_code))
        return groups + list(listed.groups or [])

    def server_resources_for_group_version(self, group_version: str) -> APIResourceList:
        """The resources of ``v1`` or ``group/version``, subresources as ``plural/sub``."""
        from kubeset.meta import APIResourceList

        path = f"/apis/{group_version}" if "/" in group_version else f"/api/{group_version}"
        req = Request("GET", path)
        response = self._rest.request(req)
        return decode(APIResourceList, response.content, req.info(response.status_code))
