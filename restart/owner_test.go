package restart

import (
	"os/user"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cortex/cortex-check/check"
)

func TestPasswdShell(t *testing.T) {
	const passwd = "root:x:0:0:root:/root:/bin/bash\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n" +
		"# a comment:x:1:1::/:/bin/sh\n" +
		"short:x:2:2\n" +
		"noshell:x:3:3:::\n" +
		"last:x:4:4::/home/last:/bin/zsh"
	tests := []struct{ name, want string }{
		{"root", "/bin/bash"},
		{"nobody", "/usr/sbin/nologin"},
		{"short", ""},
		{"noshell", ""},
		{"last", "/bin/zsh"},
		{"missing", ""},
		{"roo", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := passwdShell(passwd, tt.name); got != tt.want {
			t.Errorf("passwdShell(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// accounts returns this user, nobody, and a group other than nobody's,
// from the system's user database; the test is skipped without them.
func accounts(t *testing.T) (me, nobody *user.User, group *user.Group) {
	t.Helper()
	me, err := user.Current()
	if err != nil {
		t.Skip("this user has no entry in the user database")
	}
	if nobody, err = user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody")
	}
	for _, name := range []string{"nogroup", "daemon", "bin"} {
		if g, err := user.LookupGroup(name); err == nil && g.Gid != nobody.Gid {
			return me, nobody, g
		}
	}
	t.Skip("no group to run nobody in but its own")
	return nil, nil, nil
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// LookupOwner reads the system's user database; what it should find is
// read from there too, through os/user.
func TestLookupOwner(t *testing.T) {
	me, nobody, group := accounts(t)
	tests := []struct {
		name   string
		daemon check.Daemon
		user   *user.User
		gid    string
		err    string
	}{
		{"no user: the pass's own", check.Daemon{}, me, me.Gid, ""},
		{"a user: its uid, gid, home and shell", check.Daemon{User: "nobody"}, nobody, nobody.Gid, ""},
		{"a user and a group: that group's gid, first", check.Daemon{User: "nobody", Group: group.Name}, nobody, group.Gid, ""},
		{"no such user", check.Daemon{User: "cortex-no-such-user"}, nil, "", `user "cortex-no-such-user": `},
		{"no such group", check.Daemon{User: "nobody", Group: "cortex-no-such-group"}, nil, "", `group "cortex-no-such-group": `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := LookupOwner(&tt.daemon)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Owner{Name: tt.user.Username, UID: atoi(t, tt.user.Uid), GID: atoi(t, tt.gid), Home: tt.user.HomeDir, Shell: loginShell(tt.user.Username)}
			if o.Name != want.Name || o.UID != want.UID || o.GID != want.GID || o.Home != want.Home || o.Shell != want.Shell {
				t.Errorf("got %+v, want %+v", o, want)
			}
			if gid := uint32(want.GID); len(o.Groups) == 0 || o.Groups[0] != gid || slices.Index(o.Groups[1:], gid) >= 0 {
				t.Errorf("groups %v, want %d first and once", o.Groups, gid)
			}
		})
	}
}
