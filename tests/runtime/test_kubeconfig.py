"""Kubeconfig loading checked case by case against client-go's documented clientcmd rules.

Each :class:`Case` names the rule it checks (``ClientConfigLoadingRules``, ``DirectClientConfig``
overrides, ``validation.go``), lays out files under a temporary directory (``HOME`` is
``<tmp>/home``, so the default file is ``home/.kube/config``), sets ``KUBECONFIG``, calls
:func:`load_kubeconfig` and compares :class:`Config` attributes, or the error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

import kubeset.kubeconfig
from kubeset.config import Config, ConfigError, EmptyConfigError, Impersonation
from kubeset.kubeconfig import (
    build_config_from_flags,
    in_cluster_config,
    kubeconfig_paths,
    load_config,
    load_kubeconfig,
)
from tests.pki import make_pki

# --- building kubeconfigs ------------------------------------------------------------------------


def doc(
    clusters: dict[str, dict[str, Any]] | None = None,
    users: dict[str, dict[str, Any]] | None = None,
    contexts: dict[str, dict[str, Any]] | None = None,
    current: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"apiVersion": "v1", "kind": "Config"}
    if clusters is not None:
        out["clusters"] = [{"name": n, "cluster": c} for n, c in clusters.items()]
    if users is not None:
        out["users"] = [{"name": n, "user": u} for n, u in users.items()]
    if contexts is not None:
        out["contexts"] = [{"name": n, "context": c} for n, c in contexts.items()]
    if current is not None:
        out["current-context"] = current
    return out


def simple(
    cluster: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One cluster ``c`` (+ ``dev``), one user ``u`` (+ ``bob``), context ``main`` (+ ``dev``)."""
    return doc(
        clusters={"c": cluster or {"server": "https://c:6443"}, "dev": {"server": "https://dev"}},
        users={"u": user if user is not None else {"token": "u-token"}, "bob": {"token": "b"}},
        contexts={
            "main": context or {"cluster": "c", "user": "u"},
            "dev": {"cluster": "dev", "user": "bob", "namespace": "dev-ns"},
        },
        current="main",
    )


EXEC_V1 = {"command": "plugin", "apiVersion": "client.authentication.k8s.io/v1"}
#: A real certificate: a cluster's certificate-authority file is checked at load time.
PEM = make_pki().ca_cert.decode()


@dataclass
class Case:
    id: str
    rule: str
    files: dict[str, dict[str, Any] | str]
    kubeconfig: list[str] | None = None  # KUBECONFIG entries (relative to tmp); None: unset
    call: dict[str, Any] = field(default_factory=dict)  # load_kubeconfig kwargs; path is relative
    expect: dict[str, Any] = field(default_factory=dict)  # dotted Config attributes
    error: str | None = None  # a regex; {tmp} is the temporary directory
    error_type: type[Exception] = ConfigError


