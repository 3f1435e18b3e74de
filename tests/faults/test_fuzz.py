"""Property-based fuzzing (hypothesis) of what parses untrusted bytes: the watch-line decoders,
``Status`` decoding, the kubeconfig loader, the spec loader (with the IR built from what it
accepts) and the CRD loader. Each may fail only with the project's typed error for it.

Each target is a :class:`Target`: a strategy and a check; :func:`fuzz` runs one for a number of
examples (derandomized: CI runs are reproducible) and counts the inputs in :data:`INPUTS`.
``python -m tests.faults.report`` runs the same targets with more examples, and the
:data:`REGRESSIONS` (inputs that once failed untyped) with them.
"""

from __future__ import annotations

import copy
import json
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from tests.specs import CORPUS

REPO = Path(__file__).resolve().parents[2]
WIDGETS_SPEC = REPO / "tests" / "codegen" / "specs" / "widgets.json"
CRD_FILES = (
    CORPUS / "crds" / "external-secrets" / "generators.external-secrets.io_passwords.yaml",
    CORPUS / "crds" / "gatekeeper" / "config-customresourcedefinition.yaml",
)

#: Inputs tried per target (by :func:`fuzz`, in this process).
INPUTS: Counter[str] = Counter()


class UntypedError(AssertionError):
    """A target raised something other than its typed error."""


def _expect(
    allowed: type[BaseException] | tuple[type[BaseException], ...], fn: Callable[[], Any]
) -> Any:
    """``fn()``; an exception other than ``allowed`` fails the property (warnings are not
    errors here: the loaders warn about odd input on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn()
        except allowed:
            return None
        except Exception as exc:
            raise UntypedError(f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}") from exc


# --- strategies --------------------------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=16)
    | st.sampled_from(
        [
            "",
            "ADDED",
            "MODIFIED",
            "DELETED",
            "BOOKMARK",
            "ERROR",
            "Status",
            "v1",
            "Pod",
            "#/definitions/com.example.widgets.v1.Widget",
            "#/definitions/nope",
            "Namespaced",
            "Cluster",
            "https://127.0.0.1:1",
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
        ]
    )
)
JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(max_size=12) | st.sampled_from(["$ref", "type", "kind"]), inner, max_size=4
        )
    ),
    max_leaves=12,
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*path, i)))
    return out


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_mutations: int = 4) -> Any:
    """``base`` (a JSON document) with a few structural mutations: a value replaced (by any JSON
    value, or by a node of another type), a key or item deleted, a key or item added."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["replace", "delete", "add", "retype"]))
        if not path:
            if op == "replace":
                doc = draw(JSON)
            continue
        parent = _at(doc, path[:-1])
        key = path[-1]
        if op == "replace":
            parent[key] = draw(JSON)
        elif op == "retype":
            node = parent[key]
            parent[key] = draw(
                st.sampled_from(
                    [None, [], {}, "", 0, 1.5, True, [node], {"x": node}, json.dumps(node)]
                )
            )
        elif op == "delete":
            del parent[key]
        else:
            target = parent[key]
            if isinstance(target, dict):
                target[draw(st.text(max_size=12))] = draw(JSON)
            elif isinstance(target, list):
                target.insert(draw(st.integers(0, len(target))), draw(JSON))
            else:
                parent[key] = [target, draw(JSON)]
    return doc


@st.composite
def byte_mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few byte-level edits: cut, byte flipped, bytes inserted or deleted."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "cut":
            del data[pos:]
        elif op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif data:
            del data[pos : pos + draw(st.integers(1, 8))]
    return bytes(data)


def _serialized(doc_strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """A document as JSON or YAML text (unserializable values fall back to their repr)."""

    def dump(args: tuple[Any, str]) -> bytes:
        doc, fmt = args
        if fmt == "json":
            return json.dumps(doc, default=repr).encode()
        try:
            return yaml.safe_dump(doc, allow_unicode=True).encode()
        except yaml.YAMLError:
            return json.dumps(doc, default=repr).encode()

    return st.tuples(doc_strategy, st.sampled_from(["json", "yaml"])).map(dump)


# --- watch events ---------------------------------------------------------------------------------

POD_EVENT = {
    "type": "ADDED",
    "object": {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "namespace": "default",
            "resourceVersion": "12",
            "labels": {"app": "web"},
            "creationTimestamp": "2024-01-01T00:00:00Z",
        },
        "spec": {
            "containers": [{"name": "main", "image": "busybox", "ports": [{"containerPort": 80}]}]
        },
        "status": {"phase": "Pending"},
    },
}
ERROR_EVENT = {
    "type": "ERROR",
    "object": {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": "too old resource version: 1 (2)",
        "reason": "Expired",
        "code": 410,
    },
}
BOOKMARK_EVENT = {
    "type": "BOOKMARK",
    "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "99"}},
}
EVENTS = [POD_EVENT, ERROR_EVENT, BOOKMARK_EVENT]

_EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED", "BOOKMARK")


def _watch_info() -> Any:
    from kubeset.errors import RequestInfo

    return RequestInfo("GET", "/api/v1/namespaces/default/pods?watch=true", 200)


