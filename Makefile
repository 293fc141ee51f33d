# The two commands a newcomer needs: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat setup.cfg | cksum | cut -d' ' -f1)

.PHONY: run test lint format agent docs clean

$(STAMP): setup.cfg
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

run: $(STAMP)
	$(PY) manage.py launch

agent: $(STAMP)
	$(PY) manage.py serve agent

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

docs: $(STAMP)
	$(PY) -m collectors.metrics_doc > docs/metrics.md

clean:
	rm -rf $(VENV) var artifacts

# Benchmarks (bench/run.py): the product's fan-out next to textbook Channels and bare websockets.
# The "bench" extra adds orjson, which keeps the load client well below the servers it measures.
.PHONY: bench bench-full bench-smoke bench-browser bench-collector bench-storm bench-soak bench-faults bench-alerts bench-alert-storm bench-kiosk-soak bench-kiosk-soak-fast
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cat setup.cfg | cksum | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,dev,bench]'
	@rm -f $(VENV)/.bench-installed-*
	@touch $@

bench: $(BENCH_STAMP)
	BENCH_MAKE_TARGET=bench $(PY) -m bench.run --preset bench $(BENCH_ARGS)

bench-full: $(BENCH_STAMP)
	BENCH_MAKE_TARGET=bench-full $(PY) -m bench.run --preset full $(BENCH_ARGS)

bench-smoke: $(BENCH_STAMP)
	BENCH_MAKE_TARGET=bench-smoke $(PY) -m bench.run --preset smoke $(BENCH_ARGS)

# The overview with 200 simulated hosts in headless Chromium for 10 minutes (make bench: 1 minute).
bench-browser: $(BENCH_STAMP)
	$(PY) -m bench.overview_browser --hosts 200 --seconds 600

# The collector against bare psutil and Glances, then the whole agent beside node_exporter
# (Debian's prometheus-node-exporter package; bench/agent.py says how to install it).
bench-collector: $(BENCH_STAMP)
	$(PY) -m bench.collector --samples 300
	$(PY) -m bench.agent --seconds 120

# 2,000 screens reconnecting within one second while 200 stream (make run's product).
bench-storm: $(BENCH_STAMP)
	$(PY) -m bench.storm --screens 2000 --rate 0 --rounds 3 $(BENCH_ARGS)

# An hour of screens connecting, streaming and leaving, slow, vanishing and killed ones among
# them, while the web process's memory and files are watched (make bench runs 3 minutes of it).
bench-soak: $(BENCH_STAMP)
	$(PY) -m bench.soak --minutes 60 --screens 1000 $(BENCH_ARGS)

# A kiosk playlist (three dashboards, 200 simulated hosts) in headless Chromium for an hour:
# heap, DOM nodes and listeners flat within 10 %, one socket, no reload (bench/kiosk_soak.py).
bench-kiosk-soak: $(BENCH_STAMP)
	$(PY) -m bench.kiosk_soak --hosts 200 --minutes 60 --seconds-per-board 20 $(BENCH_ARGS)

# The same, sped up: a turn every second for 10 minutes.
bench-kiosk-soak-fast: $(BENCH_STAMP)
	$(PY) -m bench.kiosk_soak --hosts 200 --minutes 10 --seconds-per-board 1 $(BENCH_ARGS)

# The alert evaluator's CPU per tick: 200 hosts x the default rules, 1,000 hosts x 20 rules.
bench-alerts: $(BENCH_STAMP)
	$(PY) -m bench.alert_eval $(BENCH_ARGS)

# 200 alerts firing at once on make run's product: 50 screens, the overview in Chromium, the agent.
bench-alert-storm: $(BENCH_STAMP)
	$(PY) -m bench.alert_storm --hosts 200 --screens 50 $(BENCH_ARGS)

# The fault matrix of tests/live/test_faults.py, as the timeline in docs/reliability.md.
bench-faults: $(BENCH_STAMP)
	$(PY) -m bench.faults $(BENCH_ARGS)
