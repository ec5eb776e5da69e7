# A first working image: installs the pinned project, trains the default model from
# data/ at build time and serves it with gunicorn.
FROM python:3.11-slim AS build
WORKDIR /app
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml README.md ./
COPY training ./training
COPY service ./service
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .
COPY data ./data
RUN /opt/venv/bin/python -m training train --data data --out /app/models/default --no-eval --quiet

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 claims
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/models /app/models
WORKDIR /app
ENV PATH=/opt/venv/bin:$PATH CLAIMS_MODEL_DIR=/app/models/default \
    GUNICORN_WORKERS=2 GUNICORN_THREADS=4 PYTHONUNBUFFERED=1
USER claims
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status == 200 else 1)"
CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS} --threads ${GUNICORN_THREADS} service.wsgi:app"]
