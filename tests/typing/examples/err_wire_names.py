"""Keywords by wire name (``apiVersion=``) work at run time but type checkers reject them: the
constructor's parameters are the Python names. For data in the wire form, ``model_validate``."""

from __future__ import annotations

from kubeset_k8s.models.core_v1 import Container, Pod
from kubeset_k8s.models.meta_v1 import ObjectMeta

Pod(apiVersion="v1", kind="Pod")  # E: call-arg
ObjectMeta(generateName="web-")  # E: call-arg
Container(name="c", imagePullPolicy="Always")  # E: call-arg
