"""Label and field selectors as the kube-apiserver evaluates them.

Label selectors use :func:`kubeset.labels.parse_selector`. Field selectors support
``metadata.name`` and ``metadata.namespace`` for every resource plus the per-kind fields the
real server registers; an unsupported field is refused with the real server's message (which
depends on the kind).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubeset.fake.status import StatusError, bad_request
from kubeset.labels import Selector, SelectorError, parse_selector

__all__ = ["FieldSelector", "parse_field_selector", "parse_label_selector"]


def parse_label_selector(text: str | None) -> Selector:
    """Parse ``labelSelector``; a bad one is a 400 like the real server's."""
    try:
        return parse_selector(text)
    except SelectorError as exc:
        raise bad_request(f"unable to parse requirement: {exc}") from None


def _get(obj: Mapping[str, Any], path: str) -> Any:
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Getter = Callable[[Mapping[str, Any]], str]


def _path(path: str) -> Getter:
    return lambda obj: _text(_get(obj, path))


_META: dict[str, Getter] = {
    "metadata.name": _path("metadata.name"),
    "metadata.namespace": _path("metadata.namespace"),
}

_POD: dict[str, Getter] = {
    **_META,
    **{
        f: _path(f)
        for f in (
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        )
    },
    # an unset hostNetwork selects as "false", as the real server's pod attributes do
    "spec.hostNetwork": lambda obj: _text(bool(_get(obj, "spec.hostNetwork"))),
}

_EVENT_FIELDS = (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "type",
)
_CORE_EVENT: dict[str, Getter] = {
    **_META,
    **{f: _path(f) for f in _EVENT_FIELDS},
    "source": _path("source.component"),
}
_NEW_EVENT: dict[str, Getter] = {
    **_META,
    **{f: _path(f.replace("involvedObject.", "regarding.")) for f in _EVENT_FIELDS[:7]},
    "reason": _path("reason"),
    "reportingComponent": _path("reportingController"),
    "type": _path("type"),
    "source": _path("deprecatedSource.component"),
}

#: (group, kind) → (selectable fields, the style of the real server's refusal).
_KINDS: dict[tuple[str, str], tuple[dict[str, Getter], str]] = {
    ("", "Pod"): (_POD, "label"),
    ("", "Event"): (_CORE_EVENT, "label"),
    ("events.k8s.io", "Event"): (_NEW_EVENT, "label"),
    ("", "Secret"): ({**_META, "type": _path("type")}, "label"),
    ("", "Node"): ({**_META, "spec.unschedulable": _path("spec.unschedulable")}, "label"),
    ("", "Namespace"): ({**_META, "status.phase": _path("status.phase")}, "label"),
    ("", "Service"): (
        {**_META, "spec.clusterIP": _path("spec.clusterIP"), "spec.type": _path("spec.type")},
        "label",
    ),
    ("", "ReplicationController"): (
        {**_META, "status.replicas": _path("status.replicas")},
        "label",
    ),
    ("apps", "ReplicaSet"): ({**_META, "status.replicas": _path("status.replicas")}, "meta"),
    ("batch", "Job"): ({**_META, "status.successful": _path("status.successful")}, "job"),
    ("certificates.k8s.io", "CertificateSigningRequest"): (
        {**_META, "spec.signerName": _path("spec.signerName")},
        "label",
    ),
    ("resource.k8s.io", "ResourceSlice"): (
        {**_META, "spec.nodeName": _path("spec.nodeName"), "spec.driver": _path("spec.driver")},
        "gvk",
    ),
}


@dataclass(frozen=True, slots=True)
class _Term:
    field: str
    negated: bool
    value: str
    getter: Getter


@dataclass(frozen=True, slots=True)
class FieldSelector:
    """Parsed ``fieldSelector``: every term must match."""

    terms: tuple[_Term, ...] = ()

    def matches(self, obj: Mapping[str, Any]) -> bool:
        """Whether ``obj`` is selected."""
        return all((term.getter(obj) == term.value) != term.negated for term in self.terms)

    @property
    def empty(self) -> bool:
        """Selects everything."""
        return not self.terms

    def pinned(self, field: str) -> str | None:
        """The value an equality term requires of ``field`` (``metadata.name=x``), if any."""
        for term in self.terms:
            if term.field == field and not term.negated:
                return term.value
        return None


def _unsupported(field: str, group: str, version: str, kind: str, style: str) -> StatusError:
    if style == "label":
        return bad_request(f"field label not supported: {field}")
    if style == "job":
        return bad_request(f'field label "{field}" not supported for {kind}')
    if style == "gvk":
        gv = f"{group}/{version}" if group else version
        return bad_request(f"field label not supported for {gv}, Kind={kind}: {field}")
    return bad_request(
        f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )


def _split_terms(text: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    out, escaped = [], False
    for char in value:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            out.append(char)
    return "".join(out)


def parse_field_selector(
    text: str | None,
    *,
    group: str,
    version: str,
    kind: str,
    custom_fields: Mapping[str, str] | None = None,
) -> FieldSelector:
    """Parse ``fieldSelector`` for ``kind``; unknown fields and bad syntax are 400s.

    ``custom_fields`` maps extra selectable field names to their JSON paths (custom resources).
    """
    if not text or not text.strip():
        return FieldSelector()
    fields, style = _KINDS.get((group, kind), (_META, "meta"))
    if custom_fields:
        fields = {**fields, **{name: _path(path) for name, path in custom_fields.items()}}
    terms = []
    for raw in _split_terms(text):
        part = raw.strip()
        for op in ("!=", "==", "="):
            idx = part.find(op)
            if idx > 0:
                field, value = part[:idx].strip(), part[idx + len(op) :].strip()
                negated = op == "!="
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{raw}'")
        getter = fields.get(field)
        if getter is None:
            raise _unsupported(field, group, version, kind, style)
        terms.append(_Term(field, negated, _unescape(value), getter))
    return FieldSelector(tuple(terms))
