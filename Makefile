.PHONY: demo test bootstrap bench clean

# Both targets work on a fresh machine: bootstrap installs Debian packages, .venv and the project.
demo: bootstrap
	.venv/bin/venue-terminal demo

test: bootstrap
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest

bootstrap:
	@bash scripts/bootstrap.sh

bench: bootstrap
	.venv/bin/python -m bench

clean:
	rm -rf .venv build *.egg-info
