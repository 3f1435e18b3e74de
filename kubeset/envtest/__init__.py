"""A real etcd + kube-apiserver control plane for end-to-end tests.

:class:`ControlPlane` starts both processes on free 127.0.0.1 ports with freshly
generated certificates, provisions an admin user and writes a kubeconfig::

    from kubeset.envtest import ControlPlane

    with ControlPlane() as cp:
        alice = cp.add_user("alice", ["devs"])
        print(cp.host, cp.kubeconfig_path, alice.kubeconfig_path)

    # Static-token users (kube-apiserver's --token-auth-file) are named before the start:
    with ControlPlane(token_users={"tina": ["testers"]}) as cp:
        tina = cp.token_user("tina")  # .token, .kubeconfig_path

    # The kubelet stand-in: pods with spec.nodeName = cp.node_name ("kubeset-node") get local
    # processes, so exec, attach, port-forward, logs and node proxy work through the API server.
    with ControlPlane(kubelet=True) as cp:
        print(cp.node_name, cp.kubelet_port)

The binaries (``etcd``, ``kube-apiserver`` and the ``kubelet`` stand-in) come from
``python -m kubeset.envtest build`` (built from the Go module
shipped with kubeset into a per-user cache directory; needs Go), ``make envtest`` in
a checkout (into ``bin/``), or ``$KUBEBUILDER_ASSETS``. Starting a control plane
needs the ``envtest`` extra (``pip install 'kubeset[envtest]'``, for
``cryptography``); without it :class:`MissingExtraError` says so. The pytest plugin
:mod:`kubeset.envtest.pytest_plugin` provides a session-scoped ``kube_cluster``
fixture, and ``python -m kubeset.envtest`` builds the binaries, runs a cluster in the
foreground or dumps the server's OpenAPI documents.

Importing this package is cheap: ``cryptography`` and ``httpx`` are imported only
when a control plane starts.
"""

from kubeset.envtest._binaries import Binaries, find_binaries
from kubeset.envtest._controlplane import ControlPlane, TokenUser, User
from kubeset.envtest._errors import (
    BinariesNotFoundError,
    ControlPlaneStartError,
    EnvtestError,
    MissingExtraError,
)

__all__ = [
    "Binaries",
    "BinariesNotFoundError",
    "ControlPlane",
    "ControlPlaneStartError",
    "EnvtestError",
    "MissingExtraError",
    "TokenUser",
    "User",
    "find_binaries",
]
