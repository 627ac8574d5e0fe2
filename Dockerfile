# Luisterpost's container image: the command line, the flows and a Prefect worker or server, without PyTorch.
#   docker build -t luisterpost .                                   # lean: what the nightly flow and reports need
#   docker build -t luisterpost:model --build-arg EXTRAS=model .    # adds the sentiment model backend and PyTorch (CPU)
#   docker run --rm luisterpost --version
#   docker run --rm -v luisterpost-data:/data luisterpost demo --out /data/out
#   docker run --rm -v luisterpost-data:/data -e LUISTERPOST_CONFIG=/data/config/gemeente.toml luisterpost status
# The municipality's config goes in the data volume (/data/config/gemeente.toml, named by LUISTERPOST_CONFIG; the
# image leaves it unset, as `demo` takes it as its config); paths in it are relative to it, so its database and
# pseudonym key land in the volume too. See docs/operations.md.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.8
# Extras to install besides the base set: "model" for the sentiment model backend (transformers and PyTorch's CPU
# build), "snscrape" for that source. Never dev: tests and benchmarks stay out of the image.
ARG EXTRAS=""
ARG TORCH_VERSION=2.13.0
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV UV_PROJECT_ENVIRONMENT=/opt/luisterpost UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1
RUN pip install --no-cache-dir --root-user-action=ignore uv==${UV_VERSION}
WORKDIR /src
# The locked dependencies first, in their own layer: a change to the code does not install them again.
COPY pyproject.toml uv.lock ./
# $extras and $groups are split into words on purpose: one --extra/--group option each.
# PyTorch is not in the lock (its CPU build comes from its own index); its dependencies are (group torch-runtime).
# hadolint ignore=SC2086
RUN extras=""; for e in ${EXTRAS}; do extras="$extras --extra $e"; done; \
    groups=""; case " ${EXTRAS} " in *" model "*) groups="--group torch-runtime";; esac; \
    uv sync --frozen --no-install-project --no-default-groups --no-dev $extras $groups \
 && case " ${EXTRAS} " in *" model "*) \
      uv pip install --python /opt/luisterpost/bin/python --no-deps --index-url "${TORCH_INDEX}" \
        "torch==${TORCH_VERSION}+cpu";; esac
COPY README.md ./
COPY luisterpost luisterpost
COPY flows flows
COPY sql sql
COPY reports reports
COPY examples examples
# hadolint ignore=SC2086
RUN extras=""; for e in ${EXTRAS}; do extras="$extras --extra $e"; done; \
    groups=""; case " ${EXTRAS} " in *" model "*) groups="--group torch-runtime";; esac; \
    uv sync --frozen --no-editable --no-default-groups --no-dev $extras $groups

FROM ${PYTHON_IMAGE}
# pango and fonts for WeasyPrint's PDFs, Chromium for the static charts. Not pinned: a rebuild takes Debian's
# security updates (Chromium's above all).
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 luisterpost \
 && useradd --system --uid 10001 --gid 10001 --create-home --home-dir /home/luisterpost luisterpost \
 && mkdir -p /data/config /data/out /app \
 && chown luisterpost:luisterpost /data /data/config /data/out
COPY --from=build /opt/luisterpost /opt/luisterpost
# The Prefect project: deployments are registered from /app and flow runs start there (prefect.yaml's pull step),
# so a report's default folder `out` is the volume's.
COPY prefect.yaml /app/prefect.yaml
COPY flows /app/flows
RUN ln -s /data/out /app/out
ENV PATH=/opt/luisterpost/bin:$PATH \
    PREFECT_HOME=/data/.prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    DO_NOT_TRACK=1 \
    PYTHONUNBUFFERED=1
# By number: a runtime that refuses root (Kubernetes' runAsNonRoot) can check it.
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
ENTRYPOINT ["luisterpost"]
CMD ["--help"]
