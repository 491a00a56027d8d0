# weft serve and weft worker in one image: weft as npm packs it, with the optional packages those two
# commands load (the cluster's and the service's), on the current Node.js LTS, run as the
# unprivileged user `node`. Task modules are mounted at /srv/tasks (they import "weft", which
# resolves to /srv/node_modules/weft). docs/service.md ("In containers") has the commands.
#
#   docker build -t weft .
#   docker compose -f deploy/compose.yaml up

FROM node:24-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The package (npm pack builds dist/ first), and the optional packages of `serve` and `worker` at
# the versions weft is developed with, named by weft's own list of them.
RUN npm pack --pack-destination /pack \
  && node --input-type=module -e 'import { optionalPackages as o } from "./dist/optional-packages.js"; import { readFileSync } from "node:fs"; const { devDependencies: v } = JSON.parse(readFileSync("package.json", "utf8")); console.log([...new Set([...o.cluster, ...o.service, ...o.postgres])].map((n) => `${n}@${v[n]}`).join(" "));' > /pack/optional.txt

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /srv
COPY --from=build /pack /tmp/pack
RUN echo '{"private":true}' > package.json \
  && npm install --omit=dev --no-audit --no-fund /tmp/pack/weft-*.tgz $(cat /tmp/pack/optional.txt) \
  && rm -rf /tmp/pack /root/.npm \
  && mkdir -p /srv/tasks /data && chown node:node /data
USER node
EXPOSE 8787
VOLUME ["/data"]
ENTRYPOINT ["node", "/srv/node_modules/weft/bin/weft.js"]
CMD ["serve", "--host", "0.0.0.0", "--db", "/data/weft.db", "--tasks", "/srv/tasks/tasks.mjs"]
