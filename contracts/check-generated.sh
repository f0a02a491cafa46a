#!/usr/bin/env bash
# Fails when the committed contract artifacts or Go bindings differ from what the pinned solc and
# abigen generate from contracts/src. Needs node (v20) and npm; run from anywhere in the repository.
set -euo pipefail
root="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$root/contracts"
npm ci --no-audit --no-fund --loglevel=error
cd "$root"
go generate ./contracts/...
# Untracked files under contracts/ (a new artifact nobody committed) count as stale too.
untracked="$(git ls-files --others --exclude-standard -- contracts/)"
if [ -n "$untracked" ]; then
	echo "contracts: generated files not committed:" >&2
	echo "$untracked" >&2
	exit 1
fi
if ! git diff --exit-code -- contracts/; then
	echo "contracts: committed artifacts/bindings are stale: run 'cd contracts && npm ci && cd .. && go generate ./contracts/...' and commit" >&2
	exit 1
fi
echo "contracts: generated files are up to date"
