package settings_test

import "github.com/pgseccomp/pgseccomp/internal/testutil"

// Shorter names for the shared helpers.
type (
	table   = testutil.Table
	wantErr = testutil.WantErr
)

var (
	testTable         = testutil.Syscalls
	level             = testutil.Level
	settingError      = testutil.SettingError
	checkSettingError = testutil.CheckSettingError
	syntaxTable       = testutil.MoreSyscalls
	ptr               = testutil.Ptr
	client            = testutil.Client
	fuzzTable         = testutil.FuzzSyscalls
)
