# backup-relay: every target bootstraps what it needs (a virtualenv with pinned packages, npm tools).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test unit integration e2e lint format generate typecheck validate scan build asl pytest bench clean

## make demo: the offline sandbox on its embedded night of events (no AWS account needed)
demo: $(STAMP)
	$(BIN)/backup-relay demo

## make test: everything CI checks (pytest: every tier, Hypothesis's thorough profile)
test: lint typecheck validate scan build asl pytest

$(STAMP): requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make generate: rewrite what is generated (template rules, parameters, alarms and resource types' grants; the ASL's retries; docs tables (ledger items, categories, routes), the README's member parameters)
generate: $(STAMP)
	$(BIN)/python -m scripts.generate_template_rules
	$(BIN)/python -m scripts.generate_template_parameters
	$(BIN)/python -m scripts.generate_template_alarms
	$(BIN)/python -m scripts.generate_asl_retries
	$(BIN)/python -m scripts.generate_resource_types
	$(BIN)/python -m scripts.generate_docs_ledger
	$(BIN)/python -m scripts.generate_docs_member_parameters
	$(BIN)/python -m scripts.generate_docs_categories
	$(BIN)/python -m scripts.generate_docs_routes

typecheck: $(STAMP)
	$(BIN)/mypy

validate: $(STAMP)
	$(BIN)/sam validate --lint --region $(REGION) -t template.yaml
	$(BIN)/sam validate --lint --region $(REGION) -t member/template.yaml
	$(BIN)/sam validate --lint --region $(REGION) -t vaults/template.yaml

# checkov in a virtualenv of its own: its dependencies would move the project's pins.
SCAN_VENV := .venv-scan
$(SCAN_VENV)/.installed:
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/pip install --quiet --upgrade pip
	$(SCAN_VENV)/bin/pip install --quiet checkov==3.3.30
	touch $@

## make scan: static security scan of both templates (accepted findings: .checkov.yaml, docs/security.md)
scan: $(SCAN_VENV)/.installed
	$(SCAN_VENV)/bin/checkov --config-file .checkov.yaml -f template.yaml -f member/template.yaml -f vaults/template.yaml 2>/dev/null

# The functions run python3.13 on arm64; sam build needs a python3.13 on PATH (pyenv's here).
build: $(STAMP)
	if ! python3.13 --version >/dev/null 2>&1 && command -v pyenv >/dev/null; then \
	  export PYENV_VERSION="$$(pyenv versions --bare | grep -E '^3\.1[1-3]\.' | sort -V | paste -sd:)"; \
	fi; \
	python3.13 --version >/dev/null 2>&1 || { echo "sam build needs python3.13 on PATH" >&2; exit 1; }; \
	$(BIN)/sam build --region $(REGION)

asl: node_modules/.installed
	shopt -s nullglob; files=(statemachines/*.asl.json); \
	if (( $${#files[@]} == 0 )); then echo "asl: no state machines in statemachines/ yet"; fi; \
	for f in "$${files[@]}"; do npx --no-install asl-validator --no-arn-check --json-path "$$f"; done

# One process: with two workers (pytest-xdist) beside the sandbox server's own, a chain of the
# sandbox's night failed now and then (seen once in three runs, not yet explained).
pytest: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(BIN)/pytest

# The tiers (docs/testing.md), each with the quick Hypothesis profile unless HYPOTHESIS_PROFILE
# says otherwise.
## make unit: the pure unit tier (no moto, no sandbox, no process, no network), in seconds
unit: $(STAMP)
	$(BIN)/pytest tests/unit -m unit -q

## make integration: pieces against moto, the real templates and processes; the AWS Backup simulator
integration: $(STAMP)
	$(BIN)/pytest tests/integration tests/simulator -q

## make e2e: the sandbox's stacks end to end (starts a sandbox server on loopback)
e2e: $(STAMP)
	$(BIN)/pytest tests/e2e -q

## make bench: every figure of bench/README.md, with the polling baseline beside ours (~15 min)
bench: $(STAMP) build
	$(BIN)/python bench/normalize_throughput.py
	$(BIN)/python bench/cold_start.py
	$(BIN)/python bench/cold_start_breakdown.py
	$(BIN)/python bench/layer_size.py
	$(BIN)/python bench/hop_latency.py
	$(BIN)/python bench/chain_cost.py
	$(BIN)/python bench/night_capacity.py
	$(BIN)/python bench/ingest_throughput.py
	$(BIN)/python bench/reconcile_at_scale.py
	$(BIN)/python bench/sandbox_idle.py

clean:
	rm -rf .aws-sam .mypy_cache .pytest_cache .ruff_cache .hypothesis $(SCAN_VENV)
