"""The first use of a model class from many threads at once (kubeset.lazy wiring, KubeModel builds).

A model's validator is built on first use, after :mod:`kubeset.lazy` has imported and bound the
modules its fields refer to. Fifty threads that use never-built models at the same instant must
all succeed. Each round runs in a fresh interpreter, so nothing is wired or built beforehand; the
race did not show in every process, so there are several rounds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import importlib
    import sys
    import threading

    from kubeset.decode import decode
    from kubeset.model import to_dict, to_json

    NAMES = [
        ("core_v1", "ConfigMap"), ("core_v1", "Pod"), ("apps_v1", "Deployment"),
        ("core_v1", "Service"), ("batch_v1", "Job"), ("apps_v1", "StatefulSet"),
        ("core_v1", "Secret"), ("networking_v1", "Ingress"), ("core_v1", "PodList"),
    ]
    classes = [getattr(importlib.import_module("kubeset_k8s.models." + m), n) for m, n in NAMES]
    assert not any(c.__pydantic_complete__ for c in classes)
    THREADS = 50
    barrier = threading.Barrier(THREADS)
    errors = []

    def run(i):
        cls = classes[i % len(classes)]
        barrier.wait()
        try:
            way = i % 3
            if way == 0:
                obj = cls(metadata={"name": f"x{i}", "labels": {"a": "b"}})
            elif way == 1:
                obj = cls.model_validate({"metadata": {"name": f"x{i}"}})
            else:
                obj = decode(cls, b'{"metadata": {"name": "x"}}', None)
            assert to_dict(obj)["metadata"]["name"].startswith("x")
            to_json(obj)
        except BaseException as exc:
            errors.append(f"{cls.__name__}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(len(errors), "of", THREADS, "threads failed; first:", errors[0][:400])
        sys.exit(1)
    """
)

ROUNDS = 10


def test_first_use_of_models_from_fifty_threads() -> None:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    failures = []
    # Two fresh interpreters at a time: ten rounds in a few seconds.
    for start in range(0, ROUNDS, 2):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
            )
            for _ in range(start, min(start + 2, ROUNDS))
        ]
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            if proc.returncode != 0:
                failures.append(out.decode(errors="replace").strip()[-600:])
    assert not failures, f"{len(failures)} of {ROUNDS} fresh processes failed:\n" + "\n".join(
        failures[:3]
    )


def test_a_built_model_takes_no_lock() -> None:
    """After its first build, ``model_rebuild`` returns before the build lock."""
    from kubeset import model as model_module
    from kubeset_k8s.models.core_v1 import ConfigMap

    ConfigMap.model_validate({"data": {"a": "b"}})

    class Forbidden:
        def __enter__(self) -> None:
            raise AssertionError("the build lock was taken for a built model")

        def __exit__(self, *exc: object) -> None:
            return None

    saved = model_module._build_lock
    model_module._build_lock = Forbidden()
    try:
        assert ConfigMap.model_rebuild() is None
        ConfigMap(data={"a": "b"})
    finally:
        model_module._build_lock = saved
