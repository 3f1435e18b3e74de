"""README lines that strict type checking rejects as written."""

from __future__ import annotations

from kubeset.fake import fake_clientset
from kubeset_k8s import Clientset


def fake() -> None:
    cs = fake_clientset(
        Clientset, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}
    )
    # fake_clientset returns the clientset's own type, which declares no `fake` attribute.
    cs.fake.actions  # noqa: B018  # E: attr-defined (pyright: reportAttributeAccessIssue, reportUnknownMemberType)
