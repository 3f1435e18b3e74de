"""The constructor's keywords at run time: the fields' Python names and wire names; anything else
is a ``TypeError`` naming the closest field. Unknown fields from the server are still kept."""

from __future__ import annotations

import json
import os
import pickle
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from kubeset.decode import decode, decode_event
from kubeset.errors import RequestInfo
from kubeset.model import KubeModel, to_dict
from kubeset_k8s.models.apps_v1 import Deployment
from kubeset_k8s.models.core_v1 import Container, Pod, PodSpec
from kubeset_k8s.models.meta_v1 import LabelSelector, ObjectMeta

EXAMPLES = Path(__file__).parent / "examples"
REQUEST = RequestInfo("GET", "/api/v1/pods?watch=true", 200)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: ObjectMeta(lables={}),
            "ObjectMeta got an unexpected keyword argument 'lables'; did you mean 'labels'?",
        ),
        (
            lambda: Container(name="c", image_pull_polcy="Always"),
            "Container got an unexpected keyword argument 'image_pull_polcy'; "
            "did you mean 'image_pull_policy'?",
        ),
        (
            # a misspelt wire name: the hint is the Python name
            lambda: Container(name="c", imagePullPolicyy="Always"),
            "Container got an unexpected keyword argument 'imagePullPolicyy'; "
            "did you mean 'image_pull_policy'?",
        ),
        (
            lambda: LabelSelector(matchlabels={}),
            "LabelSelector got an unexpected keyword argument 'matchlabels'; "
            "did you mean 'match_labels'?",
        ),
        (
            lambda: Pod(zzzz=1),
            "Pod got an unexpected keyword argument 'zzzz'",
        ),
    ],
)
def test_unknown_keyword_is_a_type_error(build: object, message: str) -> None:
    with pytest.raises(TypeError) as info:
        build()  # type: ignore[operator]
    assert str(info.value) == message


def test_python_and_wire_names() -> None:
    by_name = ObjectMeta(generate_name="web-", resource_version="1")
    by_wire = ObjectMeta(generateName="web-", resourceVersion="1")  # type: ignore[call-arg]
    assert by_name == by_wire
    assert to_dict(by_wire) == {"generateName": "web-", "resourceVersion": "1"}
    pod = Pod(apiVersion="v1", kind="Pod")  # type: ignore[call-arg]
    assert pod.api_version == "v1"


def test_reads_keep_unknown_fields() -> None:
    wire = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "lables": {"a": "b"}},
        "spec": {"containers": [{"name": "c", "futureField": 1}]},
        "newTopLevel": True,
    }
    for pod in (
        Pod.model_validate(wire),
        Pod.model_validate_json(json.dumps(wire)),
        decode(Pod, json.dumps(wire).encode(), RequestInfo("GET", "/api/v1/pods/web", 200)),
        decode_event(Pod, json.dumps({"type": "ADDED", "object": wire}), REQUEST).object,
    ):
        assert to_dict(pod) == wire
        assert pod.model_extra == {"newTopLevel": True}
    # A nested model given as a dict is validated, not constructed: its unknown keys are kept.
    assert to_dict(Pod(metadata={"lables": {}})) == {"metadata": {"lables": {}}}  # type: ignore[arg-type]


def test_other_ways_to_make_a_model_do_not_check() -> None:
    meta = ObjectMeta.model_construct(lables={})
    assert meta.model_extra == {"lables": {}} or getattr(meta, "lables", None) == {}
    pod = Pod(spec=PodSpec(containers=[Container(name="c")]))
    copied = pod.model_copy(update={"kind": "Pod"})
    assert copied.kind == "Pod"
    assert pickle.loads(pickle.dumps(pod)) == pod
    deployment = Deployment.model_validate({"spec": {"replicas": 2, "unknown": 1}})
    assert deployment.model_copy(deep=True) == deployment


def test_subclass_has_its_own_names() -> None:
    class Base(KubeModel):
        a: int | None = None

    class Child(Base):
        b: int | None = None

    assert Base(a=1).a == 1
    assert Child(a=1, b=2).b == 2
    with pytest.raises(TypeError, match="Base got an unexpected keyword argument 'b'"):
        Base(b=2)  # type: ignore[call-arg]


@pytest.mark.parametrize("name", ["ok_construct.py", "ok_optional.py", "ok_validate.py"])
def test_ok_examples_run(name: str) -> None:
    runpy.run_path(str(EXAMPLES / name))


def test_first_use_resolves_types_in_the_models_module() -> None:
    # A script's own `pod` must not hide the module PodList's `list[pod.Pod]` names: models are
    # built on first use, from the caller's frame (a fresh process, so PodList is not yet built).
    script = (
        "from kubeset_k8s.models.core_v1 import Pod, PodList\n"
        "pod = Pod.model_validate({'metadata': {'name': 'a'}})\n"
        "pods = PodList.model_validate({'items': [{'metadata': {'name': 'a'}}]})\n"
        "print(pods.items[0].metadata.name)\n"
    )
    root = Path(__file__).parent.parent.parent
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "generated")])},
    )
    assert (result.returncode, result.stdout) == (0, "a\n"), result.stderr
