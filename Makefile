# Label.Art. `make run` starts the whole platform in the foreground (Ctrl-C stops it);
# `make setup` only installs. Both are safe to repeat: pip runs again only when
# requirements.txt or pyproject.toml changed (stamp file under .stamps/).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALL_STAMP := .stamps/install

.PHONY: setup run

setup: $(INSTALL_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	$(BIN)/pip install --no-deps -e .
	@mkdir -p $(dir $@)
	@touch $@

run: setup
	$(BIN)/labelart serve
