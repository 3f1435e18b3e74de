"""Subresources against a real kube-apiserver: status, scale, eviction, binding, token,
ephemeral containers, resize, finalize, approval, and the typed error of a log request that no
kubelet can serve (log streaming itself needs a kubelet: see tests/runtime for it over respx)."""

from __future__ import annotations

import base64

import pytest

from kubeset import BadRequest, NotFound
from kubeset_k8s import Clientset
from kubeset_k8s.models.apps_v1 import DeploymentStatus
from kubeset_k8s.models.authentication_v1 import TokenRequest, TokenRequestSpec
from kubeset_k8s.models.autoscaling_v1 import Scale, ScaleSpec
from kubeset_k8s.models.certificates_v1 import (
    CertificateSigningRequest,
    CertificateSigningRequestCondition,
    CertificateSigningRequestSpec,
    CertificateSigningRequestStatus,
)
from kubeset_k8s.models.core_v1 import (
    Binding,
    Container,
    EphemeralContainer,
    Node,
    ObjectReference,
    Pod,
    PodSpec,
    ResourceRequirements,
    ServiceAccount,
)
from kubeset_k8s.models.meta_v1 import ObjectMeta
from kubeset_k8s.models.policy_v1 import Eviction
from tests.e2e.test_crud import deployment


def _pod(name: str) -> Pod:
    main = Container(
        name="main",
        image="busybox",
        command=["sleep", "1d"],
        resources=ResourceRequirements(requests={"cpu": "100m"}),
    )
    return Pod(metadata=ObjectMeta(name=name), spec=PodSpec(containers=[main]))


def test_status_subresource_changes_only_status(cs: Clientset, ns: str) -> None:
    deployments = cs.apps_v1().deployments(ns)
    created = deployments.create(deployment("st", replicas=2))
    created.status = DeploymentStatus(replicas=2, ready_replicas=1, observed_generation=1)
    assert created.spec is not None
    created.spec.replicas = 9  # ignored by the status endpoint
    updated = deployments.update_status(created)
    assert updated.status and (updated.status.replicas, updated.status.ready_replicas) == (2, 1)
    assert updated.spec and updated.spec.replicas == 2
    patched = deployments.patch_status("st", {"status": {"readyReplicas": 2}})
    assert patched.status and patched.status.ready_replicas == 2
    assert deployments.get_status("st").status == patched.status
    # update() ignores status: the main resource does not write it.
    current = deployments.get("st")
    current.status = DeploymentStatus(replicas=7)
    assert deployments.update(current).status == patched.status


def test_scale_subresource(cs: Clientset, ns: str) -> None:
    deployments = cs.apps_v1().deployments(ns)
    deployments.create(deployment("sc", replicas=1))
    scale = deployments.get_scale("sc")
    assert scale.spec and scale.spec.replicas == 1
    assert scale.kind == "Scale" and scale.api_version == "autoscaling/v1"
    updated = deployments.update_scale(
        "sc", Scale(metadata=ObjectMeta(name="sc"), spec=ScaleSpec(replicas=5))
    )
    assert updated.spec and updated.spec.replicas == 5
    assert (deployments.get("sc").spec or ScaleSpec()).replicas == 5
    patched = deployments.patch_scale("sc", {"spec": {"replicas": 3}})
    assert patched.spec and patched.spec.replicas == 3


def test_eviction_deletes_the_pod(cs: Clientset, ns: str) -> None:
    pods = cs.core_v1().pods(ns)
    pods.create(_pod("evictee"))
    pods.evict("evictee", Eviction(metadata=ObjectMeta(name="evictee", namespace=ns)))
    with pytest.raises(NotFound):
        pods.get("evictee")


def test_binding_assigns_a_node(cs: Clientset, ns: str) -> None:
    cs.core_v1().nodes().create(Node(metadata=ObjectMeta(name=f"node-{ns}")))
    pods = cs.core_v1().pods(ns)
    pods.create(_pod("bound"))
    target = ObjectReference(kind="Node", name=f"node-{ns}", api_version="v1")
    pods.bind("bound", Binding(metadata=ObjectMeta(name="bound"), target=target))
    assert (pods.get("bound").spec or PodSpec(containers=[])).node_name == f"node-{ns}"


