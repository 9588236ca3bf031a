# The one entry point for working on the service. `make` lists the commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENDOR := static/vendor/govuk-frontend
TEST_ARGS ?=
PYTEST_WORKERS ?= 2

.PHONY: help install run test lint format migrate seed assets check-deploy clean

help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Also the test suite's OpenID Connect provider (oidc-provider, a devDependency).
node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/build/app.css: node_modules/.installed static/scss/app.scss
	mkdir -p $(VENDOR) static/build
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/
	cp -R node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/
	npm run --silent build:css

assets: static/build/app.css ## Build the GOV.UK Frontend assets from the pinned npm packages

install: $(VENV)/.installed assets

migrate: install ## Apply database migrations
	$(BIN)/python manage.py migrate --noinput

seed: migrate ## Load the demo partnership (idempotent)
	$(BIN)/python manage.py seed_demo

# The web port: PORT from the environment, else 8000 (honcho gives the Procfile's first
# process, web, this PORT).
PORT ?= 8000

run: seed ## Start web (http://127.0.0.1:$PORT, 8000 by default), worker and beat with the demo partnership; Ctrl-C stops all three
	PORT=$(PORT) $(BIN)/honcho start -f Procfile

test: install ## Run the whole test suite against PostgreSQL and Redis
	@$(BIN)/python scripts/check_services.py
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(TEST_ARGS)

lint: install ## Lint, format and import-contract checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install ## Format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install ## Django's deployment checks with production settings
	DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY=$${SECRET_KEY:-check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=')} \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/asb} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-asb.example.org} \
	TRUSTED_PROXY_COUNT=$${TRUSTED_PROXY_COUNT:-1} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean: ## Remove the virtual environment, node modules, built assets and local data
	rm -rf $(VENV) node_modules static/vendor static/build staticfiles var
