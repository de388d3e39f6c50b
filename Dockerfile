# scim-bridge: one binary, two processes (`serve`, `worker`), both stateless.
# The build stage compiles dist/scim-bridge (`bun run build`: dev/build.ts); the image has
# only that binary: no Bun, no node_modules.
FROM oven/bun:1.4.5 AS build
WORKDIR /src
COPY package.json bun.lock bunfig.toml ./
# Dependency patches (patchedDependencies) are applied by the install.
COPY patches ./patches
RUN bun install --frozen-lockfile --production
COPY . .
RUN bun run build

# glibc (the Temporal core addon and Bun need it), CA certificates for TLS to Temporal Cloud.
FROM debian:bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && useradd --system --uid 10001 --no-create-home scim-bridge
COPY --from=build /src/dist/scim-bridge /usr/local/bin/scim-bridge
# The binary unpacks the addon into TMPDIR at start: it must be writable and not mounted noexec.
ENV NODE_ENV=production TMPDIR=/tmp
USER scim-bridge
EXPOSE 3000
ENTRYPOINT ["scim-bridge"]
CMD ["serve"]