def test_service_account_token(cs: Clientset, ns: str) -> None:
    # No controller-manager runs, so the service account is created by hand.
    cs.core_v1().service_accounts(ns).create(ServiceAccount(metadata=ObjectMeta(name="robot")))
    request = TokenRequest(spec=TokenRequestSpec(audiences=["kubeset-e2e"], expiration_seconds=600))
    issued = cs.core_v1().service_accounts(ns).create_token("robot", request)
    assert issued.status and issued.status.token.count(".") == 2  # a JWT
    payload = issued.status.token.split(".")[1]
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert f"system:serviceaccount:{ns}:robot" in claims and "kubeset-e2e" in claims
    assert issued.status.expiration_timestamp is not None


def test_ephemeral_containers_and_resize(cs: Clientset, ns: str) -> None:
    pods = cs.core_v1().pods(ns)
    pod = pods.create(_pod("debugged"))
    assert pod.spec is not None
    pod.spec.ephemeral_containers = [EphemeralContainer(name="debugger", image="busybox")]
    updated = pods.update_ephemeral_containers(pod)
    assert updated.spec and [c.name for c in updated.spec.ephemeral_containers or []] == [
        "debugger"
    ]
    assert pods.get_ephemeral_containers("debugged").spec
    resized = pods.patch_resize(
        "debugged",
        {"spec": {"containers": [{"name": "main", "resources": {"requests": {"cpu": "200m"}}}]}},
        patch_type="application/strategic-merge-patch+json",
    )
    resources = resized.spec.containers[0].resources if resized.spec else None
    assert resources and resources.requests == {"cpu": "200m"}


def test_namespace_finalize(cs: Clientset, ns: str) -> None:
    namespaces = cs.core_v1().namespaces()
    namespace = namespaces.get(ns)
    assert namespace.spec and namespace.spec.finalizers == ["kubernetes"]
    namespace.spec.finalizers = []
    assert (namespaces.finalize(namespace).spec or namespace.spec).finalizers in (None, [])


def test_certificate_signing_request_approval(cs: Clientset) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "e2e")]))
        .sign(key, hashes.SHA256())
    )
    pem = base64.b64encode(csr.public_bytes(serialization.Encoding.PEM)).decode()
    csrs = cs.certificates_v1().certificate_signing_requests()
    created = csrs.create(
        CertificateSigningRequest(
            metadata=ObjectMeta(name="e2e-csr"),
            spec=CertificateSigningRequestSpec(
                request=pem, signer_name="example.com/e2e", usages=["digital signature"]
            ),
        )
    )
    created.status = CertificateSigningRequestStatus(
        conditions=[
            CertificateSigningRequestCondition(
                type="Approved", status="True", reason="E2E", message="ok"
            )
        ]
    )
    approved = csrs.update_approval(created)
    conditions = approved.status.conditions or [] if approved.status else []
    assert [(c.type, c.status) for c in conditions] == [("Approved", "True")]


def test_logs_without_a_kubelet(cs: Clientset, ns: str) -> None:
    """An unscheduled pod has no log yet (the server answers 204); a wrong container is a typed
    400 naming it."""
    pods = cs.core_v1().pods(ns)
    pods.create(_pod("nolog"))
    assert pods.get_logs("nolog", tail_lines=10) == ""
    with pytest.raises(BadRequest) as info:
        pods.get_logs("nolog", container="sidecar")
    assert info.value.code == 400 and "sidecar" in info.value.message
    assert info.value.request and "container=sidecar" in info.value.request.path


def test_hand_written_expansion_cordons_a_node(cs: Clientset, ns: str) -> None:
    """``expansions/core_v1.py`` adds ``cordon``/``uncordon`` to the generated nodes client."""
    nodes = cs.core_v1().nodes()
    nodes.create(Node(metadata=ObjectMeta(name=f"cordon-{ns}")))
    try:
        assert nodes.cordon(f"cordon-{ns}").spec.unschedulable is True  # type: ignore[union-attr]
        assert nodes.get(f"cordon-{ns}").spec.unschedulable is True  # type: ignore[union-attr]
        uncordoned = nodes.uncordon(f"cordon-{ns}")
        assert uncordoned.spec is None or not uncordoned.spec.unschedulable
    finally:
        nodes.delete(f"cordon-{ns}")
