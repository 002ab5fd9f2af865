# keel: one image for every role. The compose file picks the role with `command:` (npm run worker:cycle,
# worker:exchange, worker:db, worker:ai, api, keel -- start); the default is the cycle worker.
# TypeScript runs through tsx (a runtime dependency), so there is no build step.
FROM node:20-bookworm-slim

# npm_config_script_shell: npm runs scripts through `sh -c`, and Debian's dash forks instead of exec-ing the last
# command, so on `docker stop` the SIGTERM that npm forwards kills the shell and never reaches the worker, which then
# cannot drain its tasks. bash execs a single command: the chain is npm -> tsx -> node and the SIGTERM handler runs.
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false \
    npm_config_script_shell=/bin/bash

WORKDIR /app

# Dependencies first, so source edits reuse this layer. .npmrc carries legacy-peer-deps=true, which npm ci needs.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Source stays owned by root (read-only for the app user); only the data folder is writable.
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
RUN mkdir -p /app/.keel && chown node:node /app/.keel

USER node

CMD ["npm", "run", "worker:cycle"]
