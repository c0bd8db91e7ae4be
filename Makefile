# requestflow — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TZ := UTC
export AWS_DEFAULT_REGION ?= eu-west-1
# Two workers (the machine has two cores); a file's tests stay on one worker, so a module's embedded stack starts once.
PARALLEL ?= -n 2 --dist loadfile

.PHONY: demo test unit functional e2e lint-infra bench package browser clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	./rf demo

# Everything CI runs: infra lint, then every test tier (the browser tier must not be skipped).
test: $(STAMP) browser lint-infra
	$(PY) -m pytest -q -rs $(PARALLEL)

unit: $(STAMP)
	$(PY) -m pytest -q $(PARALLEL) tests/unit

functional: $(STAMP)
	$(PY) -m pytest -q $(PARALLEL) tests/functional

e2e: $(STAMP) browser
	$(PY) -m pytest -q $(PARALLEL) tests/e2e

# Packages, verifies the package and the merged template, and runs cfn-lint on it (build/packaged/sam.yaml).
lint-infra: $(STAMP)
	$(PY) -m devstack.package --check

package: $(STAMP)
	$(PY) -m devstack.package

# Debian's Chromium for the browser tests; installed when we are root and it is missing.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and we are not root: install Debian's chromium package"; fi; }

bench: $(STAMP)
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) build .pytest_cache
