#!/usr/bin/env bash
# Check the proto contract for breaking changes against an earlier commit (`make buf-breaking`).
#
#   scripts/buf_breaking.sh [REV]      REV defaults to HEAD~1 (the previous commit of main in CI)
#
# `buf breaking` cannot take an old commit of this repository as it is: third_party/googleapis
# joined the buf workspace later, so today's workspace has two modules where older commits have
# one ("input contained 2 images, whereas against contained 1"). So the contract of REV (its buf
# config, proto/ and third_party/, from `git archive`) is built with REV's own buf.yaml into an
# image of the proto/ module alone, and the working tree's proto/ module is checked against it
# under today's rules (buf.yaml: FILE). Google's files are imports there, not checked.
#
# Skips (exit 0, with a message) when there is nothing to compare with: REV does not exist (a
# repository of one commit, a shallow clone) or has no buf configuration or no proto/.
# Environment: BUF, the buf binary (default .venv/bin/buf, from the buf-bin package).
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-HEAD~1}"
# The workspace module that is our contract (third_party/googleapis is Google's, not checked).
module=proto
buf="${BUF:-.venv/bin/buf}"
# An absolute path, as buf runs in another directory too.
if [[ "$buf" == */* ]]; then
    buf="$(cd "$(dirname "$buf")" && pwd)/$(basename "$buf")"
else
    buf="$(command -v "$buf" || true)"
fi
if [[ ! -x "$buf" ]]; then
    echo "buf-breaking: no buf binary (${BUF:-.venv/bin/buf}): run make install" >&2
    exit 1
fi

if ! commit="$(git rev-parse --verify --quiet "${rev}^{commit}")"; then
    echo "buf-breaking: skipped: no commit ${rev} to compare with (single commit or shallow clone)"
    exit 0
fi
# The paths of the contract that exist at REV (ls-tree lists only those that do).
mapfile -t paths < <(
    git ls-tree --name-only "$commit" -- buf.yaml buf.work.yaml buf.lock "$module" third_party
)
short="$(git rev-parse --short "$commit")"
if [[ ! " ${paths[*]} " =~ " buf.yaml " && ! " ${paths[*]} " =~ " buf.work.yaml " ]]; then
    echo "buf-breaking: skipped: ${rev} (${short}) has no buf configuration"
    exit 0
fi
if [[ ! " ${paths[*]} " =~ " ${module} " ]]; then
    echo "buf-breaking: skipped: ${rev} (${short}) has no ${module}/"
    exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git archive --format=tar "$commit" -- "${paths[@]}" | tar -x -C "$tmp"
(cd "$tmp" && "$buf" build "$module" -o image.binpb)
echo "buf-breaking: checking ${module}/ against ${rev} (${short})"
"$buf" breaking "$module" --against "$tmp/image.binpb"
echo "buf-breaking: no breaking change against ${rev}"
