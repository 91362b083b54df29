#!/usr/bin/env bash
# Run a command in a Debian testing root that has CPython 3.14 and 3.15.
#
#   tools/debian-root.sh ROOT COMMAND [ARGUMENT...]
#
# Debian's testing distribution packages the two newest CPython releases; the
# nox sessions native-3.14 and native-3.15 run the test suite on them here.
# ROOT is built when it is missing or broken (debootstrap, then apt-get: Debian
# packages only) and kept for the next run. COMMAND runs in ROOT as root, in
# the checkout, which is bind-mounted at /src, with /proc and a fresh /dev/shm
# mounted for multiprocessing.
#
# DEBIAN_ROOT_PACKAGES names Debian packages that COMMAND needs beyond the
# root's own (space-separated): the benchmark sessions ask for valgrind, whose
# callgrind counts instructions. A kept root that lacks any package wanted, of
# its own list or of these, gets it from apt-get, once, without a rebuild; the
# test sessions ask for none, so a root made for them stays as small (and the
# tests that need valgrind skip there as on a machine without it).
#
# Every mount is made in a private mount namespace of this script's own: the
# machine never sees them, and the kernel drops them when the namespace's last
# process exits, however it exits (an error, Ctrl-C, SIGKILL). Nothing is
# left to unmount.
#
# Needs root, debootstrap and util-linux (unshare, mount). DEBIAN_MIRROR names
# the mirror (default http://deb.debian.org/debian).
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 ROOT COMMAND [ARGUMENT...]" >&2
    exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "$0: needs root (debootstrap, mount and chroot)" >&2
    exit 2
fi
if [[ -z ${DEBIAN_ROOT_NAMESPACE:-} ]]; then
    # unshare execs in place: same process, so signals reach it as before.
    exec env DEBIAN_ROOT_NAMESPACE=1 unshare --mount --propagation private \
        bash "$0" "$@"
fi

root=$1
shift
checkout=$(cd "$(dirname "$0")/.." && pwd)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# Debian's testing distribution, named by its codename. debootstrap has a
# script per release; bookworm's has none for forky, whose layout is sid's.
suite=forky
script=/usr/share/debootstrap/scripts/sid
packages=(python3.14-venv python3.15-venv redis-server ca-certificates)
read -ra more <<<"${DEBIAN_ROOT_PACKAGES:-}"
# The suite, then every package installed, written last: a root without it
# was not finished.
ready="$root/.debian-root-ready"

in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 "$@"
}

healthy() {
    [[ -f $ready && $(<"$ready") == "$suite "* ]] \
        && in_root python3.14 -c 'import venv' \
        && in_root python3.15 -c 'import venv'
}

# The wanted packages that the ready file does not list, one a line.
lacking() {
    local have=" $(<"$ready") " package
    for package in "${packages[@]}" "${more[@]}"; do
        [[ $have == *" $package "* ]] || echo "$package"
    done
}

# apt-get installs the packages named. Chained with &&, not left to
# `set -e`, which a caller's `if` turns off.
add_packages() {
    mount -t proc proc "$root/proc" || return
    # The mirror's Release file for testing may be past its Valid-Until date.
    in_root apt-get update -qq -o Acquire::Check-Valid-Until=false \
        && in_root DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "$@" >/dev/null \
        && in_root apt-get clean
    local status=$?
    umount "$root/proc"
    return "$status"
}

build() {
    echo "debian-root: building $root ($suite from $mirror)" >&2
    rm -rf --one-file-system "$root"
    debootstrap --variant=minbase "$suite" "$root" "$mirror" "$script"
    local all=("${packages[@]}" "${more[@]}")
    if ! add_packages "${all[@]}"; then
        echo "debian-root: apt-get could not install ${all[*]}" >&2
        exit 1
    fi
    in_root python3.14 -c 'import venv'
    in_root python3.15 -c 'import venv'
    echo "$suite ${all[*]}" >"$ready"
}

if ! healthy 2>/dev/null; then
    build
else
    mapfile -t missing < <(lacking)
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "debian-root: installing ${missing[*]} into $root" >&2
        # A root that apt-get cannot complete is broken: build it again.
        if add_packages "${missing[@]}"; then
            installed=$(<"$ready")
            echo "$installed ${missing[*]}" >"$ready"
        else
            build
        fi
    fi
fi

# pip reaches PyPI through the certificate authorities this machine trusts
# (which may include a proxy's own): copy its bundle in, if it has one.
bundle=/etc/ssl/certs/ca-certificates.crt
if [[ -f ${SSL_CERT_FILE:-$bundle} ]]; then
    cp "${SSL_CERT_FILE:-$bundle}" "$root/etc/ssl/machine-ca-bundle.crt"
    bundle=/etc/ssl/machine-ca-bundle.crt
fi

mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 shm "$root/dev/shm"
mkdir -p "$root/src"
mount --bind "$checkout" "$root/src"

# A clean environment, but CI's flag (tests fail rather than skip in CI).
# exec: the command takes this process's place, and its signals.
exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 ${CI:+CI="$CI"} \
    PIP_CERT="$bundle" SSL_CERT_FILE="$bundle" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    /bin/sh -c 'cd /src && exec "$@"' sh "$@"
