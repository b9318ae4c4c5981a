#!/usr/bin/env bash
# System set-up for k3ts nodes on a fresh Debian (12) machine: containerd (with ctr), runc, the
# standard CNI plugins (/usr/lib/cni), iptables, a static busybox (the images' source) and Debian's
# docker-registry (the registry tests start their own instance on loopback; its service stays off).
# Idempotent: packages already installed are left alone, and apt-get update runs only when
# something is missing. No daemon is enabled: the k3ts agent starts and configures its own
# containerd under its data dir, so Debian's containerd service is stopped and disabled if the
# package just enabled it.
# Usage (as root): scripts/setup-debian.sh
set -euo pipefail

PACKAGES=(containerd runc containernetworking-plugins iptables busybox-static docker-registry)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-debian: run as root (it installs packages)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "setup-debian: apt-get not found; this script is for Debian and its derivatives" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian: already installed: ${PACKAGES[*]}"
else
  echo "setup-debian: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # policy-rc.d keeps the package scripts from starting containerd's service during the install.
  created_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && created_policy=1
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  [ -n "$created_policy" ] && rm -f /usr/sbin/policy-rc.d
  # The agent runs its own containerd, and tests their own registry; the system services would only hold memory.
  for service in containerd docker-registry; do
    if [ -d /run/systemd/system ]; then
      if systemctl is-enabled "$service" >/dev/null 2>&1; then systemctl disable --now "$service" || true; fi
    else
      # No systemd running (a container): drop the enablement links offline, stop a sysvinit instance.
      if command -v systemctl >/dev/null; then systemctl disable "$service" >/dev/null 2>&1 || true; fi
      if [ -x "/etc/init.d/$service" ]; then "/etc/init.d/$service" stop >/dev/null 2>&1 || true; fi
      if command -v update-rc.d >/dev/null; then update-rc.d "$service" disable >/dev/null 2>&1 || true; fi
    fi
  done
fi

# What the agent needs, checked the way it will use it.
for bin in containerd ctr runc iptables; do
  command -v "$bin" >/dev/null || { echo "setup-debian: $bin still missing after install" >&2; exit 1; }
done
for plugin in bridge host-local portmap loopback; do
  [ -x "/usr/lib/cni/$plugin" ] || { echo "setup-debian: CNI plugin /usr/lib/cni/$plugin missing" >&2; exit 1; }
done
[ -x /bin/busybox ] || { echo "setup-debian: /bin/busybox missing (busybox-static)" >&2; exit 1; }
echo "setup-debian: ready ($(containerd --version | awk '{print $3}'), runc $(runc --version | awk 'NR==1{print $3}'))"
