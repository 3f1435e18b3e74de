"""OpenAPI v3 as input: a directory of saved v3 documents (``--spec openapi/v3``) gives the same
clients as the same server's v2 spec; only the models may differ (v3 states more: defaults)."""

from __future__ import annotations

import difflib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from clientgen.cli import main as clientgen
from clientgen.generate import render_package
from clientgen.sources import spec_from_url, spec_from_v3_directory
from clientgen.spec import SpecError, load_spec, parse_spec
from tests.specs import (
    CORPUS_V3,
    CORPUS_V3_DOCUMENTS,
    K8S_V128,
    K8S_V136,
    PROJECT_SPEC,
    PROJECT_V3,
    package_files,
    v2_subset,
)

#: The groups of the corpus's v3 documents.
CORPUS_GROUPS = ["", "apps", "batch", "discovery.k8s.io"]


def _clients(files: dict[str, str]) -> dict[str, str]:
    """Everything of a package but its models and their patch metadata: the typed clients,
    the clientset, the informers."""
    return {
        name: text
        for name, text in files.items()
        if not name.startswith("models/") and name != "patchmeta.json"
    }


def _differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    assert sorted(a) == sorted(b)
    return sorted(name for name in a if a[name] != b[name])


@pytest.fixture(scope="module")
def project_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """kubeset_k8s rendered from openapi/swagger.json and from openapi/v3: both dumped by
    `make openapi` from one kube-apiserver."""
    if not PROJECT_V3.is_dir():
        pytest.skip("openapi/v3 is missing: run `make openapi`")
    root = tmp_path_factory.mktemp("v2-v3")
    render_package(load_spec(str(PROJECT_SPEC)), "kubeset_k8s", root / "v2")
    render_package(load_spec(str(PROJECT_V3)), "kubeset_k8s", root / "v3")
    yield root / "v2" / "kubeset_k8s", root / "v3" / "kubeset_k8s"


@pytest.mark.slow
def test_one_server_v2_and_v3_give_the_same_clients(project_pair: tuple[Path, Path]) -> None:
    v2, v3 = (package_files(p) for p in project_pair)
    assert _differing(_clients(v2), _clients(v3)) == []
    assert any(name.startswith("typed/") for name in v2) and "clientset.py" in v2
    assert v2["patchmeta.json"] == v3["patchmeta.json"]
    # The same model classes; their text may differ (v3 documents defaults that v2 drops).
    assert sorted(v2) == sorted(v3)


@pytest.mark.slow
def test_v3_models_differ_only_in_what_v3_states_more(project_pair: tuple[Path, Path]) -> None:
    """The models of both inputs have the same fields with the same types; v3's extra
    precision shows in the docstrings (``Default: …``)."""
    v2, v3 = (package_files(p) for p in project_pair)
    changed: list[str] = []
    for name in _differing(v2, v3):
        diff = difflib.ndiff(v2[name].splitlines(), v3[name].splitlines())
        # Lines added or removed, but the quotes of a docstring a default made necessary.
        changed += [
            line for line in diff if line[:1] in "+-" and line[2:].strip() not in ("", '"""')
        ]
    assert changed, "v3 documents defaults the v2 spec does not state"
    unexplained = [line for line in changed if "default" not in line.lower()]
    assert unexplained == []


def _generate(source: Path, out: Path) -> dict[str, str]:
    code = clientgen(["generate", "--spec", str(source), "--package", "k", "--out", str(out)])
    assert code == 0
    return package_files(out / "k")


@pytest.fixture(scope="module")
def corpus_v3(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The package of the corpus's v3 documents, through --spec DIR (the directory holding
    v3/, as `make openapi` writes openapi/)."""
    root = tmp_path_factory.mktemp("corpus-v3")
    documents = root / "openapi" / "v3"
    documents.mkdir(parents=True)
    for name in CORPUS_V3_DOCUMENTS:
        shutil.copy(CORPUS_V3 / name, documents / name)
    return _generate(root / "openapi", root / "out")


def _corpus_v2(root: Path, v2_spec: Path) -> dict[str, str]:
    """The package of the corpus v3 documents' groups in ``v2_spec`` (titled alike)."""
    info = json.loads((CORPUS_V3 / CORPUS_V3_DOCUMENTS[0]).read_text())["info"]
    subset = v2_subset(json.loads(v2_spec.read_bytes()), CORPUS_GROUPS, info)
    (root / "swagger.json").write_text(json.dumps(subset))
    return _generate(root / "swagger.json", root / "out")


def test_corpus_v3_documents_give_the_clients_of_their_v2_spec(
    tmp_path: Path, corpus_v3: dict[str, str]
) -> None:
    """The corpus's v3 documents predate pods/resize (1.33) and keep ClaimSource (gone in 1.31):
    they are of an older server than their note says. Against v1.28's v2 spec, the clients are
    identical."""
    v2, v3 = _corpus_v2(tmp_path, K8S_V128), corpus_v3
    assert _differing(_clients(v2), _clients(v3)) == []
    assert {"typed/core_v1.py", "typed/apps_v1.py", "typed/batch_v1.py"} <= set(v3)


