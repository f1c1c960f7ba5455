// Package testutil holds the helpers tests of several packages share: a
// syscall table over a map, levels named like real settings, checks of
// setting errors, set_client_filter calls.
//
// Only tests import it; it imports settings.
package testutil
