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

The binaries come from ``make envtest`` (built from Go modules into ``bin/``) or
from ``$KUBEBUILDER_ASSETS``. The pytest plugin
:mod:`kubeset.envtest.pytest_plugin` provides a session-scoped ``kube_cluster``
fixture, and ``python -m kubeset.envtest`` runs a cluster in the foreground or
dumps the server's OpenAPI documents.

Importing this package is cheap: ``cryptography`` and ``httpx`` are imported only
when a control plane starts.
"""

from kubeset.envtest._binaries import Binaries, find_binaries
from kubeset.envtest._controlplane import ControlPlane, TokenUser, User
from kubeset.envtest._errors import BinariesNotFoundError, ControlPlaneStartError, EnvtestError

__all__ = [
    "Binaries",
    "BinariesNotFoundError",
    "ControlPlane",
    "ControlPlaneStartError",
    "EnvtestError",
    "TokenUser",
    "User",
    "find_binaries",
]
