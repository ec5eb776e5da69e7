# The claim classifier service: pinned dependencies, the default model trained from
# data/ at build time, gunicorn as a non-root user. It runs on a read-only root file
# system: only the two volumes (/app/models, /app/feedback) and /dev/shm (gunicorn's
# heartbeat files and the Prometheus multiprocess files) are written. See
# docker-compose.yml for a complete example, and README.md for the settings.
#
#   docker build -t claim-classifier .
#   docker run --rm -p 8000:8000 --read-only claim-classifier
#
# Built with the legacy builder too (DOCKER_BUILDKIT=0): no BuildKit-only syntax.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a virtual environment with the pinned packages, and the default model ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
# Dependencies first, in their own layer: rebuilt only when the pins change. The
# direct pins come from pyproject.toml, every transitive one from constraints.txt.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
 && /opt/venv/bin/pip install -c constraints.txt -r requirements.txt
COPY README.md ./
COPY training ./training
COPY service ./service
# gunicorn reads its configuration from a file path: the installed one gets a fixed path.
RUN /opt/venv/bin/pip install --no-deps . \
 && /opt/venv/bin/python -m compileall -q /opt/venv/lib \
 && ln -s "$(/opt/venv/bin/python -I -c 'import importlib.util as u; print(u.find_spec("service").submodule_search_locations[0])')/gunicorn_conf.py" \
        /opt/venv/gunicorn_conf.py
COPY data ./data
# The default model, trained once here (--no-eval: the scores are in the model card).
RUN /opt/venv/bin/python -m training train --data data --out /opt/models/default --no-eval --quiet

# --- runtime: the environment, the model and the labeled data; no build tools ---
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="claim-classifier" \
      org.opencontainers.image.description="Labels news sentences as attributed fact, official claim, speculation or rumor."
RUN groupadd --system --gid 10001 claims \
 && useradd --system --uid 10001 --gid claims --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin claims \
 && mkdir -p /app/models /app/feedback \
 && chown claims:claims /app/models /app/feedback
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=claims:claims /opt/models /app/models
COPY --from=build /src/data /app/data
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CLAIMS_MODEL_DIR=/app/models/default \
    CLAIMS_FEEDBACK_URL=sqlite:////app/feedback/feedback.sqlite3 \
    PROMETHEUS_MULTIPROC_DIR=/dev/shm/claims-metrics \
    GUNICORN_WORKERS=2 \
    GUNICORN_THREADS=4
# models: the serving model (reload with SIGHUP or POST /v1/admin/reload after
# training into it); feedback: the moderators' corrections (SQLite by default).
VOLUME ["/app/models", "/app/feedback"]
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
# exec: gunicorn is PID 1 and receives the signals (TERM: graceful stop; HUP: model reload).
CMD ["sh", "-c", "exec gunicorn -c /opt/venv/gunicorn_conf.py --bind 0.0.0.0:8000 --workers \"$GUNICORN_WORKERS\" --threads \"$GUNICORN_THREADS\" --worker-tmp-dir /dev/shm service.wsgi:app"]
