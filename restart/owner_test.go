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

// LookupOwner reads the system's user database; what it should find is
// read from there too, through os/user.
func TestLookupOwner(t *testing.T) {
	me, err := user.Current()
	if err != nil {
		t.Skip("this user has no entry in the user database")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody")
	}
	var group *user.Group
	for _, name := range []string{"nogroup", "daemon", "bin"} {
		if g, err := user.LookupGroup(name); err == nil && g.Gid != nobody.Gid {
			group = g
			break
		}
	}
	if group == nil {
		t.Skip("no group to run nobody in but its own")
	}
	atoi := func(s string) int {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name       string
		daemon     check.Daemon
		user       *user.User
		gid        int
		err        string
		groupFirst uint32
	}{
		{"no user: the pass's own", check.Daemon{}, me, atoi(me.Gid), "", uint32(atoi(me.Gid))},
		{"a user: its uid, gid, home and shell", check.Daemon{User: "nobody"}, nobody, atoi(nobody.Gid), "", uint32(atoi(nobody.Gid))},
		{"a user and a group: that group's gid, first", check.Daemon{User: "nobody", Group: group.Name}, nobody, atoi(group.Gid), "", uint32(atoi(group.Gid))},
		{"no such user", check.Daemon{User: "cortex-no-such-user"}, nil, 0, `user "cortex-no-such-user": `, 0},
		{"no such group", check.Daemon{User: "nobody", Group: "cortex-no-such-group"}, nil, 0, `group "cortex-no-such-group": `, 0},
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
			if o.Name != tt.user.Username || o.UID != atoi(tt.user.Uid) || o.GID != tt.gid || o.Home != tt.user.HomeDir {
				t.Errorf("got %+v, want %s uid %s gid %d home %s", o, tt.user.Username, tt.user.Uid, tt.gid, tt.user.HomeDir)
			}
			if o.Shell != loginShell(tt.user.Username) {
				t.Errorf("shell %q, want %q", o.Shell, loginShell(tt.user.Username))
			}
			if len(o.Groups) == 0 || o.Groups[0] != tt.groupFirst || slices.Index(o.Groups[1:], tt.groupFirst) >= 0 {
				t.Errorf("groups %v, want %d first and once", o.Groups, tt.groupFirst)
			}
		})
	}
}
