# The ML backend (Label Studio ML-backend protocol) under gunicorn.
# CPU image by default; a GPU variant with a CUDA build of torch:
#   docker build -f docker/ml-backend.Dockerfile --build-arg VARIANT=gpu .
ARG VARIANT=cpu

FROM python:3.11-slim-bookworm AS base-cpu
ENV TORCH_INDEX=https://download.pytorch.org/whl/cpu

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS base-gpu
ENV TORCH_INDEX=https://download.pytorch.org/whl/cu128
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3.11 python3.11-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && python3.11 -m venv /opt/python \
    && ln -s /opt/python/bin/python /usr/local/bin/python \
    && ln -s /opt/python/bin/pip /usr/local/bin/pip
ENV PATH=/opt/python/bin:$PATH

# hadolint ignore=DL3006
FROM base-${VARIANT}
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LABEL_ART_ML_DATA_DIR=/ml-data \
    LABEL_ART_ML_MODEL=image_classifier \
    PYTHONPATH=/app
RUN groupadd --system labelart \
    && useradd --system --gid labelart --home-dir /ml-data --shell /usr/sbin/nologin labelart
WORKDIR /app
COPY requirements.txt ./
RUN pip install --extra-index-url "${TORCH_INDEX}" -r requirements.txt
COPY ml_backend ./ml_backend
RUN install -d -o labelart -g labelart -m 0750 /ml-data
VOLUME ["/ml-data"]
USER labelart
EXPOSE 9090
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s CMD ["python", "-c", "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:9090/health', timeout=4)"]
CMD ["gunicorn", "ml_backend.server:create_app()", "--bind", "0.0.0.0:9090", "--workers", "1", "--threads", "4", "--timeout", "120"]
