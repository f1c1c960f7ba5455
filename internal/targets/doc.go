// Package targets builds what each PostgreSQL hook installs: the global
// filter (postmaster start), each target's session, role or backend-type
// filter, and set_client_filter's client filters, with their rows and
// lint. Build answers one Request.
//
// It imports names, settings, policy and bpf.
package targets
