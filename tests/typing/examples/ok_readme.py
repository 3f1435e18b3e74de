"""The README's examples as written, under strict mode and no plugin (the certmanager one needs
a package generated from cert-manager's CRDs: its shape is the same as the built-in ones)."""

from __future__ import annotations

from kubeset import build_config_from_flags, load_kubeconfig
from kubeset.dynamic import DynamicClient
from kubeset.envtest import ControlPlane
from kubeset.fake import fake_clientset, server_of
from kubeset.workqueue import WorkQueue, default_controller_rate_limiter
from kubeset_k8s import Clientset
from kubeset_k8s.informers import SharedInformerFactory
from kubeset_k8s.models.core_v1 import Container, Pod


def first_example() -> None:
    config = build_config_from_flags("", "/home/me/.kube/config")
    with Clientset.for_config(config) as cs:
        pods = cs.core_v1().pods("").list()
        print(f"There are {len(pods.items or [])} pods in the cluster")


def models() -> Container:
    return Container(name="c", image="nginx", image_pull_policy="Always")


def dynamic() -> None:
    config = build_config_from_flags("", "/home/me/.kube/config")
    with DynamicClient.for_config(config) as dyn:
        certs = dyn.resource("cert-manager.io/v1", "Certificate", namespace="default")
        certs.patch("web", {"spec": {"renewBefore": "360h"}})


def informers(cs: Clientset) -> None:
    factory = SharedInformerFactory(cs, resync=300, namespace="", tweak_list_options=None)
    pods = factory.core_v1().pods()
    queue: WorkQueue[str] = WorkQueue(default_controller_rate_limiter())
    # Handlers take Any (the README's lambda passes unchecked); a typed one needs None checks:
    pods.informer().add_event_handler(on_add=lambda p: queue.add(p.metadata.name))

    def on_add(pod: Pod) -> None:
        if pod.metadata is not None and pod.metadata.name is not None:
            queue.add(pod.metadata.name)

    pods.informer().add_event_handler(on_add=on_add)
    factory.start()
    factory.wait_for_cache_sync(timeout=60)
    pods.lister().pods("default").get("web")
    pods.lister().list("app=web,tier in (front)")


def envtest() -> None:
    with ControlPlane() as cp:
        admin = load_kubeconfig(cp.kubeconfig_path)
        alice = cp.add_user("alice", ["devs"])
        print(admin, alice)


def fake() -> None:
    cs = fake_clientset(
        Clientset, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}
    )
    cs.core_v1().config_maps("demo").create({"metadata": {"name": "c"}, "data": {"k": "v"}})
    print(server_of(cs).actions)  # typed; `cs.fake` is not (see err_readme.py)
