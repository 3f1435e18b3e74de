"""kubeset: typed Kubernetes clients generated from the cluster's own OpenAPI.

The runtime that generated clientsets (``kubeset_k8s`` and packages made by ``clientgen``) stand on:
configuration, the REST client, verbs, watches, patches and typed errors.
"""

from kubeset._version import __version__
from kubeset.config import (
    AuthProviderConfig,
    Config,
    ConfigError,
    EmptyConfigError,
    ExecConfig,
    Impersonation,
    InsecureTLSWarning,
)
from kubeset.errors import (
    AlreadyExists,
    ApiError,
    BadRequest,
    Conflict,
    DecodeError,
    Forbidden,
    Gone,
    InternalError,
    Invalid,
    KubesetError,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    ServerTimeout,
    ServiceUnavailable,
    Timeout,
    TooManyRequests,
    Unauthorized,
    UnsupportedMediaType,
)
from kubeset.kubeconfig import (
    build_config_from_flags,
    in_cluster_config,
    load_config,
    load_kubeconfig,
)
from kubeset.model import KubeModel, to_dict, to_json
from kubeset.resource import PatchType, ResourceInfo, WatchEvent

__all__ = [
    "AlreadyExists",
    "ApiError",
    "AuthProviderConfig",
    "BadRequest",
    "Config",
    "ConfigError",
    "Conflict",
    "DecodeError",
    "EmptyConfigError",
    "ExecConfig",
    "Forbidden",
    "Gone",
    "Impersonation",
    "InsecureTLSWarning",
    "InternalError",
    "Invalid",
    "KubeModel",
    "KubesetError",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "PatchType",
    "ResourceInfo",
    "ServerTimeout",
    "ServiceUnavailable",
    "Timeout",
    "TooManyRequests",
    "Unauthorized",
    "UnsupportedMediaType",
    "WatchEvent",
    "__version__",
    "build_config_from_flags",
    "in_cluster_config",
    "load_config",
    "load_kubeconfig",
    "to_dict",
    "to_json",
]
