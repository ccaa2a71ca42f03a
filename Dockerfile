# covcheck as a container: `covcheck serve` of a rule bundle, built on Debian 12 and run on
# Debian 12 slim as a non-root user. UNTESTED here: the build machine has no container daemon
# or registry. docs/deploy.md explains the image, its flags and the Kubernetes example.
#
#   docker build -t covcheck .
#   docker run -p 8080:8080 -e COVCHECK_ADMIN_TOKEN=... covcheck
#   docker run -p 8080:8080 -v /srv/bundles:/bundles:ro covcheck serve --bundle /bundles/rules.tar \
#     --host 0.0.0.0 --port 8080 --api-keys /bundles/api-keys.yaml

FROM debian:12 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ cmake ninja-build pkg-config libyaml-cpp-dev tao-pegtl-dev \
      libfmt-dev libcli11-dev libssl-dev libsimdjson-dev libcpp-httplib-dev nlohmann-json3-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# PORTABLE: the image may run on a CPU without the build host's AVX2.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOVCHECK_BUILD_TESTS=OFF -DCOVCHECK_PORTABLE=ON \
 && cmake --build /build --target covcheck
# The shipped payer registry as the image's default bundle (reproducible: a fixed build time).
RUN /build/covcheck bundle --rules rules --version "shipped" --built-at 2026-01-01T00:00:00Z --out /build/rules.tar

FROM debian:12-slim
# The shared libraries covcheck links (the header-only ones stay behind), and curl for the
# health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libyaml-cpp0.7 libfmt9 libssl3 libsimdjson14 libcpp-httplib0.11 \
      ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin covcheck
COPY --from=build /build/covcheck /usr/local/bin/covcheck
COPY --from=build /build/rules.tar /srv/covcheck/rules.tar
USER 10001:10001
EXPOSE 8080
# /readyz is 200 once a bundle is loaded and 503 while shutting down.
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/covcheck"]
# --insecure-no-auth only so that the image answers out of the box; give --api-keys in production
# (docs/security.md).
CMD ["serve", "--bundle", "/srv/covcheck/rules.tar", "--host", "0.0.0.0", "--port", "8080", "--insecure-no-auth"]
