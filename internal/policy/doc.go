// Package policy is the policy model: it turns one level's settings into
// a Policy (rules, ranks, families, io_uring, clone3), a policy into the
// decisions of one kernel Filter, and a stack of filters into the rows
// seccomp_filter() shows. It holds what pgseccomp itself needs (SelfNeeds),
// the client level's limits (ClientFloor, NoKill) and the lint.
//
// It imports names and settings.
package policy
