"""Hand-written methods of the core/v1 clients (see ``expansions/__init__.py``)."""

from __future__ import annotations

from kubeset.client import AsyncWithPatch, WithPatch

from ..models import core_v1

__all__ = ["AsyncNodesExpansion", "NodesExpansion"]

_CORDON = {"spec": {"unschedulable": True}}
_UNCORDON = {"spec": {"unschedulable": None}}


class NodesExpansion(WithPatch["core_v1.Node", "core_v1.NodeList"]):
    """``cordon`` and ``uncordon`` (``kubectl cordon``): mark a node (un)schedulable."""

    def cordon(self, name: str) -> core_v1.Node:
        """Mark node ``name`` unschedulable: no new pods are placed on it."""
        return self.patch(name, _CORDON)

    def uncordon(self, name: str) -> core_v1.Node:
        """Make node ``name`` schedulable again."""
        return self.patch(name, _UNCORDON)


class AsyncNodesExpansion(AsyncWithPatch["core_v1.Node", "core_v1.NodeList"]):
    """``cordon`` and ``uncordon`` (``kubectl cordon``): mark a node (un)schedulable."""

    async def cordon(self, name: str) -> core_v1.Node:
        """Mark node ``name`` unschedulable: no new pods are placed on it."""
        return await self.patch(name, _CORDON)

    async def uncordon(self, name: str) -> core_v1.Node:
        """Make node ``name`` schedulable again."""
        return await self.patch(name, _UNCORDON)