def check_watch_line(line: bytes | str) -> None:
    """Both watch decoders: a :class:`WatchEvent` or a :class:`KubesetError`, nothing else."""
    from kubeset.decode import decode_event, decode_event_dict
    from kubeset.errors import KubesetError
    from kubeset_k8s.models.core_v1 import Pod

    info = _watch_info()
    event = _expect(KubesetError, lambda: decode_event(Pod, line, info))
    if event is not None:
        assert event.type in _EVENT_TYPES and isinstance(event.object, Pod)
    plain = _expect(KubesetError, lambda: decode_event_dict(line, info))
    if plain is not None:
        assert plain.type in _EVENT_TYPES and isinstance(plain.object, dict)


def _as_line(args: tuple[bytes, bool]) -> bytes | str:
    data, as_text = args
    return data.decode("utf-8", "replace") if as_text else data


WATCH_BYTES = st.tuples(
    st.one_of(
        st.binary(max_size=200),
        st.sampled_from(EVENTS).map(lambda e: json.dumps(e).encode()).flatmap(byte_mutated),
    ),
    st.booleans(),
).map(_as_line)
WATCH_MUTATED = (
    st.sampled_from(EVENTS).flatmap(mutated).map(lambda doc: json.dumps(doc, default=repr))
)


# --- Status ---------------------------------------------------------------------------------------

STATUS = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": 'configmaps "x" not found',
    "reason": "NotFound",
    "details": {"name": "x", "kind": "configmaps", "causes": [{"field": "a", "message": "b"}]},
    "code": 404,
}


def check_status(args: tuple[int, bytes]) -> None:
    """:func:`error_from_response` always returns an :class:`ApiError`, never raises."""
    from kubeset.errors import ApiError, RequestInfo, error_from_response

    code, body = args
    try:
        error = error_from_response(code, body, RequestInfo("GET", "/api/v1/x", code))
    except Exception as exc:
        raise UntypedError(f"error_from_response raised {type(exc).__qualname__}: {exc}") from exc
    assert isinstance(error, ApiError)
    str(error)  # the message renders
    _ = error.retry_after_seconds


STATUS_INPUTS = st.tuples(
    st.integers(0, 999) | st.sampled_from([400, 404, 409, 410, 422, 429, 500, 503, 504]),
    st.one_of(
        st.binary(max_size=200),
        mutated(STATUS).map(lambda d: json.dumps(d, default=repr).encode()),
        byte_mutated(json.dumps(STATUS).encode()),
    ),
)


# --- files: kubeconfig, spec, CRDs ------------------------------------------------------------------

_TMP = tempfile.TemporaryDirectory(prefix="kubeset-fuzz-")


def _write(name: str, data: bytes) -> str:
    path = Path(_TMP.name) / name
    path.write_bytes(data)
    return str(path)


KUBECONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "current-context": "dev",
    "clusters": [
        {
            "name": "dev",
            "cluster": {
                "server": "https://127.0.0.1:6443",
                "tls-server-name": "kubernetes",
                "proxy-url": "http://127.0.0.1:3128",
            },
        }
    ],
    "users": [
        {"name": "admin", "user": {"token": "t0ken", "as": "alice", "as-groups": ["devs"]}},
        {
            "name": "plugin",
            "user": {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "command": "true",
                    "args": ["a"],
                    "env": [{"name": "A", "value": "b"}],
                    "interactiveMode": "Never",
                }
            },
        },
    ],
    "contexts": [
        {"name": "dev", "context": {"cluster": "dev", "user": "admin", "namespace": "ns"}},
        {"name": "exec", "context": {"cluster": "dev", "user": "plugin"}},
    ],
}


def check_kubeconfig(data: bytes) -> None:
    """The kubeconfig loader: a :class:`Config` or :class:`ConfigError`."""
    from kubeset import Config, ConfigError, load_kubeconfig

    path = _write("kubeconfig", data)
    config = _expect(ConfigError, lambda: load_kubeconfig(path))
    if config is not None:
        assert isinstance(config, Config)
    exec_config = _expect(ConfigError, lambda: load_kubeconfig(path, context="exec"))
    if exec_config is not None:
        assert isinstance(exec_config, Config)


KUBECONFIG_INPUTS = st.one_of(
    st.binary(max_size=200),
    _serialized(mutated(KUBECONFIG)),
    byte_mutated(yaml.safe_dump(KUBECONFIG).encode()),
)


def check_spec(data: bytes) -> None:
    """The spec loader, and the IR of what it accepts: :class:`SpecError` only."""
    from clientgen.ir import build_ir
    from clientgen.spec import SpecError, load_spec

    path = _write("spec.json", data)
    spec = _expect(SpecError, lambda: load_spec(path))
    if spec is not None:
        _expect(SpecError, lambda: build_ir(spec, "p"))


_WIDGETS = json.loads(WIDGETS_SPEC.read_text())
SPEC_INPUTS = st.one_of(
    _serialized(mutated(_WIDGETS, max_mutations=3)),
    byte_mutated(json.dumps(_WIDGETS).encode()),
)


