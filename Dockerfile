# syntax=docker/dockerfile:1
# Production image of pgtable-review-bot: `ptbot` as the entry point.
# Stage 1 compiles the TypeScript with the dev dependencies; stage 2 keeps
# only the production dependencies, the compiled code and the data the bot
# reads at run time (config, rule docs, fixtures for the offline demo).

FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY rules ./rules
COPY test ./test
COPY bench ./bench
RUN npm run build

FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production
# git: the public-inbox git mirror source and analysis.kernelTree read
# repositories through it.
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY config ./config
COPY rules ./rules
COPY fixtures ./fixtures
RUN mkdir -p /app/.ptbot && chown -R node:node /app/.ptbot
USER node
# The liveness endpoint of `ptbot serve` answers without reaching lore.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["node", "bin/ptbot.js", "--version"]
ENTRYPOINT ["node", "bin/ptbot.js"]
CMD ["analyze", "fixtures/lore/threads/arm64_vmalloc_huge_ptdump"]
