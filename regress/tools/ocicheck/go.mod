// ocicheck is a module of its own so that the test copy of regress/ builds
// it without the extension's tree.
module github.com/pgseccomp/pgseccomp/regress/tools/ocicheck

go 1.26.0

require (
	github.com/moby/profiles/seccomp v0.3.0
	github.com/opencontainers/runtime-spec v1.2.1
	github.com/seccomp/libseccomp-golang v0.11.1
	golang.org/x/sys v0.49.0
)
