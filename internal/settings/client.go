package settings

// Client is one call of set_client_filter(default_action, allow_list,
// log_list, error_list, kill_list); a nil argument is SQL NULL.
type Client struct {
	Default *string
	Lists   [4]*string // indexed by Action
}

// Argument names of set_client_filter, used in error messages.
const ClientDefaultName = "default_action"

// ClientListName is the name of the argument that holds action a's list.
func ClientListName(a Action) string { return a.String() + "_list" }
