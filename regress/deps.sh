#!/usr/bin/env bash
# Installs what pgseccomp needs to build and test on Debian 12: PostgreSQL 15
# with its server headers (same version), libseccomp, the TAP test modules,
# PL/Perl, and the Go modules. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(postgresql-15 postgresql-server-dev-15 postgresql-plperl-15
	libkrb5-dev libseccomp-dev postgresql-15-cron libipc-run-perl libipc-run3-perl make gcc)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing ${missing[*]}; run as root to install them" >&2
		exit 1
	fi
	apt-get update -qq
	# Installed together so that the server and its headers share a version.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH="/usr/local/go/bin:$PATH"
go mod download
