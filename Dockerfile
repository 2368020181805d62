# MASH Exchange: the `mash` command, for the workers and connectors of docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

WORKDIR /opt/mash
COPY requirements/constraints.txt requirements/constraints.txt
COPY pyproject.toml README.md ./
COPY mash mash
COPY broker broker
COPY agents agents
COPY connectors connectors
COPY schemas schemas
# The keystore folder belongs to the services' user, so a new volume mounted
# there does too (docker-compose.yml's mash-keys).
RUN pip install --constraint requirements/constraints.txt . \
    && useradd --system --uid 10001 --home-dir /nonexistent mash \
    && install -d -o mash -g mash -m 0700 /var/lib/mash/keys

USER mash
CMD ["mash", "--help"]
