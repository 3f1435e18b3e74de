# kubeset: `make help` lists the targets. Everything runs in ./.venv (made by `make install`).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SPEC ?= openapi/swagger.json
PACKAGE ?= kubeset_k8s
OUT ?= generated
# `make generate FROM_CLUSTER=1 PACKAGE=mycluster` renders everything the cluster of $KUBECONFIG
# serves (built-in groups, CRDs, aggregated APIs) as one self-contained package (CONTEXT=… picks
# another kubeconfig context); `make generate GROUPS="cert-manager.io acme.cert-manager.io"
# PACKAGE=certmanager` reads only those groups (a package built on kubeset_k8s);
# `make generate CRDS=path/to/crds PACKAGE=certmanager` reads manifests. SPEC may also be a
# directory of OpenAPI v3 documents (SPEC=openapi/v3) or a URL on the kubeconfig's cluster.
FROM_CLUSTER ?=
GROUPS ?=
CRDS ?=
CONTEXT ?=
CLUSTER = $(strip --from-cluster $(foreach g,$(GROUPS),--group $(g)) $(if $(CONTEXT),--context $(CONTEXT)))
SOURCE = $(if $(or $(FROM_CLUSTER),$(GROUPS)),$(CLUSTER),$(if $(CRDS),--crd $(CRDS),--spec $(SPEC)$(if $(CONTEXT), --context $(CONTEXT))))
CHECK_PACKAGE = $(if $(and $(or $(FROM_CLUSTER),$(GROUPS),$(CRDS)),$(filter kubeset_k8s,$(PACKAGE))),$(error set PACKAGE=<name> with FROM_CLUSTER, GROUPS or CRDS: kubeset_k8s is the built-in API's package))

.DEFAULT_GOAL := help
.PHONY: help install generate verify lint typecheck test unit e2e conformance envtest cluster openapi demo unasync bench wheel-test faults

help: ## list the targets
	@awk -F ':.*## ' '/^[a-z0-9-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

install: $(VENV)/.installed ## create .venv and install kubeset with the generator and test tools

# The .pth line makes every package generated into $(OUT)/ importable in the venv, not only kubeset_k8s.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV) && $(PY) -m pip install -q --upgrade pip && $(PY) -m pip install -q -e '.[dev]' && $(PY) -c "import pathlib, sysconfig; pathlib.Path(sysconfig.get_path('purelib'), 'kubeset-generated.pth').write_text(str(pathlib.Path('$(OUT)').resolve()) + '\n')" && touch $@

generate: install ## render $(OUT)/$(PACKAGE) (default generated/kubeset_k8s from openapi/swagger.json; SPEC=dir-or-URL; FROM_CLUSTER=1, GROUPS=… or CRDS=… with PACKAGE=…)
	$(CHECK_PACKAGE)$(PY) -m clientgen generate $(SOURCE) --package $(PACKAGE) --out $(OUT)

verify: install ## regenerate into a temp dir and fail on any difference (also the sync runtime)
	$(PY) -m clientgen verify --spec $(SPEC) --package $(PACKAGE) --out $(OUT) && $(PY) -m clientgen.unasync --check

lint: install ## ruff check and ruff format --check
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

typecheck: install ## mypy --strict on kubeset/, codegen/ and generated/
	$(PY) -m mypy

test: install envtest ## every test, end-to-end ones against a real kube-apiserver included
	$(PY) -m pytest

unit: install ## the tests that need no apiserver
	$(PY) -m pytest -m "not e2e"

e2e: install envtest ## the end-to-end tests only
	$(PY) -m pytest -m e2e

conformance: install envtest ## the conformance suite on envtest and on kubeset.fake (counts per backend)
	$(PY) -m pytest tests/conformance

envtest: ## build bin/kube-apiserver, bin/etcd and bin/kubelet (the stand-in) from Go modules (seconds when warm)
	bash envtest/build.sh

cluster: install envtest ## run a control plane in the foreground; writes ./kubeconfig; Ctrl-C stops it
	$(PY) -m kubeset.envtest cluster --kubeconfig ./kubeconfig

openapi: install envtest ## dump /openapi/v2 and /openapi/v3 of a fresh apiserver into openapi/
	$(PY) -m kubeset.envtest openapi --out openapi

demo: install envtest ## generate, start a control plane, create pods, run examples/list_pods.py against it
	$(PY) examples/demo.py

bench: envtest ## speed and memory vs the JSON floor and the peers -> bench/results/latest.{json,md,png} (BENCH_QUICK=1: ~2 min)
	$(PYTHON) bench/run.py

unasync: install ## regenerate kubeset/_sync from kubeset/_async
	$(PY) -m clientgen.unasync

wheel-test: install ## build sdist+wheel, install the wheel in a fresh venv outside the repo, generate, build envtest, run the README example
	bash .ci/wheel-test

faults: install envtest ## inject faults through a loopback proxy and fuzz the decoders and loaders; report hangs, raw errors, data lost
	$(PY) -m tests.faults.report