CASES = [
    # ------------------------------------------------------------------ ClientConfigLoadingRules
    Case(
        "explicit-path-is-loaded-alone",
        "an explicit path is loaded unmerged; KUBECONFIG is not read",
        {
            "a": doc({"a": {"server": "https://a"}}, {}, {"a": {"cluster": "a"}}, "a"),
            "b": doc({"b": {"server": "https://b"}}, {}, {"b": {"cluster": "b"}}, "b"),
        },
        kubeconfig=["b"],
        call={"path": "a"},
        expect={"host": "https://a"},
    ),
    Case(
        "explicit-path-must-exist",
        "a missing ExplicitPath file produces an error",
        {},
        call={"path": "nope"},
        error=r"cannot read kubeconfig {tmp}/nope: does not exist",
    ),
    Case(
        "first-file-wins-the-whole-entry",
        "the first file to set a map key wins, and non-conflicting entries of the second file's "
        "entry of that name are discarded",
        {
            "1": doc({"c": {"server": "https://first"}}, {}, {"x": {"cluster": "c"}}, "x"),
            "2": doc({"c": {"server": "https://second", "tls-server-name": "second.name"}}),
        },
        kubeconfig=["1", "2"],
        expect={"host": "https://first", "tls_server_name": None},
    ),
    Case(
        "first-current-context-wins",
        "the first file to set current-context wins",
        {
            "1": doc({"c": {"server": "https://one"}}, {}, {"one": {"cluster": "c"}}, "one"),
            "2": doc({"d": {"server": "https://two"}}, {}, {"two": {"cluster": "d"}}, "two"),
        },
        kubeconfig=["1", "2"],
        expect={"host": "https://one"},
    ),
    Case(
        "an-unset-current-context-does-not-win",
        "empty values do not override: a later file's current-context is used",
        {
            "1": doc({"c": {"server": "https://one"}}, {}, {"one": {"cluster": "c"}}),
            "2": doc({"d": {"server": "https://two"}}, {}, {"two": {"cluster": "d"}}, "two"),
        },
        kubeconfig=["1", "2"],
        expect={"host": "https://two"},
    ),
    Case(
        "entries-merge-across-files",
        "map keys from every file are merged: a context in one file, its user in another",
        {
            "ctx": doc(
                {"c": {"server": "https://c"}}, {}, {"m": {"cluster": "c", "user": "u"}}, "m"
            ),
            "users": doc(users={"u": {"token": "from-second-file"}}),
        },
        kubeconfig=["ctx", "users"],
        expect={"bearer_token": "from-second-file"},
    ),
    Case(
        "missing-and-empty-entries-are-ignored",
        "empty filenames and missing files in KUBECONFIG are ignored",
        {"real": simple()},
        kubeconfig=["", "missing", "real", ""],
        expect={"host": "https://c:6443"},
    ),
    Case(
        "kubeconfig-unset-reads-the-home-file",
        "without KUBECONFIG the recommended home file ~/.kube/config is read",
        {"home/.kube/config": simple()},
        expect={"host": "https://c:6443"},
    ),
    Case(
        "kubeconfig-empty-reads-the-home-file",
        "an empty KUBECONFIG is the same as an unset one",
        {"home/.kube/config": simple()},
        kubeconfig=[""],
        expect={"host": "https://c:6443"},
    ),
    Case(
        "kubeconfig-of-only-separators-reads-nothing",
        "a non-empty KUBECONFIG replaces the home file even when all its entries are empty",
        {"home/.kube/config": simple()},
        kubeconfig=["", ""],
        error=r"no configuration has been provided",
        error_type=EmptyConfigError,
    ),
    Case(
        "no-file-at-all",
        "no file loaded: the configuration is empty",
        {},
        kubeconfig=["missing"],
        error=r"no kubeconfig \(looked for {tmp}/missing\): no configuration has been provided",
        error_type=EmptyConfigError,
    ),
    Case(
        "a-broken-file-in-the-list-is-an-error",
        "files with content that cannot be deserialized produce errors",
        {"good": simple(), "bad": "clusters:\n- name: [unclosed\n"},
        kubeconfig=["good", "bad"],
        error=r"^{tmp}/bad:\d+: kubeconfig is not valid YAML",
    ),
    Case(
        "relative-paths-resolve-against-the-defining-file",
        "relative paths are resolved against the parent folder of the file that names them",
        {
            "a/config": doc(
                {"c": {"server": "https://c", "certificate-authority": "pki/ca.crt"}},
                {},
                {"m": {"cluster": "c", "user": "u"}},
                "m",
            ),
            "a/pki/ca.crt": PEM,
            "b/config": doc(
                users={
                    "u": {
                        "client-certificate": "c.crt",
                        "client-key": "keys/../c.key",
                        "tokenFile": "tok",
                    }
                }
            ),
            "b/c.crt": PEM,
            "b/c.key": PEM,
            "b/tok": "t\n",
        },
        kubeconfig=["a/config", "b/config"],
        expect={
            "ca_file": "{tmp}/a/pki/ca.crt",
            "cert_file": "{tmp}/b/c.crt",
            "key_file": "{tmp}/b/c.key",
            "bearer_token_file": "{tmp}/b/tok",
        },
    ),
    Case(
        "exec-command-with-a-separator-is-a-path",
        "an exec command containing a path separator is resolved like a file",
        {
            "k/config": simple(
                user={"exec": {**EXEC_V1, "command": "./bin/plugin", "interactiveMode": "Never"}}
            )
        },
        call={"path": "k/config"},
        expect={"exec_provider.command": "{tmp}/k/bin/plugin"},
    ),
    Case(
        "exec-command-without-a-separator-is-looked-up-on-path",
        "a bare exec command is left for the PATH lookup",
        {"k/config": simple(user={"exec": {**EXEC_V1, "interactiveMode": "Never"}})},
        call={"path": "k/config"},
        expect={"exec_provider.command": "plugin"},
    ),
    Case(
        "tilde-is-not-expanded-inside-a-kubeconfig",
        "paths in a kubeconfig are only joined with the file's folder (no ~ expansion)",
        {
            "k/config": simple(
                cluster={"server": "https://c", "certificate-authority": "~/ca.crt"}
            ),
            "home/ca.crt": PEM,
        },
        call={"path": "k/config"},
        error=r"cannot read certificate-authority {tmp}/k/~/ca.crt \(ca-file\): does not exist",
    ),
    Case(
        "absolute-paths-are-kept",
        "absolute paths are not resolved",
        {
            "k/config": simple(
                cluster={"server": "https://c", "certificate-authority": "{tmp}/elsewhere/ca.crt"}
            ),
            "elsewhere/ca.crt": PEM,
        },
        call={"path": "k/config"},
        expect={"ca_file": "{tmp}/elsewhere/ca.crt"},
    ),
    # ------------------------------------------------------------------------------- selection
    Case(
        "context-override",
        "--context replaces current-context",
        {"k": simple()},
        call={"path": "k", "context": "dev"},
        expect={"host": "https://dev", "bearer_token": "b", "namespace": "dev-ns"},
    ),
    Case(
        "cluster-override",
        "--cluster replaces the context's cluster, keeping its user",
        {"k": simple()},
        call={"path": "k", "cluster": "dev"},
        expect={"host": "https://dev", "bearer_token": "u-token"},
    ),
    Case(
        "user-override",
        "--user replaces the context's user, keeping its cluster",
        {"k": simple()},
        call={"path": "k", "user": "bob"},
        expect={"host": "https://c:6443", "bearer_token": "b"},
    ),
    Case(
        "namespace-override",
        "--namespace replaces the context's namespace",
        {"k": simple()},
        call={"path": "k", "context": "dev", "namespace": "mine"},
        expect={"namespace": "mine"},
    ),
    Case(
        "namespace-defaults-to-default",
        "a context without a namespace means the default namespace",
        {"k": simple()},
        call={"path": "k"},
        expect={"namespace": "default"},
    ),
    Case(
        "a-missing-context-is-named-with-the-known-ones",
        "a context that does not exist is an error",
        {"k": simple()},
        call={"path": "k", "context": "staging"},
        error=r"{tmp}/k: context 'staging' not found \(known contexts: dev, main\)",
    ),
    Case(
        "a-missing-cluster-is-named-with-the-known-ones",
        "a cluster that does not exist is an error",
        {"k": simple()},
        call={"path": "k", "cluster": "gone"},
        error=r"cluster 'gone' not found \(known clusters: c, dev\)",
    ),
    Case(
        "a-missing-user-is-named-with-the-known-ones",
        "a user that does not exist is an error (client-go falls back to anonymous unless the "
        "user was given explicitly; kubeset always says so)",
        {"k": simple(context={"cluster": "c", "user": "carol"})},
        call={"path": "k"},
        error=r"user 'carol' not found \(known users: bob, u\)",
    ),
    Case(
        "no-current-context-is-an-empty-configuration",
        "no context to use: the configuration is empty",
        {"k": doc({"c": {"server": "https://c"}}, {}, {"m": {"cluster": "c"}})},
        call={"path": "k"},
        error=r"current-context is not set",
        error_type=EmptyConfigError,
    ),
    # ------------------------------------------------------------------------------- overrides
    Case(
        "a-server-override-drops-tls-server-name",
        "overriding the server clears the kubeconfig's tls-server-name",
        {"k": simple(cluster={"server": "https://c", "tls-server-name": "c.internal"})},
        call={"path": "k", "host": "https://other:6443"},
        expect={"host": "https://other:6443", "tls_server_name": None},
    ),
    Case(
        "a-server-override-with-its-own-tls-server-name",
        "a tls-server-name given with the server override is used",
        {"k": simple(cluster={"server": "https://c", "tls-server-name": "c.internal"})},
        call={"path": "k", "host": "https://o", "tls_server_name": "o.internal"},
        expect={"tls_server_name": "o.internal"},
    ),
    Case(
        "an-insecure-override-clears-the-ca",
        "--insecure-skip-tls-verify=true with no CA clears the kubeconfig's CA",
        {"k": simple(cluster={"server": "https://c", "certificate-authority-data": "Y2E="})},
        call={"path": "k", "insecure_skip_tls_verify": True},
        expect={"insecure_skip_tls_verify": True, "ca_data": None, "ca_file": None},
    ),
    Case(
        "a-ca-override-clears-insecure",
        "--certificate-authority overrides the TLS skip setting and CA data",
        {"k": simple(cluster={"server": "https://c", "insecure-skip-tls-verify": True}), "ca": PEM},
        call={"path": "k", "ca_file": "{tmp}/ca"},
        expect={"insecure_skip_tls_verify": False, "ca_file": "{tmp}/ca"},
    ),
    # ------------------------------------------------------------------------------ validation
    Case(
        "ca-file-and-data-together",
        "certificate-authority-data and certificate-authority are both specified: an error",
        {
            "k": simple(
                cluster={
                    "server": "https://c",
                    "certificate-authority": "ca",
                    "certificate-authority-data": "Y2E=",
                }
            ),
            "ca": PEM,
        },
        call={"path": "k"},
        error=r"cluster 'c': certificate-authority and certificate-authority-data are both set",
    ),
    Case(
        "insecure-with-a-ca",
        "a root CA with the insecure flag is not allowed",
        {
            "k": simple(
                cluster={
                    "server": "https://c",
                    "certificate-authority-data": "Y2E=",
                    "insecure-skip-tls-verify": True,
                }
            )
        },
        call={"path": "k"},
        error=r"cannot both be set",
    ),
    Case(
        "client-cert-file-and-data-together",
        "client-cert-data and client-cert are both specified: an error",
        {
            "k": simple(
                user={
                    "client-certificate": "c",
                    "client-certificate-data": "Yw==",
                    "client-key-data": "aw==",
                }
            ),
            "c": PEM,
        },
        call={"path": "k"},
        error=r"client-certificate and client-certificate-data are both set",
    ),
    Case(
        "client-key-file-and-data-together",
        "client-key-data and client-key are both specified: an error",
        {
            "k": simple(
                user={
                    "client-certificate-data": "Yw==",
                    "client-key": "key.pem",
                    "client-key-data": "aw==",
                }
            ),
            "key.pem": PEM,
        },
        call={"path": "k"},
        error=r"client-key and client-key-data are both set",
    ),
    Case(
        "client-cert-needs-a-key",
        "client-key-data or client-key must be specified to use the clientCert method",
        {"k": simple(user={"client-certificate-data": "Yw=="})},
        call={"path": "k"},
        error=r"user 'u': client-key or client-key-data must be set",
    ),
    Case(
        "token-and-basic-auth-together",
        "more than one authentication method found: only one is allowed",
        {"k": simple(user={"token": "t", "username": "a", "password": "p"})},
        call={"path": "k"},
        error=r"more than one authentication method",
    ),
    Case(
        "impersonation-details-need-a-user",
        "requesting uid, groups or user-extra without impersonating a user is an error",
        {"k": simple(user={"token": "t", "as-groups": ["g"]})},
        call={"path": "k"},
        error=r"need a user to impersonate",
    ),
    Case(
        "exec-and-auth-provider-together",
        "authProvider cannot be provided in combination with an exec plugin",
        {
            "k": simple(
                user={
                    "exec": {**EXEC_V1, "interactiveMode": "Never"},
                    "auth-provider": {"name": "oidc"},
                }
            )
        },
        call={"path": "k"},
        error=r"exec and auth-provider cannot be used together",
    ),
    Case(
        "exec-v1-needs-interactive-mode",
        "interactiveMode must be specified for v1 (no default)",
        {"k": simple(user={"exec": EXEC_V1})},
        call={"path": "k"},
        error=r"interactiveMode must be specified",
    ),
    Case(
        "exec-v1beta1-defaults-to-if-available",
        "v1beta1 defaults interactiveMode to IfAvailable for backwards compatibility",
        {
            "k": simple(
                user={
                    "exec": {"command": "p", "apiVersion": "client.authentication.k8s.io/v1beta1"}
                }
            )
        },
        call={"path": "k"},
        expect={"exec_provider.interactive_mode": "IfAvailable"},
    ),
    Case(
        "exec-v1alpha1-is-gone",
        "client.authentication.k8s.io/v1alpha1 was removed",
        {
            "k": simple(
                user={
                    "exec": {"command": "p", "apiVersion": "client.authentication.k8s.io/v1alpha1"}
                }
            )
        },
        call={"path": "k"},
        error=r"v1alpha1 is no longer supported",
    ),
    Case(
        "exec-needs-an-api-version",
        "apiVersion must be specified to use an exec plugin",
        {"k": simple(user={"exec": {"command": "p", "interactiveMode": "Never"}})},
        call={"path": "k"},
        error=r"apiVersion must be specified",
    ),
    Case(
        "exec-needs-a-command",
        "command must be specified to use an exec plugin",
        {
            "k": simple(
                user={"exec": {"apiVersion": EXEC_V1["apiVersion"], "interactiveMode": "Never"}}
            )
        },
        call={"path": "k"},
        error=r"command must be specified",
    ),
    Case(
        "exec-env-needs-names",
        "env variable name must be specified",
        {
            "k": simple(
                user={"exec": {**EXEC_V1, "interactiveMode": "Never", "env": [{"value": "x"}]}}
            )
        },
        call={"path": "k"},
        error=r"env\[0\] needs a name",
    ),
    Case(
        "exec-invalid-interactive-mode",
        "invalid interactiveMode",
        {"k": simple(user={"exec": {**EXEC_V1, "interactiveMode": "Sometimes"}})},
        call={"path": "k"},
        error=r"invalid interactiveMode 'Sometimes'",
    ),
    Case(
        "proxy-url-scheme",
        "proxy-url must be http, https, or socks5",
        {"k": simple(cluster={"server": "https://c", "proxy-url": "ftp://p:21"})},
        call={"path": "k"},
        error=r"unsupported scheme 'ftp': must be http, https, or socks5",
    ),
    Case(
        "the-gcp-auth-provider-is-gone",
        "the gcp auth provider was removed from client-go (v1.26)",
        {"k": simple(user={"auth-provider": {"name": "gcp"}})},
        call={"path": "k"},
        error=r"'gcp' auth provider was removed .* gke-gcloud-auth-plugin",
    ),
    Case(
        "an-unknown-auth-provider",
        "no Auth Provider found for name",
        {"k": simple(user={"auth-provider": {"name": "mine"}})},
        call={"path": "k"},
        error=r"unknown auth provider 'mine'",
    ),
    Case(
        "oidc-needs-an-issuer",
        "the oidc provider must have idp-issuer-url and client-id",
        {"k": simple(user={"auth-provider": {"name": "oidc", "config": {"client-id": "x"}}})},
        call={"path": "k"},
        error=r"oidc needs idp-issuer-url",
    ),
    Case(
        "a-name-twice-in-one-file",
        "a duplicate name in a list is a conversion error",
        {"k": {**simple(), "users": [{"name": "u", "user": {}}, {"name": "u", "user": {}}]}},
        call={"path": "k"},
        error=r"{tmp}/k: users has the name 'u' twice",
    ),
    Case(
        "field-types-are-checked",
        "a bool field given a string does not decode",
        {"k": simple(cluster={"server": "https://c", "insecure-skip-tls-verify": "yes"})},
        call={"path": "k"},
        error=r"cluster 'c': insecure-skip-tls-verify must be true or false, not str",
    ),
    Case(
        "a-cluster-without-a-server",
        "no server found for cluster",
        {"k": simple(cluster={"tls-server-name": "x"})},
        call={"path": "k"},
        error=r"cluster 'c' has no server",
    ),
    Case(
        "an-unreadable-certificate-is-named",
        "unable to read client-cert: the error names the path",
        {
            "k": simple(user={"client-certificate": "dir", "client-key": "key"}),
            "dir/x": "",
            "key": PEM,
        },
        call={"path": "k"},
        error=r"cannot read client-certificate {tmp}/dir \(cert-file\): Is a directory",
    ),
    Case(
        "an-unreadable-token-file-is-named",
        "a tokenFile without a token is read at load time",
        {"k": simple(user={"tokenFile": "missing-token"})},
        call={"path": "k"},
        error=r"cannot read tokenFile {tmp}/missing-token \(token-file\): does not exist",
    ),
    Case(
        "a-token-file-with-a-token-is-read-later",
        "with a token, the token file is only used by the transport (the token is the fallback)",
        {"k": simple(user={"token": "t", "tokenFile": "later"})},
        call={"path": "k"},
        expect={"bearer_token": "t", "bearer_token_file": "{tmp}/later"},
    ),
    # ---------------------------------------------------------------------------------- fields
    Case(
        "cluster-fields",
        "every cluster field reaches the Config",
        {
            "k": simple(
                cluster={
                    "server": "https://10.0.0.1:6443/",
                    "tls-server-name": "kubernetes.default.svc",
                    "proxy-url": "socks5://proxy:1080",
                    "disable-compression": True,
                    "extensions": [
                        {
                            "name": "client.authentication.k8s.io/exec",
                            "extension": {"audience": "a"},
                        },
                        {"name": "other", "extension": {"ignored": True}},
                    ],
                },
                user={"exec": {**EXEC_V1, "interactiveMode": "Never"}},
            )
        },
        call={"path": "k"},
        expect={
            "host": "https://10.0.0.1:6443",
            "tls_server_name": "kubernetes.default.svc",
            "proxy_url": "socks5://proxy:1080",
            "disable_compression": True,
            "exec_provider.cluster_config": {"audience": "a"},
        },
    ),
    Case(
        "impersonation-fields",
        "as, as-uid, as-groups and as-user-extra",
        {
            "k": simple(
                user={
                    "token": "t",
                    "as": "alice",
                    "as-uid": "1234",
                    "as-groups": ["devs", "ops"],
                    "as-user-extra": {"scopes": ["view", "edit"], "team": ["a"]},
                }
            )
        },
        call={"path": "k"},
        expect={
            "impersonate": Impersonation(
                "alice", "1234", ("devs", "ops"), (("scopes", ("view", "edit")), ("team", ("a",)))
            )
        },
    ),
    Case(
        "exec-fields",
        "command, args, env, apiVersion, installHint, provideClusterInfo, interactiveMode",
        {
            "k": simple(
                user={
                    "exec": {
                        **EXEC_V1,
                        "args": ["token", "--cluster", "x"],
                        "env": [{"name": "AWS_PROFILE", "value": "prod"}],
                        "installHint": "install it",
                        "provideClusterInfo": True,
                        "interactiveMode": "Always",
                    }
                }
            )
        },
        call={"path": "k"},
        expect={
            "exec_provider.args": ("token", "--cluster", "x"),
            "exec_provider.env": (("AWS_PROFILE", "prod"),),
            "exec_provider.install_hint": "install it",
            "exec_provider.provide_cluster_info": True,
            "exec_provider.interactive_mode": "Always",
            "exec_provider.api_version": "client.authentication.k8s.io/v1",
        },
    ),
    Case(
        "oidc-fields",
        "the oidc auth provider, persisted back to the file that defined the user",
        {
            "k": simple(
                user={
                    "auth-provider": {
                        "name": "oidc",
                        "config": {
                            "idp-issuer-url": "https://idp",
                            "client-id": "kube",
                            "id-token": "x",
                        },
                    }
                }
            )
        },
        call={"path": "k"},
        expect={
            "auth_provider.name": "oidc",
            "auth_provider.persist_path": "{tmp}/k",
            "auth_provider.user_name": "u",
            "auth_provider.config": {
                "idp-issuer-url": "https://idp",
                "client-id": "kube",
                "id-token": "x",
            },
        },
    ),
]


