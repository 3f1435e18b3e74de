"""List the pods of a cluster every 10 seconds: client-go's out-of-cluster example, in Python.

    python examples/list_pods.py --kubeconfig ~/.kube/config

kubeconfig → rest config → clientset → group client → resource → HTTP.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from kubeset import NotFound, build_config_from_flags
from kubeset_k8s import Clientset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or str(
        Path.home() / ".kube" / "config"
    )
    parser.add_argument(
        "--kubeconfig",
        default=default,
        help="path to the kubeconfig file (default: $KUBECONFIG's first file, else ~/.kube/config)",
    )
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between listings")
    parser.add_argument("--count", type=int, default=0, help="stop after this many (0: never)")
    args = parser.parse_args()

    config = build_config_from_flags("", args.kubeconfig)
    with Clientset.for_config(config) as clientset:
        done = 0
        while True:
            pods = clientset.core_v1().pods("").list()
            print(f"There are {len(pods.items or [])} pods in the cluster", flush=True)
            # Errors are typed: look for a pod that is (most likely) not there.
            try:
                clientset.core_v1().pods("default").get("example-xxxxx")
                print("Found example-xxxxx pod in default namespace", flush=True)
            except NotFound:
                print("Pod example-xxxxx in namespace default not found", flush=True)
            done += 1
            if args.count and done >= args.count:
                break
            time.sleep(args.interval)


if __name__ == "__main__":
    main()
