# farm-auth container image.
#
#   docker build -t farm-auth .
#   docker run --rm -p 8080:8080 -v farm-auth-data:/data \
#       -e FARM_AUTH_ISSUER=http://localhost:8080 farm-auth
#
# With no other settings the server uses the SQLite file /data/farm-auth.db (the default
# `sqlite://farm-auth.db?mode=rwc`, relative to the working directory /data) and writes mail
# as .eml files to /data/mail. Mount a volume on /data to keep them across `docker run`s; a
# named volume takes its ownership from the image, a bind-mounted host directory must be
# writable by uid 65532. Set FARM_AUTH_ISSUER to the URL clients use: left unset, the issuer
# is derived from the bound address (http://0.0.0.0:8080).
#
# The operator commands run in the same image, e.g.
#   docker run --rm -v farm-auth-data:/data farm-auth client create --name bot --scope "orders:read" --json
#
# docker-compose.yml runs two replicas of this image behind nginx on one PostgreSQL.

############################################################################################
# Builder
############################################################################################
FROM rust:1.95-bookworm AS builder

# Native code in the dependency tree, and what it needs:
# - aws-lc-sys 0.47 (under aws-lc-rs: RS256 signing and rustls for PostgreSQL TLS). On
#   x86_64 and aarch64 Linux it ships pre-generated bindings and compiles AWS-LC with its
#   `cc` builder (builder/main.rs: the cc builder is chosen unless bindgen is required, FIPS
#   is on, or AWS_LC_SYS_CMAKE_BUILDER=1), so a C compiler is all it needs: no cmake, no
#   clang/bindgen, no Go, no NASM (NASM is for Windows only).
# - libsqlite3-sys (bundled SQLite): a C compiler.
# rust:*-bookworm is built on buildpack-deps:bookworm, which already has gcc, make and
# libc6-dev, so nothing is installed here. (Building for another architecture, or with
# AWS_LC_SYS_CMAKE_BUILDER=1, would need `apt-get install -y cmake clang` first.)

WORKDIR /build

# Dependency cache, in plain Docker layers (no BuildKit cache mounts, so it also works with
# the classic builder and with registry layer caching in CI): build the whole dependency
# tree against stub sources first. This layer depends only on Cargo.toml and Cargo.lock, so
# editing src/ reuses it and rebuilds farm-auth alone. The stubs for tests/ and benches/ are
# there because Cargo.toml declares those targets by path and cargo checks that they exist,
# even though `cargo build` does not compile them. Same profile and flags as the real build,
# or the cached artefacts would not be reused.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src tests/api benches \
 && echo 'fn main() {}' > src/main.rs \
 && : > src/lib.rs \
 && echo 'fn main() {}' > tests/api/main.rs \
 && echo 'fn main() {}' > benches/load.rs \
 && cargo build --release --locked

# The real sources. Everything the compiler may read goes in (src/, migrations/ embedded by
# sqlx::migrate!, templates/ and static/ if they are compiled in, a future build.rs);
# .dockerignore keeps target/, .git, databases, mail and .env out. COPY keeps the files'
# modification times, which can be older than the stub build above; touching the crate
# roots makes cargo rebuild farm-auth instead of shipping the stub binary.
COPY . .
RUN touch src/lib.rs src/main.rs \
 && cargo build --release --locked \
 && install -D -m 0755 target/release/farm-auth /out/farm-auth \
 && mkdir -p /out/data/mail

############################################################################################
# Runtime
############################################################################################
# distroless/cc: glibc, libgcc_s and CA certificates, no shell, no package manager; the
# `nonroot` variant runs as uid/gid 65532. Same Debian release (glibc 2.36) as the builder.
# Nothing is read from disk at run time except the database and .env: migrations are
# embedded at compile time and templates/ and static/ are not read at run time.
FROM gcr.io/distroless/cc-debian12:nonroot

# The binary belongs to root (the server cannot overwrite it); the data directory belongs
# to the runtime user: /data does not exist in the base image, so COPY creates it, and
# --chown applies to the created destination directory as well as to what is copied into
# it (no shell here for a RUN chown). The empty /data/mail exists so that a named volume
# mounted there (docker-compose.yml) starts out owned by the runtime user as well.
COPY --from=builder /out/farm-auth /usr/local/bin/farm-auth
COPY --from=builder --chown=65532:65532 /out/data /data

USER 65532:65532
WORKDIR /data

# PATH spelled out so `docker compose exec <replica> farm-auth ...` finds the binary on any runtime.
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    FARM_AUTH_LISTEN=0.0.0.0:8080
EXPOSE 8080

# No HEALTHCHECK: the image has no shell or HTTP client. Probe GET /healthz (alive) and
# GET /readyz (database reachable) from the orchestrator or load balancer instead.
# SIGTERM (docker stop) is handled by the server: it finishes in-flight requests and exits.
ENTRYPOINT ["/usr/local/bin/farm-auth"]
CMD ["serve"]