def _fill(value: Any, tmp: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{tmp}", str(tmp))
    if isinstance(value, dict):
        return {k: _fill(v, tmp) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, tmp) for v in value]
    return value


def _attr(cfg: Config, dotted: str) -> Any:
    value: Any = cfg
    for part in dotted.split("."):
        value = getattr(value, part)
    return dict(value) if hasattr(value, "items") else value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_kubeconfig_case(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = tmp_path.resolve()
    monkeypatch.setenv("HOME", str(tmp / "home"))
    monkeypatch.chdir(tmp)
    for rel, content in case.files.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        content = _fill(content, tmp)
        target.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    if case.kubeconfig is None:
        monkeypatch.delenv("KUBECONFIG", raising=False)
    else:
        entries = [str(tmp / e) if e else "" for e in case.kubeconfig]
        monkeypatch.setenv("KUBECONFIG", os.pathsep.join(entries))
    call = _fill(dict(case.call), tmp)
    if "path" in call:
        call["path"] = tmp / call["path"]
    if case.error is not None:
        with pytest.raises(case.error_type) as info:
            load_kubeconfig(**call)
        pattern = case.error.replace("{tmp}", re.escape(str(tmp)))
        assert re.search(pattern, str(info.value)), str(info.value)
        return
    cfg = load_kubeconfig(**call)
    for dotted, expected in case.expect.items():
        assert _attr(cfg, dotted) == _fill(expected, tmp), dotted


def test_every_case_names_its_rule() -> None:
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.rule for c in CASES)


