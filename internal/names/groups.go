package names

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

// groups.txt defines the @groups of list items; its header says where the
// members come from.
//
//go:embed groups.txt
var groupsFile string

// groups maps "@name" to its members: syscall names and other "@name"s.
var groups = func() map[string][]string {
	g, err := parseGroups(groupsFile)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return g
}()

func parseGroups(text string) (map[string][]string, error) {
	g := map[string][]string{}
	cur := ""
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "@") && !strings.ContainsAny(line, " \t"):
			if _, dup := g[line]; dup {
				return nil, fmt.Errorf("groups.txt:%d: group %s defined twice", i+1, line)
			}
			cur = line
			g[cur] = nil
		case cur == "":
			return nil, fmt.Errorf("groups.txt:%d: members before the first group", i+1)
		default:
			g[cur] = append(g[cur], strings.Fields(line)...)
		}
	}
	return g, nil
}

// GroupNames lists every group, "@" included, sorted.
func GroupNames() []string {
	out := make([]string, 0, len(groups))
	for n := range groups {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// GroupMembers expands a group to the syscall names it holds on any
// architecture, nested groups included, sorted. ok is false if there is no
// such group.
func GroupMembers(name string) (members []string, ok bool) {
	if _, ok := groups[name]; !ok {
		return nil, false
	}
	seen := map[string]bool{}
	var walk func(string)
	walk = func(g string) {
		if seen[g] {
			return
		}
		seen[g] = true
		for _, m := range groups[g] {
			if strings.HasPrefix(m, "@") {
				walk(m)
			} else if !seen[m] {
				seen[m] = true
				members = append(members, m)
			}
		}
	}
	walk(name)
	sort.Strings(members)
	return members, true
}
