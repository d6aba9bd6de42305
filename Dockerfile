# uploadd container image: a glibc build on Debian 12, run on Debian 12 slim with ffmpeg.
# Both stages are bookworm so the binary and the runtime share glibc 2.36.
# Build:  docker build -t uploadd .        (BuildKit, the default since Docker 23, for the caches)
# Pinned tags; for reproducible builds pin digests too (image@sha256:…) and bump them with
# Renovate or Dependabot.

FROM rust:1.95.0-bookworm AS builder
# cmake + nasm: turbojpeg builds libjpeg-turbo with its SIMD code, crates/heif builds libheif
# and libde265 (C++) against Debian's dav1d; pkg-config for -sys crates.
RUN apt-get update \
 && apt-get install -y --no-install-recommends cmake nasm pkg-config g++ libdav1d-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The registry and target/ live in BuildKit cache mounts, so a source change rebuilds only
# uploadd, not every dependency. The binary is copied out of the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin uploadd \
 && install -m 0755 target/release/uploadd /usr/local/bin/uploadd

FROM debian:12.12-slim
# ffmpeg/ffprobe for the video stage (/usr/bin, as config/uploadd.toml expects);
# ca-certificates for TLS to S3, PostgreSQL and webhook receivers; libdav1d6 for AVIF (ffmpeg
# pulls it in too).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates libdav1d6 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 uploadd \
 && useradd --system --uid 10001 --gid uploadd --home-dir /var/lib/uploadd \
      --no-create-home --shell /usr/sbin/nologin uploadd \
 && install -d -o uploadd -g uploadd -m 0750 /var/lib/uploadd
COPY --from=builder /usr/local/bin/uploadd /usr/local/bin/uploadd
COPY config/uploadd.toml /etc/uploadd/uploadd.toml
# The production example config; override any key as UPLOADD_<SECTION>__<KEY> (see
# docker-compose.yml). UPLOADD_CONFIG is what --config defaults to, so `docker compose exec
# uploadd uploadd status ID` uses the same file. No ANSI colours in `docker logs`.
ENV UPLOADD_CONFIG=/etc/uploadd/uploadd.toml \
    NO_COLOR=1
USER 10001:10001
WORKDIR /var/lib/uploadd
EXPOSE 9187
# /healthz through bash's /dev/tcp: the slim image has no curl or wget. It assumes the listener
# is on port 9187 (UPLOADD_HTTP__LISTEN=0.0.0.0:9187, or the config's 127.0.0.1:9187).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9187 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
# SIGTERM drains in-flight jobs within worker.shutdown_grace (30s): give the container longer
# to stop (docker-compose.yml sets stop_grace_period: 90s; `docker stop -t 90`).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/uploadd"]
CMD ["run"]
