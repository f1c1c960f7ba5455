# pgseccomp: a C module for PostgreSQL (PGXS) and the Go library that only
# its helper processes load.

MODULE_big = pgseccomp
OBJS = c/pgseccomp.o c/settings.o c/wire.o c/helper.o c/compile.o c/install.o c/store.o \
	c/confine.o c/fork.o c/queue.o c/worker.o c/client.o c/parallel.o c/functions.o c/compat.o \
	c/trap.o c/reports.o c/suggest.o c/export.o c/registry.o c/names.o c/target.o c/procfs.o c/keep.o \
	c/scope.o c/roles.o c/programs.o
PGFILEDESC = "pgseccomp - seccomp syscall filters for PostgreSQL"

EXTENSION = pgseccomp
# CREATE EXTENSION runs 1.0, then the updates to 1.1, 1.2, 1.3 and 1.4.
DATA = sql/pgseccomp--1.0.sql sql/pgseccomp--1.0--1.1.sql sql/pgseccomp--1.1--1.2.sql \
	sql/pgseccomp--1.2--1.3.sql sql/pgseccomp--1.3--1.4.sql

PG_CONFIG ?= pg_config
GO ?= go

# The Go library: loaded by helper processes only, never linked to the module.
POLICY_LIB = pgseccomp_policy.so
GO_SOURCES = $(shell find internal ext -name '*.go' ! -name '*_test.go') internal/names/groups.txt go.mod go.sum
EXTRA_CLEAN = $(POLICY_LIB) pgseccomp_policy.h

all: $(POLICY_LIB)

# PGXS does not track header dependencies.
$(OBJS): $(wildcard c/*.h)

# Objects built for one PostgreSQL major must not be linked for another:
# a stamp names the server headers they were built against, and is rewritten
# (so everything is rebuilt) when PG_CONFIG points elsewhere.
PG_STAMP = .pg_config.stamp
PG_STAMP_TEXT := $(shell $(PG_CONFIG) --version) $(shell $(PG_CONFIG) --includedir-server)
ifneq ($(PG_STAMP_TEXT),$(shell cat $(PG_STAMP) 2>/dev/null))
$(shell echo '$(PG_STAMP_TEXT)' > $(PG_STAMP))
endif
$(OBJS) $(OBJS:.o=.bc): $(PG_STAMP)
EXTRA_CLEAN += $(PG_STAMP)

$(POLICY_LIB): $(GO_SOURCES)
	$(GO) build -trimpath -buildmode=c-shared -o $@ ./ext

install: install-policy

install-policy: $(POLICY_LIB)
	$(INSTALL_SHLIB) $(POLICY_LIB) '$(DESTDIR)$(pkglibdir)/$(POLICY_LIB)'

uninstall: uninstall-policy

uninstall-policy:
	rm -f '$(DESTDIR)$(pkglibdir)/$(POLICY_LIB)'

.PHONY: install-policy uninstall-policy

# Tests, against the installed extension (make install first; PostgreSQL
# refuses to run as root, so run them as the server's user in a tree it can
# write, as regress/run.sh does). make installcheck runs both: pg_regress
# (regress/sql, regress/expected) on a temporary instance of its own, and
# the TAP suites of regress/t (PG_TEST_EXTRA=soak for the full soak).
REGRESS = pgseccomp export
REGRESS_OPTS = --inputdir=regress --temp-instance=./tmp_check \
	--temp-config=regress/pgseccomp.conf
REGRESS_PREP = testtablespace
TAP_TESTS = 1
PROVE_TESTS ?= regress/t/*.pl

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# pgseccomp.sql creates a tablespace in ./testtablespace, which must exist
# and be empty.
testtablespace:
	rm -rf ./testtablespace && $(MKDIR_P) ./testtablespace

# The TAP suites alone, as PostgreSQL's own test directories have them.
prove_installcheck:
	$(prove_installcheck)

EXTRA_CLEAN += testtablespace
.PHONY: testtablespace prove_installcheck
