#!/usr/bin/env bash
# Builds PostgreSQL 18 from Debian's source package (suite sid) into a cache
# outside the checkout, with the TAP test modules and, when the mirror has it,
# pg_cron, and prints the pg_config of that build as its last line. A second
# run finds the cache and only prints the path.
#
#   PG_CONFIG=$(regress/pg18.sh | tail -n1)
#
# The first run must be root: it installs the build dependencies with apt-get,
# and reads sid's sources through a private apt configuration (its own sources
# list, lists and caches under the cache directory) on the mirror this
# machine's apt already uses. Nothing is added to the system's apt sources.
#
# Environment:
#   PGSECCOMP_CACHE     cache directory (default /var/cache/pgseccomp)
#   PGSECCOMP_MIRROR    Debian mirror URI (default: the one apt uses here)
#   PGSECCOMP_REFRESH=1 ask the mirror for a newer postgresql-18 and build it
#   PGSECCOMP_JOBS      make -j (default: number of processors)
#
# With a directory argument, it also keeps a copy of the build there and
# prints that copy's pg_config: the build is shared by everyone on the
# machine, and `make install` of the extension writes into it, so people
# working side by side each install into their own copy (PostgreSQL finds its
# files relative to its binaries, so a copied tree works).
#
#   PG_CONFIG=$(regress/pg18.sh /opt/pg/me/pg18 | tail -n1)
set -euo pipefail
umask 022

cache=${PGSECCOMP_CACHE:-/var/cache/pgseccomp}
major=18
copy=${1:+$(realpath -m "$1")}

say() { echo "pg$major: $*" >&2; }

# Prints the pg_config of build $1 (or of its copy) and ends.
finish() {
	local prefix=$1
	if [ -n "$copy" ] && ! cmp -s "$prefix/.complete" "$copy/.complete"; then
		if [ -e "$copy" ] && [ ! -f "$copy/.complete" ]; then
			say "$copy exists and is no copy of a build; not replacing it"
			exit 1
		fi
		say "copying $prefix to $copy"
		mkdir -p "$(dirname "$copy")"
		rm -rf "$copy.new"
		cp -a "$prefix" "$copy.new"
		rm -rf "$copy"
		mv "$copy.new" "$copy"
	fi
	echo "${copy:-$prefix}/bin/pg_config"
	exit 0
}

