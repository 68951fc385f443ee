#!/usr/bin/env bash
# Make the local base image `localhost/pichosting-base:bookworm` (debootstrap minbase + podman import), no registry
# needed. The root filesystem tarball is cached in $BASE_CACHE (outside the repository) and reused when present.
set -euo pipefail
BASE_CACHE="${BASE_CACHE:-/var/cache/pichosting-image}"
BASE_IMAGE="${BASE_IMAGE:-localhost/pichosting-base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tarball="$BASE_CACHE/bookworm-minbase.tar"

if podman image exists "$BASE_IMAGE"; then
    echo "base: $BASE_IMAGE already present"
    exit 0
fi
if [ ! -s "$tarball" ]; then
    mkdir -p "$BASE_CACHE"
    root="$(mktemp -d "$BASE_CACHE/rootfs.XXXXXX")"
    trap 'rm -rf "$root"' EXIT
    echo "base: debootstrap bookworm into $root"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" "$MIRROR" >/dev/null
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$tarball.partial" .
    mv "$tarball.partial" "$tarball"
fi
echo "base: podman import $tarball as $BASE_IMAGE"
podman import --change 'CMD ["/bin/bash"]' "$tarball" "$BASE_IMAGE" >/dev/null