# --- the precedence list itself -----------------------------------------------------------------------


class TestKubeconfigPaths:
    def test_dedupes_and_drops_empty_entries(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KUBECONFIG", os.pathsep.join(["a", "", "b", "a", "c", "b"]))
        assert kubeconfig_paths() == [Path("a"), Path("b"), Path("c")]

    def test_unset_is_the_home_file(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.delenv("KUBECONFIG", raising=False)
        monkeypatch.setenv("HOME", str(tmp_path))
        assert kubeconfig_paths() == [tmp_path / ".kube" / "config"]

    def test_explicit_path_expands_user(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.setenv("KUBECONFIG", "ignored")
        assert kubeconfig_paths("~/k") == [tmp_path / "k"]


# --- build_config_from_flags and load_config -----------------------------------------------------


@pytest.fixture
def outside_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)


@pytest.fixture
def inside_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("sa-token")
    (sa / "namespace").write_text("pods-ns")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.delenv("POD_NAMESPACE", raising=False)
    real = kubeset.kubeconfig.in_cluster_config
    monkeypatch.setattr(kubeset.kubeconfig, "in_cluster_config", lambda: real(sa_dir=sa))
    return sa


def _write(path: Path, content: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(content))
    return path


class TestBuildConfigFromFlagsRules:
    def test_master_and_a_file_without_current_context(
        self, tmp_path: Path, outside_cluster: None
    ) -> None:
        # client-go: no context, so only the --master override is left: that server, no user.
        path = _write(tmp_path / "k", doc({"c": {"server": "https://c"}}, {"u": {"token": "t"}}))
        cfg = build_config_from_flags("https://master:6443", str(path))
        assert cfg.host == "https://master:6443"
        assert cfg.bearer_token is None

    def test_a_file_without_current_context_alone_is_an_error(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "k", doc({"c": {"server": "https://c"}}))
        with pytest.raises(EmptyConfigError):
            build_config_from_flags("", str(path))

    def test_does_not_read_kubeconfig_env(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outside_cluster: None
    ) -> None:
        # BuildConfigFromFlags uses only the explicit path: KUBECONFIG is not a fallback.
        monkeypatch.setenv("KUBECONFIG", str(_write(tmp_path / "env", simple())))
        with pytest.raises(EmptyConfigError, match="no configuration has been provided"):
            build_config_from_flags("", "")

    def test_master_override_drops_tls_server_name(self, tmp_path: Path) -> None:
        path = _write(
            tmp_path / "k", simple(cluster={"server": "https://c", "tls-server-name": "name"})
        )
        cfg = build_config_from_flags("https://m", str(path))
        assert (cfg.host, cfg.tls_server_name) == ("https://m", None)

    def test_in_cluster_first(self, inside_cluster: Path, caplog: pytest.LogCaptureFixture) -> None:
        cfg = build_config_from_flags("", "")
        assert cfg.host == "https://10.96.0.1:443"
        assert cfg.namespace == "pods-ns"
        assert "in-cluster" in caplog.text


class TestLoadConfig:
    def test_kubeconfig_first(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside_cluster: Path
    ) -> None:
        monkeypatch.setenv("KUBECONFIG", str(_write(tmp_path / "k", simple())))
        assert load_config().host == "https://c:6443"

    def test_overrides_apply(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("KUBECONFIG", str(_write(tmp_path / "k", simple())))
        cfg = load_config(context="dev", namespace="n", qps=0)
        assert (cfg.host, cfg.namespace, cfg.qps) == ("https://dev", "n", 0)

    def test_in_cluster_when_no_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside_cluster: Path
    ) -> None:
        monkeypatch.setenv("HOME", str(tmp_path / "nohome"))
        monkeypatch.delenv("KUBECONFIG", raising=False)
        cfg = load_config(qps=1)
        assert cfg.host == "https://10.96.0.1:443"
        assert cfg.bearer_token_file == str(inside_cluster / "token")
        assert cfg.namespace == "pods-ns"
        assert cfg.qps == 1
        assert load_config(namespace="mine").namespace == "mine"

    def test_in_cluster_when_no_context(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside_cluster: Path
    ) -> None:
        monkeypatch.setenv("KUBECONFIG", str(_write(tmp_path / "k", doc({"c": {"server": "x"}}))))
        assert load_config().host == "https://10.96.0.1:443"

    def test_a_broken_kubeconfig_does_not_fall_back(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside_cluster: Path
    ) -> None:
        broken = _write(tmp_path / "k", simple(context={"cluster": "gone"}))
        monkeypatch.setenv("KUBECONFIG", str(broken))
        with pytest.raises(ConfigError, match="cluster 'gone' not found"):
            load_config()

    def test_nothing_anywhere(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outside_cluster: None
    ) -> None:
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.delenv("KUBECONFIG", raising=False)
        with pytest.raises(EmptyConfigError) as info:
            load_config()
        message = str(info.value)
        assert str(tmp_path / ".kube" / "config") in message
        assert "KUBERNETES_SERVICE_HOST" in message


class TestInClusterNamespace:
    def test_pod_namespace_env_first(self, tmp_path: Path) -> None:
        sa = tmp_path / "sa"
        sa.mkdir()
        (sa / "token").write_text("t")
        (sa / "namespace").write_text("from-file")
        env = {
            "KUBERNETES_SERVICE_HOST": "h",
            "KUBERNETES_SERVICE_PORT": "1",
            "POD_NAMESPACE": "from-env",
        }
        assert in_cluster_config(env=env, sa_dir=sa).namespace == "from-env"
        del env["POD_NAMESPACE"]
        assert in_cluster_config(env=env, sa_dir=sa).namespace == "from-file"