# The newest complete build, if any.
cached() {
	local marker newest=
	for marker in "$cache/pg$major"/*/.complete; do
		[ -f "$marker" ] && newest=$(printf '%s\n' $newest "${marker%/.complete}" | sort -V | tail -n1)
	done
	[ -n "$newest" ] && echo "$newest"
}

if [ -z "${PGSECCOMP_REFRESH:-}" ] && built=$(cached); then
	finish "$built"
fi
if [ "$(id -u)" != 0 ]; then
	say "no build in $cache/pg$major; run as root once to build it"
	exit 1
fi

mkdir -p "$cache"
chmod 755 "$cache"
# One build at a time: others on this machine may run this concurrently.
exec 9>"$cache/pg$major.lock"
flock 9
if [ -z "${PGSECCOMP_REFRESH:-}" ] && built=$(cached); then
	finish "$built"
fi

started=$SECONDS

# Build dependencies. bison and flex: the source has no generated parser.
packages=(bison flex gcc make pkg-config dpkg-dev zlib1g-dev liburing-dev
	libperl-dev libipc-run-perl)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian mirror this machine's apt uses for its own release, from the
# one-line sources.list format or deb822 .sources files.
mirror() {
	local codename f
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			awk -v c="$codename" '
				$1 == "deb" || $1 == "deb-src" {
					i = 2
					if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
					if ($(i + 1) == c) print $i
				}' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk -v c="$codename" '
				BEGIN { RS = ""; FS = "\n" }
				{
					uri = ""; ours = 0; enabled = 1
					for (i = 1; i <= NF; i++) {
						if ($i ~ /^URIs:/) { split(substr($i, 6), u, " "); uri = u[1] }
						if ($i ~ /^Suites:/) {
							n = split(substr($i, 8), s, " ")
							for (j = 1; j <= n; j++) if (s[j] == c) ours = 1
						}
						if ($i ~ /^Enabled:[ \t]*[Nn][Oo]/) enabled = 0
					}
					if (ours && enabled && uri != "") print uri
				}' "$f"
		done
	} | head -n1
}

uri=${PGSECCOMP_MIRROR:-$(mirror)}
if [ -z "$uri" ]; then
	say "found no Debian mirror in /etc/apt; set PGSECCOMP_MIRROR"
	exit 1
fi

# A private apt configuration that knows only sid's sources.
aptdir=$cache/apt
mkdir -p "$aptdir/lists/partial" "$aptdir/cache/archives/partial" "$aptdir/sources.list.d"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main" \
	>"$aptdir/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$aptdir/sources.list"
	-o "Dir::Etc::SourceParts=$aptdir/sources.list.d"
	-o "Dir::State::Lists=$aptdir/lists"
	-o "Dir::Cache=$aptdir/cache")
say "reading sid's sources from $uri"
apt-get "${apt_private[@]}" update -qq

# Downloads and unpacks source package $1 into $2 (made empty first), as
# apt's download user can write there.
fetch_source() {
	local pkg=$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir/dl"
	chown _apt: "$dir/dl" 2>/dev/null || true
	(cd "$dir/dl" && apt-get "${apt_private[@]}" source -qq --download-only "$pkg") >&2 || return 1
	# apt checked the files against sid's signed index; dpkg-source cannot
	# check the uploader's signature without debian-keyring, and says so.
	if ! dpkg-source -x "$dir"/dl/*.dsc "$dir/src" >"$dir/extract.log" 2>&1; then
		cat "$dir/extract.log" >&2
		return 1
	fi
}

version=$(apt-cache "${apt_private[@]}" showsrc --only-source "postgresql-$major" |
	awk '/^Version:/ { print $2 }' | sort -V | tail -n1)
if [ -z "$version" ]; then
	say "sid's sources have no postgresql-$major"
	exit 1
fi
prefix=$cache/pg$major/${version//:/_}
if [ -f "$prefix/.complete" ]; then
	finish "$prefix"
fi

srcdir=$cache/src/postgresql-${major}_${version//:/_}
log=$cache/src/postgresql-${major}_${version//:/_}.log
say "building postgresql-$major $version in $srcdir (log: $log)"
fetch_source "postgresql-$major" "$srcdir"
rm -rf "$prefix"
: >"$log"
run() {
	if ! "$@" >>"$log" 2>&1; then
		tail -n 40 "$log" >&2
		say "failed: $* (log: $log)"
		exit 1
	fi
}
(
	cd "$srcdir/src"
	# Debian's patches stay applied, but for the one that moves the library
	# and server header directories to /usr/lib/postgresql/18 whatever the
	# prefix: this build lives under its prefix.
	run patch -R -p1 -i debian/patches/50-per-version-dirs.patch
	run ./configure --prefix="$prefix" --enable-debug --enable-tap-tests \
		--with-liburing --with-perl --without-icu --without-readline
	run make -j"${PGSECCOMP_JOBS:-$(nproc)}"
	# src and config only: the documentation is not built.
	run make -C src install
	run make -C config install
	# PostgreSQL::Test::Cluster and friends, under pgxs/src/test/perl.
	run make -C src/test/perl install
)

# pg_cron, a real neighbour for the tests, built with PGXS if sid's source
# can be fetched from the mirror.
pg_cron="not available from $uri"
cronver=$(apt-cache "${apt_private[@]}" showsrc --only-source pg-cron 2>/dev/null |
	awk '/^Version:/ { print $2 }' | sort -V | tail -n1)
if [ -n "$cronver" ]; then
	crondir=$cache/src/pg-cron_${cronver//:/_}-pg$major
	if fetch_source pg-cron "$crondir" 2>>"$log" &&
		make -C "$crondir/src" PG_CONFIG="$prefix/bin/pg_config" >>"$log" 2>&1 &&
		make -C "$crondir/src" PG_CONFIG="$prefix/bin/pg_config" install >>"$log" 2>&1; then
		pg_cron=$cronver
	else
		pg_cron="$cronver failed to fetch or build (log: $log)"
	fi
fi
say "pg_cron: $pg_cron"

chmod -R a+rX "$prefix"
{
	echo "postgresql-$major $version"
	echo "pg_cron $pg_cron"
	echo "built in $((SECONDS - started)) s on $(date -u +%FT%TZ)"
} >"$prefix/.complete"
say "built in $((SECONDS - started)) s"
finish "$prefix"
