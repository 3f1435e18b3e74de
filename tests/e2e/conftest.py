"""Fixtures for end-to-end tests against the envtest kube-apiserver (``kube_cluster``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from kubeset import Config, load_kubeconfig
from kubeset.envtest import ControlPlane
from kubeset_k8s import AsyncClientset, Clientset
from kubeset_k8s.models.core_v1 import Namespace
from kubeset_k8s.models.meta_v1 import ObjectMeta


@pytest.fixture(scope="session")
def config(kube_cluster: ControlPlane) -> Config:
    """Admin config for the session's control plane, rate limiting off (tests create many
    objects quickly)."""
    return load_kubeconfig(kube_cluster.kubeconfig_path, qps=0)


@pytest.fixture(scope="session")
def cs(config: Config) -> Iterator[Clientset]:
    with Clientset.for_config(config) as clientset:
        yield clientset


@pytest.fixture
async def acs(config: Config) -> AsyncIterator[AsyncClientset]:
    async with AsyncClientset.for_config(config) as clientset:
        yield clientset


@pytest.fixture
def ns(cs: Clientset) -> str:
    """A fresh namespace for one test (left behind: no namespace controller runs to empty it)."""
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    cs.core_v1().namespaces().create(Namespace(metadata=ObjectMeta(name=name)))
    return name
