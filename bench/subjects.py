"""How each client turns response bytes into its typed objects, and its objects back into bytes.

Each decoder takes the body of ``GET /api/v1/pods`` (bytes) and returns what the client's list
call hands to its user; JSON parsing is included for everyone, since that is part of the cost.

- kubeset: ``kubeset.decode.decode(PodList, body, info)``, what ``pods("").list()`` runs.
- lightkube: ``lightkube.core.decoders.decode_list(body, Pod)``, what ``Client.list(Pod)`` runs
  (msgspec straight from bytes into its Struct models).
- kubernetes (official): ``ApiClient.deserialize(text, "V1PodList", "application/json")``, what
  ``CoreV1Api.list_namespaced_pod`` runs after reading the response (the body decoded to str,
  ``json.loads``, then its pydantic models built from the dicts).
- kr8s: ``json.loads`` (httpx's ``Response.json()``) then one ``kr8s.objects.Pod`` per item, as
  ``kr8s.get("pods")`` does.

Encoders turn the decoded list back into request-body bytes the way each client writes a body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson
from common import FLOOR_JSON, KR8S, KUBESET, KUBESET_UNPAUSED, LIGHTKUBE, OFFICIAL

Decoder = Callable[[bytes], Any]
Encoder = Callable[[Any], bytes]


def kubeset_decoder() -> Decoder:
    from kubeset.decode import decode
    from kubeset.errors import RequestInfo
    from kubeset_k8s.models.core_v1 import PodList

    info = RequestInfo("GET", "/api/v1/pods", 200)
    return lambda body: decode(PodList, body, info)


def kubeset_unpaused_decoder() -> Decoder:
    """``PodList.model_validate_json`` alone: kubeset's decode before the collector pause."""
    from kubeset_k8s.models.core_v1 import PodList

    return PodList.model_validate_json


def kubeset_metadata_decoder() -> Decoder:
    """What ``pods("").list_metadata()`` decodes: the body the server sends for
    ``as=PartialObjectMetadataList`` (see :func:`metadata_only_body`)."""
    from kubeset.decode import decode
    from kubeset.errors import RequestInfo
    from kubeset.meta import PartialObjectMetadataList

    info = RequestInfo("GET", "/api/v1/pods", 200)
    return lambda body: decode(PartialObjectMetadataList, body, info)


def metadata_only_body(body: bytes) -> bytes:
    """What the server sends for the same list with ``as=PartialObjectMetadataList``: each item's
    metadata, nothing else (checked against the envtest apiserver by tests/e2e)."""
    data = orjson.loads(body)
    meta = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1"}
    return orjson.dumps(
        {
            "kind": "PartialObjectMetadataList",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": data.get("metadata", {}),
            "items": [{**meta, "metadata": item["metadata"]} for item in data["items"]],
        }
    )


def lightkube_decoder() -> Decoder:
    from lightkube.core.decoders import decode_list
    from lightkube.resources.core_v1 import Pod

    return lambda body: decode_list(body, Pod)[2]


def official_decoder() -> Decoder:
    from kubernetes.client import ApiClient

    api = ApiClient()
    return lambda body: api.deserialize(body.decode("utf-8"), "V1PodList", "application/json")


def kr8s_api() -> Any:
    """A kr8s ``Api`` for objects to hang on to, made without contacting a server."""
    from kr8s._api import Api

    return Api(url="http://127.0.0.1:1", bypass_factory=True)


def kr8s_decoder() -> Decoder:
    from kr8s.objects import Pod

    api = kr8s_api()
    return lambda body: [Pod(item, api=api) for item in json.loads(body)["items"]]


def decoders() -> dict[str, Decoder]:
    """Every subject's decoder, the floor first."""
    return {
        FLOOR_JSON: orjson.loads,
        KUBESET: kubeset_decoder(),
        KUBESET_UNPAUSED: kubeset_unpaused_decoder(),
        LIGHTKUBE: lightkube_decoder(),
        OFFICIAL: official_decoder(),
        KR8S: kr8s_decoder(),
    }


def kubeset_encoder() -> Encoder:
    from kubeset.model import to_json

    return to_json


def lightkube_encoder() -> Encoder:
    import msgspec

    return msgspec.json.encode  # GenericClient.build_adapter_request's json_encode


def official_encoder() -> Encoder:
    from kubernetes.client import ApiClient

    api = ApiClient()  # what every call does with a body: sanitize, then json.dumps
    return lambda obj: json.dumps(api.sanitize_for_serialization(obj)).encode()


def kr8s_encoder() -> Encoder:
    return lambda pods: json.dumps([p.raw for p in pods]).encode()  # APIObject.create's dumps


def encoders() -> dict[str, Encoder]:
    return {
        "orjson.dumps (floor)": orjson.dumps,
        KUBESET: kubeset_encoder(),
        LIGHTKUBE: lightkube_encoder(),
        OFFICIAL: official_encoder(),
        KR8S: kr8s_encoder(),
    }
