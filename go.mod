module github.com/pgseccomp/pgseccomp

go 1.26.0

require (
	github.com/seccomp/libseccomp-golang v0.11.1
	golang.org/x/net v0.62.0
	golang.org/x/sys v0.49.0
)
