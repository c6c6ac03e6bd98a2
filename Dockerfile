# syntax=docker/dockerfile:1
# Multi-stage: build the virtualenv (no dev dependencies) and the vendored browser assets, then copy
# them into a slim runtime image that runs as a non-root user.

FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/vendor.mjs scripts/vendor.mjs
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim-bookworm AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
RUN uv sync --frozen --no-dev
# the message catalogs: translations/*/LC_MESSAGES/messages.po → messages.mo (git-ignored, loaded at start)
RUN /opt/venv/bin/pybabel compile -d src/pilotzone/translations \
    && test -f src/pilotzone/translations/zh_CN/LC_MESSAGES/messages.mo

FROM python:3.11-slim-bookworm AS runtime
RUN groupadd --system pilotzone && useradd --system --gid pilotzone --home /app pilotzone
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app/src ./src
COPY templates ./templates
COPY static ./static
COPY --from=assets /app/static/vendor ./static/vendor
# the GB/T 2260 division codes (scripts/vendor.mjs → data/gb2260/, read by tenancy/divisions.py)
COPY --from=assets /app/data ./data
COPY tenants ./tenants
COPY migrations ./migrations
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PILOTZONE_ENV=production PILOTZONE_HOST=0.0.0.0 \
    PILOTZONE_DATA_DIR=/tmp/pilotzone
USER pilotzone
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
CMD ["pilotzone", "serve", "--server", "granian", "--workers", "2"]
