# scim-bridge: one image, two processes (serve, worker). Both are stateless.
FROM oven/bun:1.4.5 AS deps
WORKDIR /app
COPY package.json bun.lock bunfig.toml ./
# Dependency patches (patchedDependencies) are applied by the install.
COPY patches ./patches
RUN bun install --frozen-lockfile --production

FROM oven/bun:1.4.5
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY server ./server
COPY workflows ./workflows
COPY activities ./activities
COPY bridge ./bridge
USER bun
EXPOSE 3000
ENTRYPOINT ["bun", "server/main.ts"]
CMD ["serve"]
