# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO ?= 1
# make run's data (SQLite file, broker folders, mail, logs). Not exported to `make test`: the suite makes
# its own temporary folder, so it never shares a broker queue or database with a running `make run`.
DATA_DIR ?= $(CURDIR)/data

.PHONY: run test install lint format bench bench-cdio check-deploy clean-data

$(VENV)/.installed: requirements.lock
	@echo "  Installing the locked dependencies into $(VENV)…"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

install: $(VENV)/.installed

## Start web, worker and beat on SQLite + the filesystem broker (or DATABASE_URL/REDIS_URL when set).
## Their output goes to $(RUN_LOG); the terminal shows the address and login. Ctrl-C stops all (exit 0).
RUN_LOG ?= $(DATA_DIR)/logs/dropwatch.log
run: export DATA_DIR := $(DATA_DIR)
run: install
	@mkdir -p $(DATA_DIR)/logs
	@LOCAL_MODE=1 DEMO_MODE=$(DEMO) $(PY) manage.py migrate --noinput -v0
	@LOCAL_MODE=1 DEMO_MODE=$(DEMO) $(PY) manage.py collectstatic --noinput -v0
	@if [ "$(DEMO)" = "1" ]; then LOCAL_MODE=1 DEMO_MODE=1 $(PY) manage.py seed_demo >>"$(RUN_LOG)"; fi
	@if [ "$(DEMO)" = "1" ]; then \
	  LOCAL_MODE=1 DEMO_MODE=1 TICK_SECONDS=$${TICK_SECONDS:-10} FETCH_HOST_INTERVAL=$${FETCH_HOST_INTERVAL:-0.25} \
	    $(PY) -m config.run --procfile Procfile.demo --port $(PORT) --shop-port $${DEMO_SHOP_PORT:-8001} \
	    --log "$(RUN_LOG)" --demo; \
	else \
	  LOCAL_MODE=1 DEMO_MODE=0 $(PY) -m config.run --procfile Procfile --port $(PORT) --log "$(RUN_LOG)"; \
	fi

## Run ruff and the whole test suite.
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m bench

## Dropwatch beside changedetection.io (issue 20): installs it into bench/.cdio-venv, runs it under `unshare -n`
## (root). ARGS passes options, e.g. `make bench-cdio ARGS="--pages 100 --rounds 2"`.
bench-cdio: install
	$(PY) -m bench.cdio $(ARGS)

## What `manage.py check --deploy` says of production settings.
check-deploy: install
	SECRET_KEY=ci-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') ALLOWED_HOSTS=dropwatch.example.com \
	EMAIL_URL=smtp+tls://user:pass@mail.example.com:587 REDIS_URL=redis://127.0.0.1:6379/0 \
	DATABASE_URL=postgres://dropwatch@127.0.0.1:5432/dropwatch \
	$(PY) manage.py check --deploy --fail-level WARNING

clean-data:
	rm -rf $(DATA_DIR)
