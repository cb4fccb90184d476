# Two commands on a fresh Debian machine with Python 3.11:
#   make demo   coverage and siting on the example sector (prints tables, writes maps),
#               a real drifting vessel's AIS judged, then the sector live: embedded broker,
#               centre, a simulated edge per site, and the console at http://127.0.0.1:8765/
#               (a demo login printed) until Ctrl-C; `make demo DEMO_SECONDS=N` ends after
#               N seconds by itself (scripts, CI)
#   make test   every test
# Both set themselves up and are safe to run twice.

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_OUT ?= out/demo
SECTOR := examples/white-mountains/sector.yaml
DEMO_SECONDS ?=

.PHONY: demo test test-deps lint setup clean vendor

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null || { echo "need $(PY) (3.11+)"; exit 1; }
	@$(PY) -c 'import venv, ensurepip' 2>/dev/null || { \
	  echo "installing python3-venv"; \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv) >/dev/null; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@# bytecode for our own sources, which an editable install leaves to the first import
	@# (and PYTHONDONTWRITEBYTECODE=1 to every import), so each command starts sooner
	$(BIN)/python -m compileall -q src >/dev/null
	@# numba's on-disk cache filled with every kernel the commands use, so that no first
	@# command compiles (a progress line per step; src/ridgeline/warm.py)
	$(BIN)/python -m ridgeline.warm
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/ridgeline coverage $(SECTOR) --out $(DEMO_OUT)/coverage
	$(BIN)/ridgeline site $(SECTOR) --add 5 --exact --out $(DEMO_OUT)/site
	$(BIN)/ridgeline radio $(SECTOR)
	$(BIN)/ridgeline ais tests/data/ais/dma_drift_212123000.nmea --map $(DEMO_OUT)/ais/drift.png
	@echo "maps: $(DEMO_OUT)/coverage/coverage.png  $(DEMO_OUT)/site/sites.png  $(DEMO_OUT)/ais/drift.png"
	$(BIN)/ridgeline live $(SECTOR) $(if $(DEMO_SECONDS),--seconds $(DEMO_SECONDS)) --out $(DEMO_OUT)/live

# Debian packages the tests drive: Mosquitto (a real broker), ffmpeg and rtsp-server-perl (a
# live RTSP stream that drops), openssl (TLS certificates), PostgreSQL (the tests use the
# server at RIDGELINE_TEST_PG, default 127.0.0.1:5432, or start their own from its binaries),
# chromium (the console's browser tests drive Debian's build through Playwright; none is downloaded).
TEST_DEBS := mosquitto mosquitto-clients ffmpeg rtsp-server-perl openssl postgresql chromium
test-deps:
	@missing=""; for p in $(TEST_DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing) >/dev/null; \
	fi

# Tests run in TEST_WORKERS processes (pytest-xdist): most of the suite waits on brokers,
# databases, subprocesses and the browser rather than computing, so two workers on two cores
# finish in about two thirds of the time of one.
TEST_WORKERS ?= 2
test: $(STAMP) test-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n $(TEST_WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Dev-time only (needs npm): fetch the pinned MapLibre GL JS into the console's static files
# (the version is in src/ridgeline/web/vendor.sh; NOTICE names it).
vendor:
	sh src/ridgeline/web/vendor.sh

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
