package targets_test

import "github.com/pgseccomp/pgseccomp/internal/testutil"

// table is a Resolver over a fixed map.
type table = testutil.Table