def check_crd(data: bytes) -> None:
    """The CRD loader and the spec made from it: :class:`SpecError` only."""
    from clientgen.sources import crd_spec, load_crd_documents
    from clientgen.spec import SpecError

    path = _write("crd.yaml", data)
    documents = _expect(SpecError, lambda: load_crd_documents([path]))
    if documents is not None:
        _expect(SpecError, lambda: crd_spec(documents))


_CRDS = [yaml.safe_load(p.read_text()) for p in CRD_FILES]
CRD_INPUTS = st.one_of(
    _serialized(st.sampled_from(_CRDS).flatmap(lambda c: mutated(c, max_mutations=3))),
    st.sampled_from([p.read_bytes() for p in CRD_FILES]).flatmap(byte_mutated),
)


# --- targets ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], None]
    examples: int  # per test run (the report runs more)


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("watch_event_bytes", WATCH_BYTES, check_watch_line, 200),
        Target("watch_event_mutated", WATCH_MUTATED, check_watch_line, 120),
        Target("status", STATUS_INPUTS, check_status, 200),
        Target("kubeconfig", KUBECONFIG_INPUTS, check_kubeconfig, 150),
        Target("spec", SPEC_INPUTS, check_spec, 60),
        Target("crd", CRD_INPUTS, check_crd, 60),
    )
}


def fuzz(
    target: Target, max_examples: int | None = None, *, seed: int | None = None
) -> Callable[[], None]:
    """A hypothesis test running ``target`` (derandomized unless a ``seed`` is given);
    call it to run. Raises the (shrunk) failure, :class:`UntypedError` for an untyped one."""

    @settings(
        max_examples=max_examples or target.examples,
        deadline=None,
        derandomize=seed is None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        print_blob=False,
    )
    @given(target.strategy)
    def run(value: Any) -> None:
        INPUTS[target.name] += 1
        target.check(value)

    if seed is not None:
        from hypothesis import seed as set_seed

        run = set_seed(seed)(run)
    return run


@pytest.mark.parametrize("name", list(TARGETS))
def test_fuzz(name: str) -> None:
    fuzz(TARGETS[name])()


# --- regressions: inputs that failed untyped; their tests xfail (strict) until fixed ------------------

_DEEP_JSON = b"[" * 100_000 + b"]" * 100_000  # far deeper than any recursion limit
_DEEP_EVENT = b'{"type":"ADDED","object":' + _DEEP_JSON + b"}"


def _widgets_with(path: str, method: str, key: str, value: Any) -> bytes:
    doc = copy.deepcopy(_WIDGETS)
    doc["paths"][path][method][key] = value
    return json.dumps(doc).encode()


_WIDGET_PATH = "/apis/widgets.example.com/v1/namespaces/{namespace}/widgets/{name}"

#: regression name → (target name, inputs, how they used to fail).
REGRESSIONS: dict[str, tuple[str, list[Any], str]] = {
    "watch_event_deep": (
        "watch_event_bytes",
        [_DEEP_EVENT, _DEEP_JSON],
        "json.loads raises RecursionError (not a DecodeError) on deeply nested JSON "
        "(kubeset.decode._event_error / decode_event_dict)",
    ),
    "status_deep": (
        "status",
        [(500, _DEEP_JSON), (404, _DEEP_EVENT)],
        "error_from_response lets RecursionError out of json.loads on deeply nested JSON",
    ),
    "kubeconfig_deep": (
        "kubeconfig",
        [b"a:\n- " + _DEEP_JSON],
        "load_kubeconfig lets RecursionError out of yaml.safe_load on deeply nested YAML",
    ),
    "spec_deep": (
        "spec",
        [_DEEP_JSON],
        "parse_spec lets RecursionError out of json.loads/yaml.safe_load on deep nesting",
    ),
    "spec_consumes_null": (
        "spec",
        [_widgets_with(_WIDGET_PATH, "patch", "consumes", None)],
        "build_ir raises TypeError for an operation whose consumes is not a list "
        "(clientgen/ir.py: op.get('consumes', []) iterated unchecked)",
    ),
    "crd_deep": (
        "crd",
        [_DEEP_JSON],
        "load_crd_documents lets RecursionError out of yaml on deeply nested YAML",
    ),
}


def regression_test(name: str) -> Callable[[], None]:
    """A hypothesis test running only the explicit ``@example`` inputs of ``REGRESSIONS[name]``."""
    target_name, inputs, _ = REGRESSIONS[name]
    target = TARGETS[target_name]

    def run(value: Any) -> None:
        INPUTS[f"{target_name} (regressions)"] += 1
        target.check(value)

    for value in inputs:
        run = example(value)(run)
    return settings(
        phases=[Phase.explicit], database=None, deadline=None, report_multiple_bugs=False
    )(given(target.strategy)(run))


#: Regressions not fixed yet: their tests xfail (strict, so a fix makes them fail until removed).
STILL_BROKEN: set[str] = set()


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, raises=UntypedError, reason=why)]
            if name in STILL_BROKEN
            else [],
        )
        for name, (_, _, why) in REGRESSIONS.items()
    ],
)
def test_regression(name: str) -> None:
    regression_test(name)()
