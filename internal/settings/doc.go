// Package settings is pgseccomp's settings model: the names and defaults
// of its settings, the actions, levels, targets (session, role, backend
// type) and set_client_filter calls, the grammar of list values
// (SplitList, ParseList, ParseDefault), typo hints, and the errors and
// warnings a bad value gets, in PostgreSQL's style. It knows nothing of
// BPF or PostgreSQL; the C layer defines the GUCs and ships their raw
// values.
//
// It imports names.
package settings
