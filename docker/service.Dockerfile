# The labeling service: one image, three roles chosen by the entrypoint's argument:
#   web      uWSGI serving worker.wsgi:app (mounted at LABELART_URL_PREFIX)
#   worker   one RQ worker (`labelart worker`, queues from LABELART_WORKER_QUEUES)
#   migrate  `labelart init`: migrations and the first administrator, then exit
# Build from the repository root: docker build -f docker/service.Dockerfile .

# Browser packages (abcjs for the music score view) come from package-lock.json, never from git.
FROM node:20-bookworm-slim AS editor
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm
# The CPU build of torch: the service runs the bundled models on CPU; GPU work belongs to
# worker hosts built with TORCH_INDEX pointing at a CUDA index.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LABELART_DATA_DIR=/data \
    LABELART_HOST=0.0.0.0 \
    LABELART_PORT=8000 \
    PYTHONPATH=/app
RUN groupadd --system labelart \
    && useradd --system --gid labelart --home-dir /data --shell /usr/sbin/nologin labelart
WORKDIR /app
COPY requirements.txt requirements-editor.txt ./
RUN pip install --extra-index-url "${TORCH_INDEX}" -r requirements.txt pyuwsgi==2.0.30.post1
# Run from /app (PYTHONPATH), not site-packages: the editor is found at /app/vendor/lsf and
# abcjs at /app/node_modules.
COPY worker ./worker
COPY ml_backend ./ml_backend
# The labeling editor, Label Studio Frontend 1.8.0, unpacked from the hash-pinned label-studio wheel.
RUN python -m worker.web.editor_install --dest /app/vendor/lsf
COPY --from=editor /src/node_modules/abcjs/dist /app/node_modules/abcjs/dist
COPY docker/entrypoint.sh /usr/local/bin/labelart-entrypoint
COPY docker/uwsgi.ini /etc/labelart/uwsgi.ini
RUN chmod 0755 /usr/local/bin/labelart-entrypoint \
    && install -d -o labelart -g labelart -m 0750 /data
VOLUME ["/data"]
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/labelart-entrypoint"]
CMD ["web"]
