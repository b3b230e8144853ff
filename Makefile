# Trợ cấp xã hội: make help lists the targets.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)

.DEFAULT_GOAL := help
.PHONY: help setup run test e2e lint fmt worker migrate seed mock messages clean bench bench-national bench-import load screenshots

help: ## Show this help
	@grep -E '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed (set PYTHON=...)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
	print('\n'.join(p['dependencies'] + p['optional-dependencies']['dev']))" > $(VENV)/requirements.txt
	$(PY) -m pip install --quiet -r $(VENV)/requirements.txt -c constraints.txt
	rm -f $(VENV)/.installed-*
	touch $@

setup: $(STAMP) ## Create .venv and install the pinned dependencies
	@echo "setup: $(VENV) is ready."

migrate: setup ## Apply database migrations
	$(PY) manage.py migrate --noinput

# DEBUG=0: the seed's hundreds of thousands of statements need no debug query log (faster).
seed: migrate ## Seed the demo province once (Huế, 60,738 people, a year of payments; DEMO_MONTHS=N)
	DEBUG=0 $(PY) manage.py seed_demo --skip-if-seeded

# make run answers first and builds the history behind: the register is seeded here (about half
# a minute), then the worker makes the payment history one month a task, oldest first, while
# the pages answer (the dashboards say how far it is); a new make run resumes it.
run: migrate ## Set up, migrate, seed the register once, run web + worker + mock providers on :8000; the worker builds the history
	DEBUG=0 $(PY) manage.py seed_demo --skip-if-seeded --history=background
	$(PY) manage.py run_stack --addr 127.0.0.1:8000

test: setup ## Run the test suite (SQLite unless DATABASE_URL/REDIS_URL are set)
	$(PY) -m pytest

e2e: setup ## Run only the browser tests (needs /usr/bin/chromium)
	$(PY) -m pytest -m e2e

# The phone views next to the desktop ones, in docs/screenshots/ (a chosen set: the suite takes
# every page into test-results/).
SHOTS := commune-home commune-register commune-person commune-registration commune-queue \
	commune-import commune-payment-list commune-lines commune-coverage commune-change-death \
	commune-signature-list commune-export-job district-home \
	district-queue district-change district-payment-list district-lines district-coverage
screenshots: setup ## Walk the officers' pages at 390 and 1280 px and refresh docs/screenshots/
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e/test_phone_pages.py
	mkdir -p docs/screenshots
	cp test-results/phone-commune-menu-open-390.png docs/screenshots/commune-menu-open-390.png
	for s in $(SHOTS); do for w in 390 1280; do \
		cp test-results/phone-$$s-$$w.png docs/screenshots/$$s-$$w.png; done; done

lint: setup ## Check style (ruff), the layers (import-linter) and migrations (makemigrations --check)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	PYTHONPATH=. $(VENV)/bin/lint-imports

fmt: setup ## Format the code with ruff
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: setup ## Run a Celery worker with beat
	$(VENV)/bin/celery -A config worker --beat --loglevel INFO

mock: setup ## Run the mock payment providers on :8900
	$(PY) manage.py run_mock_providers --port 8900

messages: setup ## Extract and compile translations
	$(PY) manage.py makemessages -l vi -l en --ignore=.venv --ignore=staticfiles --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

bench: setup ## Time a province's list (Huế, 60,738) on PostgreSQL against an INSERT…SELECT floor
	$(PY) -m bench.run $(BENCH_ARGS)

bench-import: setup ## Time what a hostile .xlsx (10 MB, 40 MB XML comments) costs with and without the import's budget
	$(PY) -m bench.imports $(BENCH_ARGS)

bench-national: setup ## Time 3.3 million over 34 provinces, one Celery task per closing unit (PostgreSQL + Redis)
	$(PY) -m bench.run --national $(BENCH_ARGS)

load: setup ## Load test: 50 officers on gunicorn + PostgreSQL + Redis while a worker generates a list (LOAD_SECONDS, LOAD_USERS)
	$(PY) -m bench.load $(LOAD_ARGS)

clean: ## Remove the demo database, queues and uploads (var/)
	rm -rf var
