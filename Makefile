# Bookstore — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
UV := .tools/bin/uv
endif
VENV_PY := .venv/bin/python

.PHONY: install run test lint tap bench soak clean asyncapi screenshots

install: .venv/.synced ## create the virtualenv from the lock file (uv workspace)

.tools/bin/uv:
	$(PYTHON) -m venv .tools && .tools/bin/pip install --quiet uv

.venv/.synced: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml)
	$(UV) sync --all-packages --frozen --quiet --compile-bytecode
	@touch $@

run: install ## the whole system; standalone unless BOOKSTORE_MYSQL_URL and BOOKSTORE_RABBITMQ_URL are set
	$(VENV_PY) -m bookstore_shared.launcher

test: install ## the whole suite against real MySQL and RabbitMQ (and Chromium for tests/browser)
	@command -v chromium >/dev/null || apt-get install -y -qq chromium >/dev/null 2>&1 || \
		(apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1) || \
		echo "warning: could not install chromium (apt-get install chromium); tests/browser will fail"
	$(VENV_PY) -m pytest $(PYTEST_ARGS)

lint: install
	.venv/bin/ruff check .

bench: install ## load the whole system (real MySQL + RabbitMQ on 127.0.0.1); writes bench/results.md
	@command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null || \
		{ echo "make bench needs wrk (Debian/Ubuntu: apt-get install wrk)"; exit 1; }
	$(VENV_PY) -m bench.run

soak: install ## MINUTES (10) of RATE (40) orders/s under chaos on MySQL + RabbitMQ; writes its section of docs/RELIABILITY.md
	$(VENV_PY) -m bench.soak --minutes $(or $(MINUTES),10) --rate $(or $(RATE),40) --write $(ARGS)

tap: install ## print the event stream: make tap ARGS='order.# --json'
	.venv/bin/bookstore tap $(ARGS)

clean:
	rm -rf .venv .tools var

screenshots: install ## every page of the storefront and console at 1280x800 -> docs/screenshots/
	@command -v chromium >/dev/null || apt-get install -y -qq chromium >/dev/null || \
		{ echo "make screenshots needs chromium (Debian/Ubuntu: apt-get install chromium)"; exit 1; }
	$(VENV_PY) -m pytest tests/browser/screenshots.py -q

asyncapi: install ## regenerate docs/asyncapi.yaml from the event contracts
	$(VENV_PY) -m gateway.asyncapi > docs/asyncapi.yaml
