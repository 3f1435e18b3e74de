"""Naming rules: snake_case of kinds, URL-faithful plurals, collision-free group accessors."""

from __future__ import annotations

import pytest

from clientgen.naming import (
    camel_plural,
    group_accessors,
    model_module,
    python_identifier,
    snake_case,
)


@pytest.mark.parametrize(
    ("camel", "snake"),
    [
        ("Pods", "pods"),
        ("ConfigMaps", "config_maps"),
        ("PersistentVolumeClaims", "persistent_volume_claims"),
        ("ServiceCIDRs", "service_cidrs"),
        ("APIServices", "api_services"),
        ("CSIStorageCapacities", "csi_storage_capacities"),
        ("IPAddresses", "ip_addresses"),
        ("HTTPRoutes", "http_routes"),
        ("V1Thing", "v1_thing"),
        ("Endpoints", "endpoints"),
    ],
)
def test_snake_case(camel: str, snake: str) -> None:
    assert snake_case(camel) == snake


@pytest.mark.parametrize(
    ("kind", "plural", "expected"),
    [
        ("ConfigMap", "configmaps", "ConfigMaps"),
        ("NetworkPolicy", "networkpolicies", "NetworkPolicies"),
        ("Endpoints", "endpoints", "Endpoints"),
        ("ComponentStatus", "componentstatuses", "ComponentStatuses"),
        ("IngressClass", "ingressclasses", "IngressClasses"),
        ("Foo", "bars", "Bars"),
    ],
)
def test_camel_plural(kind: str, plural: str, expected: str) -> None:
    assert camel_plural(kind, plural) == expected


def test_group_accessors_are_short_unique_and_stable() -> None:
    groups = [
        "",
        "apps",
        "rbac.authorization.k8s.io",
        "internal.apiserver.k8s.io",
        "cert-manager.io",
    ]
    assert group_accessors(groups) == {
        "": "core",
        "apps": "apps",
        "rbac.authorization.k8s.io": "rbac",
        "internal.apiserver.k8s.io": "internal",
        "cert-manager.io": "certmanager",
    }
    both = group_accessors(["networking.k8s.io", "networking.istio.io", "acme.cert-manager.io"])
    assert both == {
        "networking.k8s.io": "networking_k8s",
        "networking.istio.io": "networking_istio",
        "acme.cert-manager.io": "acme",
    }
    # The result depends only on the set of groups, not their order.
    assert group_accessors(reversed(list(both))) == both


def test_python_identifier_and_model_module() -> None:
    assert python_identifier("class") == "class_"
    assert python_identifier("x-kubernetes-embedded") == "x_kubernetes_embedded"
    assert python_identifier("3d") == "_3d"
    assert model_module("io.k8s.api.core.v1.Pod") == ("core_v1", "Pod")
    assert model_module("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta") == (
        "meta_v1",
        "ObjectMeta",
    )
    assert model_module("io.k8s.api.storagemigration.v1beta1.X") == (
        "storagemigration_v1beta1",
        "X",
    )
    assert model_module("io.k8s.apimachinery.pkg.version.Info") == ("version", "Info")
