"""The whole walkthrough on this machine, no cluster needed: start a real kube-apiserver (envtest),
create a few pods with the generated clientset, then run examples/list_pods.py against it.

    make demo        # or: python examples/demo.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kubeset import load_kubeconfig
from kubeset.envtest import ControlPlane
from kubeset_k8s import Clientset
from kubeset_k8s.models.core_v1 import Container, Namespace, Pod, PodSpec
from kubeset_k8s.models.meta_v1 import ObjectMeta

HERE = Path(__file__).parent


def main() -> int:
    with ControlPlane() as plane:
        print(f"control plane up at {plane.host} in {plane.start_seconds:.1f}s")
        with Clientset.for_config(load_kubeconfig(plane.kubeconfig_path)) as cs:
            cs.core_v1().namespaces().create(Namespace(metadata=ObjectMeta(name="demo")))
            for i in range(3):
                pod = Pod(
                    metadata=ObjectMeta(name=f"web-{i}", labels={"app": "web"}),
                    spec=PodSpec(containers=[Container(name="web", image="nginx:1.27")]),
                )
                cs.core_v1().pods("demo").create(pod)
            print("created 3 pods (no scheduler runs here, so they stay Pending)")
        command = [
            sys.executable,
            str(HERE / "list_pods.py"),
            "--kubeconfig",
            str(plane.kubeconfig_path),
            "--count",
            "2",
            "--interval",
            "1",
        ]
        return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