def test_corpus_v3_documents_against_v136(tmp_path: Path, corpus_v3: dict[str, str]) -> None:
    """Against v1.36's v2 spec, the clients differ by exactly what v1.36 serves beyond those
    documents: the pods/resize subresource."""
    v2, v3 = _corpus_v2(tmp_path, K8S_V136), corpus_v3
    assert _differing(_clients(v2), _clients(v3)) == ["typed/core_v1.py"]
    diff = difflib.ndiff(v2["typed/core_v1.py"].splitlines(), v3["typed/core_v1.py"].splitlines())
    changed = [line for line in diff if line[:1] in "+-" and line[2:].strip()]
    assert changed and all(line.startswith("- ") and "resize" in line for line in changed)
    paths = json.loads((CORPUS_V3 / "api__v1_openapi.json").read_text())["paths"]
    assert "/api/v1/namespaces/{namespace}/pods/{name}/resize" not in paths
    assert (
        _differing(
            {k: v for k, v in v2.items() if k.startswith("typed/") and k != "typed/core_v1.py"},
            {k: v for k, v in v3.items() if k.startswith("typed/") and k != "typed/core_v1.py"},
        )
        == []
    )


# ------------------------------------------------------------------------------- bad input


def _write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def test_directory_without_documents(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        spec_from_v3_directory(str(tmp_path))
    assert info.value.source == str(tmp_path)
    assert "_openapi.json" in info.value.message and "make openapi" in info.value.message


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        ("{not json", "$", "not JSON"),
        ({"swagger": "2.0"}, "$.openapi", "not an OpenAPI v3 document"),
        ([1], "$", "not an object"),
        ({"openapi": "3.0.0", "paths": []}, "$.paths", "must be an object"),
        ({"openapi": "3.0.0", "components": {"schemas": 1}}, "$.components.schemas", "object"),
    ],
)
def test_bad_document_is_named(tmp_path: Path, content: Any, where: str, words: str) -> None:
    good = CORPUS_V3 / "apis__batch__v1_openapi.json"
    shutil.copy(good, tmp_path / good.name)
    bad = _write(tmp_path / "v3" / "apis__x.io__v1_openapi.json", content)
    shutil.move(tmp_path / good.name, tmp_path / "v3" / good.name)
    with pytest.raises(SpecError) as info:
        load_spec(str(tmp_path))
    assert info.value.source == str(bad)
    assert info.value.path == where
    assert words in info.value.message


def test_dangling_ref_across_documents_is_named(tmp_path: Path) -> None:
    document = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "1.0"},
        "paths": {},
        "components": {
            "schemas": {"a.v1.A": {"properties": {"b": {"$ref": "#/components/schemas/a.v1.B"}}}}
        },
    }
    _write(tmp_path / "apis__a__v1_openapi.json", document)
    with pytest.raises(SpecError) as info:
        load_spec(str(tmp_path))
    assert info.value.source == str(tmp_path)
    assert "a.v1.B" in info.value.message and "a.v1.A" in info.value.path


def test_a_v3_file_points_to_the_directory_form(tmp_path: Path) -> None:
    path = _write(tmp_path / "api__v1_openapi.json", {"openapi": "3.0.0", "paths": {}})
    with pytest.raises(SpecError) as info:
        parse_spec(path.read_bytes(), str(path))
    assert info.value.path == "$.openapi" and "directory" in info.value.message


def _kubeconfig(tmp_path: Path, server: str) -> Path:
    text = f"""apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: "{server}", insecure-skip-tls-verify: true}}
users:
- name: u
  user: {{token: secret-token}}
contexts:
- name: ctx
  context: {{cluster: c, user: u}}
current-context: ctx
"""
    return _write(tmp_path / "kubeconfig", text)


@pytest.mark.parametrize(
    ("server", "url"),
    [
        ("https://127.0.0.1:6443", "https://other.example:6443/openapi/v2"),
        ("https://127.0.0.1:6443", "https://127.0.0.1:7443/openapi/v2"),
        ("https://127.0.0.1:6443", "http://127.0.0.1:6443/openapi/v2"),
        (
            "https://rancher.example/k8s/clusters/c-1",
            "https://rancher.example/k8s/clusters/c-2/openapi/v2",
        ),
    ],
)
def test_url_on_another_server_is_refused(tmp_path: Path, server: str, url: str) -> None:
    """Credentials go to the kubeconfig's server only: nothing is fetched."""
    kubeconfig = _kubeconfig(tmp_path, server)
    with pytest.raises(SpecError) as info:
        spec_from_url(url, kubeconfig=str(kubeconfig))
    message = str(info.value)
    assert info.value.source == url
    assert server in message and str(kubeconfig) in message and "--context" in message
    assert "secret-token" not in message


def test_missing_kubeconfig_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(SpecError) as info:
        spec_from_url("https://127.0.0.1:6443/openapi/v2", kubeconfig=str(missing))
    assert info.value.source.startswith(str(missing)) and "does not exist" in info.value.message


def test_unknown_context_is_named(tmp_path: Path) -> None:
    kubeconfig = _kubeconfig(tmp_path, "https://127.0.0.1:6443")
    with pytest.raises(SpecError) as info:
        spec_from_url(
            "https://127.0.0.1:6443/openapi/v2", kubeconfig=str(kubeconfig), context="prod"
        )
    assert "context prod" in info.value.source and "'prod' not found" in info.value.message


def test_cli_options_that_need_a_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = str(K8S_V128)
    args = ["generate", "--spec", spec, "--kubeconfig", "k", "--package", "p", "--out", "o"]
    assert clientgen(args) == 2
    assert "--kubeconfig and --context go with --from-cluster or a --spec URL" in (
        capsys.readouterr().err
    )
    kubeconfig = _kubeconfig(tmp_path, "https://127.0.0.1:6443")
    url = "https://10.0.0.1:6443/openapi/v2"
    args = ["generate", "--spec", url, "--kubeconfig", str(kubeconfig), "--package", "p"]
    assert clientgen([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"clientgen: error: {url}: $: not on the cluster of {kubeconfig}")
