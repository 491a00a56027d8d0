#!/usr/bin/env bash
# `npm run notebook`: opens notebooks/Distributed_Computing.ipynb in Jupyter with its TypeScript kernel.
# Installs the notebook's own dependencies when any is missing from notebooks/node_modules, builds
# weft (the notebook imports the build in dist/), installs the kernel spec (tslab) into
# notebooks/.jupyter, and starts `jupyter notebook`. Arguments go to Jupyter:
# `npm run notebook -- --no-browser --port 8899`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Python has Jupyter; a `python3` earlier on PATH (pyenv, a virtualenv) may not.
python="${WEFT_NOTEBOOK_PYTHON:-/usr/bin/python3}"
if ! "$python" -c "import notebook, nbconvert" 2>/dev/null; then
  echo "Jupyter is not installed for $python: apt-get install jupyter-notebook python3-nbconvert" >&2
  echo "(or point WEFT_NOTEBOOK_PYTHON at a Python that has the notebook and nbconvert packages)" >&2
  exit 1
fi
# The kernel compiles cells to CommonJS, so weft (an ES module) is loaded with require(), and the service it
# starts keeps its jobs in node:sqlite: Node 22.13+.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 13) ? 0 : 1)'; then
  echo "The notebook needs Node.js 22.13 or newer; this is $(node --version)" >&2
  exit 1
fi

# Installs the notebook's dependencies when one of them is missing (a fresh checkout, or a new one).
if ! node -e '
  const { dependencies } = JSON.parse(require("fs").readFileSync("notebooks/package.json", "utf8"));
  const missing = Object.keys(dependencies).filter((d) => !require("fs").existsSync(`notebooks/node_modules/${d}/package.json`));
  process.exit(missing.length ? 1 : 0);'; then
  npm ci --prefix notebooks --no-audit --no-fund
fi
npm run build

prefix="$PWD/notebooks/.jupyter"
export PATH="$PWD/notebooks/node_modules/.bin:$PATH" # the kernel spec runs `tslab` from PATH
export JUPYTER_PATH="$prefix/share/jupyter"
tslab install --python="$python" --prefix="$prefix" >/dev/null
# Jupyter refuses to run as root unless told to: containers and CI machines often are root.
[ "$(id -u)" != 0 ] || set -- --allow-root "$@"
exec "$python" -m notebook notebooks/Distributed_Computing.ipynb "$@"
