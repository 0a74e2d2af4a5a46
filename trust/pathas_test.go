package trust

import (
	"path/filepath"
	"testing"
)

// Debian's /etc/redis is redis:redis 2770, and its postinst resets that
// mode on every upgrade: a config there is trusted for what runs as redis
// (its group writes it to no more effect than redis itself could), never
// for what runs as root, nor for a group that is not the daemon's.
func TestPathAsDaemonGroup(t *testing.T) {
	dir := mkdir(t, filepath.Join(base(t), "etc-redis"), 0o2770, nobody)
	conf := mkfile(t, filepath.Join(dir, "redis.conf"), "port 6379\n", 0o640, nobody)
	tests := []struct {
		name  string
		runAs Owner
		ok    bool
	}{
		{"as the daemon's user and group", Owner{UID: nobody, GID: nobody}, true},
		{"as root", Owner{UID: 0, GID: 0}, false},
		{"as the daemon's user, another group", Owner{UID: nobody, GID: 4242}, false},
	}
	for _, tt := range tests {
		err := PathAs(conf, 0, tt.runAs)
		if (err == nil) != tt.ok {
			t.Errorf("%s: PathAs = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
	// Writable by others is never trusted.
	own(t, dir, 0o2777, nobody)
	if err := PathAs(conf, 0, Owner{UID: nobody, GID: nobody}); err == nil {
		t.Error("a folder others may write was trusted")
	}
}
