package restart

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/cortex/cortex-check/check"
)

// Owner is who a daemon runs as.
type Owner struct {
	Name     string
	UID, GID int
	Groups   []uint32
	Home     string
	Shell    string
}

// LookupOwner finds who d runs as: its user (and group) from the system's
// user database, or, without user, the pass's own user.
func LookupOwner(d *check.Daemon) (Owner, error) {
	var u *user.User
	var err error
	if d.User == "" {
		u, err = user.LookupId(strconv.Itoa(os.Geteuid()))
		if err != nil {
			// A uid without a passwd entry (a container): run as it, bare.
			return Owner{UID: os.Geteuid(), GID: os.Getegid()}, nil
		}
	} else if u, err = user.Lookup(d.User); err != nil {
		return Owner{}, fmt.Errorf("user %q: %w", d.User, err)
	}
	o := Owner{Name: u.Username, Home: u.HomeDir, Shell: loginShell(u.Username)}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return Owner{}, fmt.Errorf("user %q has no numeric uid and gid", u.Username)
	}
	o.UID, o.GID = uid, gid
	if d.Group != "" {
		g, err := user.LookupGroup(d.Group)
		if err != nil {
			return Owner{}, fmt.Errorf("group %q: %w", d.Group, err)
		}
		if o.GID, err = strconv.Atoi(g.Gid); err != nil {
			return Owner{}, fmt.Errorf("group %q has no numeric gid", d.Group)
		}
	}
	o.Groups = supplementary(u, o.GID, d.Group != "")
	return o, nil
}

// supplementary is initgroups(user, gid), as systemd's User= and Group=
// give a service: gid and the groups that list the user as a member. With
// a group of its own the daemon does not keep its user's primary group
// (os/user counts that among the user's groups); without one, that is
// its gid anyway.
func supplementary(u *user.User, gid int, groupSet bool) []uint32 {
	ids, err := u.GroupIds()
	if err != nil {
		return nil
	}
	out := []uint32{uint32(gid)}
	for _, id := range ids {
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil || (groupSet && id == u.Gid) || uint32(n) == uint32(gid) {
			continue
		}
		out = append(out, uint32(n))
	}
	return out
}

// loginShell reads the user's shell from /etc/passwd, which os/user does
// not expose.
func loginShell(name string) string {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return ""
	}
	return passwdShell(string(b), name)
}

// passwdShell finds name's shell, the seventh field, in a passwd file's
// text; "" when it is not there.
func passwdShell(passwd, name string) string {
	for line := range strings.Lines(passwd) {
		f := strings.Split(strings.TrimRight(line, "\n"), ":")
		if len(f) == 7 && f[0] == name {
			return f[6]
		}
	}
	return ""
}
