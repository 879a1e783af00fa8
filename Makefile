# Label.Art. `make run` starts the whole platform in the foreground (Ctrl-C stops it);
# `make setup` only installs. Both are safe to repeat: pip runs again only when
# requirements.txt or pyproject.toml changed (stamp file under .stamps/).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALL_STAMP := .stamps/install

.PHONY: setup run bench

NPM_STAMP := .stamps/npm
EDITOR_STAMP := vendor/lsf/labelart-editor.json

setup: $(INSTALL_STAMP) $(NPM_STAMP) $(EDITOR_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	$(BIN)/pip install --no-deps -e .
	@mkdir -p $(dir $@)
	@touch $@

# Browser packages (abcjs for the music score view) from package-lock.json; Flask serves
# their prebuilt files from node_modules. Their install scripts are not needed for that.
$(NPM_STAMP): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@mkdir -p $(dir $@)
	@touch $@

# The labeling editor, Label Studio Frontend 1.8.0: unpacked from the label-studio wheel
# (hash-pinned in requirements-editor.txt) into vendor/lsf; npm has no working 1.8 build.
$(EDITOR_STAMP): requirements-editor.txt | $(INSTALL_STAMP)
	$(BIN)/python -m worker.web.editor_install

# --demo: also the demo projects (a music project from `labelart synth music`); a second
# `make run` finds them and adds nothing.
run: setup
	$(BIN)/labelart serve --demo

# `make test`: installs the test dependencies (MariaDB and Redis from Debian when root),
# starts them if they are not running, and runs the whole suite.
TEST_STAMP := .stamps/test-install

.PHONY: test test-services

$(TEST_STAMP): requirements-test.txt $(INSTALL_STAMP)
	$(BIN)/pip install -r requirements-test.txt
	@mkdir -p $(dir $@)
	@touch $@

test-services:
	bash scripts/test-services.sh

# Deployment (issue 6): ansible-core, ansible-lint and hadolint in a venv of their own, built
# from Debian's Python (the one the playbook's apt module needs on this host). `make test` runs
# tests/deploy with the rest; `make test-deploy` runs only them: the playbook against this
# machine (as root), the Docker files, and two RQ workers sharing one Redis and MariaDB.
DEPLOY_VENV := .venv-deploy
DEPLOY_STAMP := .stamps/deploy-install
DEPLOY_PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo $(PYTHON))

.PHONY: test-deploy

$(DEPLOY_STAMP): requirements-deploy.txt
	test -x $(DEPLOY_VENV)/bin/python || $(DEPLOY_PYTHON) -m venv $(DEPLOY_VENV)
	$(DEPLOY_VENV)/bin/pip install -r requirements-deploy.txt
	@mkdir -p $(dir $@)
	@touch $@

# Defined after DEPLOY_STAMP: make expands a rule's prerequisites when it reads the rule, and
# an earlier `test:` line silently lost the deploy install (tests/deploy then skipped in CI).
# test-services first: it installs Debian's python3-venv, which the deploy venv needs.
test: setup $(TEST_STAMP) test-services $(DEPLOY_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-deploy: setup $(TEST_STAMP) test-services $(DEPLOY_STAMP)
	$(BIN)/python -m pytest -x tests/deploy/test_ansible.py tests/deploy/test_docker_files.py tests/deploy/test_scale_out.py $(PYTEST_ARGS)

# Performance against the issue's floors and Label Studio 1.23.2 (bench/README.md).
# BENCH_ARGS=--quick for a smoke run; BENCH_ARGS="--only pages" for one case.
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# ML proof (issue 4): accuracy after 200 labels, active learning vs random (PNG), and
# predictions/s through RQ batches vs one HTTP /predict per task. Outputs in bench/out/ml/.
# BENCH_ML_ARGS=--quick / BENCH_ML_ARGS_THROUGHPUT=--quick for a smoke run (tests/ml/test_bench_ml.py);
# BENCH_ML_ARGS_THROUGHPUT="--per-task-sample 10000" times every per-task call instead of 1,000.
.PHONY: bench-ml
bench-ml: setup
	$(BIN)/python -m bench.ml_learning $(BENCH_ML_ARGS)
	$(BIN)/python -m bench.ml_throughput $(BENCH_ML_ARGS_THROUGHPUT)

# The music models against the issue's floors, measured with mir_eval (bench/music_bench.py).
.PHONY: bench-music
bench-music: setup
	$(BIN)/python -m bench.music_bench $(BENCH_ARGS)

# The full quality report of a 100,000-task project with 3 annotations each (issue 8: < 10 s).
.PHONY: bench-quality
bench-quality: setup
	$(BIN)/python -m bench.quality_bench $(BENCH_QUALITY_ARGS)

# Region pre-labels (detector, polygons, key points, click-to-segment) against the issue's
# targets, and inference through the RQ batch path (bench/regions_bench.py).
.PHONY: bench-regions
bench-regions: setup
	$(BIN)/python -m bench.regions_bench $(BENCH_REGIONS_ARGS)
