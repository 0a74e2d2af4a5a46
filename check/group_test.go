package check

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// owned sets a process's owner.
func owned(p Process, uid int) Process { p.UID = uid; return p }

func TestJudgeGroup(t *testing.T) {
	const self = 900
	tests := []struct {
		name    string
		toml    string
		procs   []Process
		group   []int // the daemon's group's members; nil: no group
		want    Condition
		pid     int
		procsN  int
		message string // a part of the message
	}{
		{
			name:  "members that match are the daemon, whoever else matches",
			toml:  "name = \"redis-a\"\nprocess = \"redis-server\"",
			procs: []Process{owned(proc(10, 1, "redis-server *:6379"), 0), owned(proc(20, 1, "redis-server *:6380"), 0)},
			group: []int{20},
			want:  Running, pid: 20, procsN: 1,
			message: "PIDs 10 outside its control group also match process 'redis-server': not counted, never signalled",
		},
		{
			name:  "a pidfile alone that names no member: unknown, no second copy",
			toml:  "name = \"svc\"\npidfile = \"/run/svc.pid\"",
			procs: []Process{owned(proc(30, 1, "svc --serve"), 0), owned(proc(31, 30, "svc --worker"), 0)},
			group: []int{30, 31},
			want:  Unknown, procsN: 2,
			message: "its control group holds PIDs 30, but its pidfile /run/svc.pid names none of them",
		},
		{
			name:  "members left, none matches: orphaned",
			toml:  "name = \"pm\"\npattern = 'pm-daemon\\.sh$'",
			procs: []Process{owned(proc(40, 1, "sleep 1"), 0), owned(proc(41, 40, "sleep 2"), 0)},
			group: []int{40, 41},
			want:  Orphaned, procsN: 2,
			message: "2 process(es) are left in its control group (PIDs 40)",
		},
		{
			name:  "an empty group: judged by the process tree",
			toml:  "name = \"pm\"\npattern = 'pm-daemon\\.sh$'",
			procs: []Process{owned(proc(50, 1, "/bin/bash /srv/pm-daemon.sh"), 0)},
			group: []int{},
			want:  Running, pid: 50, procsN: 1,
		},
		{
			name:  "a member's owner does not matter: the group is the kernel's word",
			toml:  "name = \"web\"\nprocess = \"nginx\"",
			procs: []Process{owned(proc(60, 1, "nginx"), 0), owned(proc(61, 60, "nginx"), 33)},
			group: []int{60, 61},
			want:  Running, pid: 60, procsN: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := daemon(t, tt.toml)
			d.UID = 0
			snap := NewSnapshot(tt.procs, self, nil)
			clues := noFiles
			if tt.group != nil {
				clues.Groups = map[string]Group{d.Name: {Path: "cgroup /cg/" + d.Name, PIDs: tt.group}}
			}
			v := snap.Judge([]Daemon{d}, clues)[0]
			if v.Condition != tt.want || v.PID != tt.pid || v.Procs != tt.procsN {
				t.Fatalf("got %s PID %d, %d processes (%s); want %s PID %d, %d processes", v.Condition, v.PID, v.Procs, v.Message, tt.want, tt.pid, tt.procsN)
			}
			if !strings.Contains(v.Message, tt.message) {
				t.Errorf("message %q lacks %q", v.Message, tt.message)
			}
			wantTracked := "process tree"
			if len(tt.group) > 0 {
				wantTracked = "cgroup /cg/" + d.Name
			}
			if v.Tracked() != wantTracked {
				t.Errorf("tracked %q, want %q", v.Tracked(), wantTracked)
			}
		})
	}
}

func TestJudgeOwner(t *testing.T) {
	const self = 900
	names := func(uid int) string { return map[int]string{0: "root", 1001: "advatk", 101: "redis"}[uid] }
	tests := []struct {
		name    string
		toml    string
		uid     int
		procs   []Process
		pidfile string
		want    Condition
		pid     int
		message string
	}{
		{
			name:    "another user's look-alike is not counted, and said so",
			toml:    "name = \"pm\"\npattern = '/srv/pm-daemon\\.sh$'",
			uid:     0,
			procs:   []Process{owned(proc(70, 1, "/usr/bin/tail /srv/pm-daemon.sh"), 1001)},
			want:    Stopped,
			message: `a process of advatk (PID 70) matches; not counted: only root's count; set user = "advatk" if it is the daemon`,
		},
		{
			name:  "the daemon's own and a look-alike: the own counts",
			toml:  "name = \"pm\"\npattern = '/srv/pm-daemon\\.sh$'",
			uid:   0,
			procs: []Process{owned(proc(70, 1, "/usr/bin/tail /srv/pm-daemon.sh"), 1001), owned(proc(71, 1, "/bin/bash /srv/pm-daemon.sh"), 0)},
			want:  Running, pid: 71,
		},
		{
			name:    "a pidfile naming another user's process is not the daemon",
			toml:    "name = \"redis\"\npidfile = \"/run/redis/redis.pid\"",
			uid:     101,
			procs:   []Process{owned(proc(80, 1, "/usr/sbin/sshd -D"), 0)},
			pidfile: "80",
			want:    Stopped,
			message: "names PID 80, a process of root, not of the daemon's user redis: not counted, never signalled",
		},
		{
			name:    "a pidfile naming the user's own process is",
			toml:    "name = \"redis\"\npidfile = \"/run/redis/redis.pid\"",
			uid:     101,
			procs:   []Process{owned(proc(81, 1, "redis-server *:6379"), 101)},
			pidfile: "81",
			want:    Running, pid: 81,
		},
		{
			name:    "a setuid program another user started is not root's",
			toml:    "name = \"pm\"\npattern = '/srv/pm-daemon\\.sh$'",
			uid:     0,
			procs:   []Process{owned(proc(95, 1, "/bin/bash /srv/pm-daemon.sh"), 0)},
			want:    Stopped,
			message: "PID 95 matches and runs as root only through a setuid program that advatk started: not counted, never signalled",
		},
		{
			name:  "an owner the table does not know (off Linux) is not held against it",
			toml:  "name = \"pm\"\npattern = 'pm-daemon'",
			uid:   0,
			procs: []Process{owned(proc(90, 1, "pm-daemon"), -1)},
			want:  Running, pid: 90,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := daemon(t, tt.toml)
			d.UID = tt.uid
			clues := files(map[string]string{d.Pidfile: tt.pidfile}, t0.Add(time.Hour))
			if tt.pidfile == "" {
				clues = noFiles
			}
			clues.UserName = names
			// PID 95 is a setuid-root program that uid 1001 started.
			clues.Creds = func(pid int) (int, int, bool) {
				if pid == 95 {
					return 1001, 0, true
				}
				for _, p := range tt.procs {
					if p.PID == pid {
						return p.UID, p.UID, true
					}
				}
				return 0, 0, false
			}
			v := NewSnapshot(tt.procs, self, nil).Judge([]Daemon{d}, clues)[0]
			if v.Condition != tt.want || v.PID != tt.pid {
				t.Fatalf("got %s PID %d (%s); want %s PID %d", v.Condition, v.PID, v.Message, tt.want, tt.pid)
			}
			if !strings.Contains(v.Message, tt.message) {
				t.Errorf("message %q lacks %q", v.Message, tt.message)
			}
		})
	}
}

func TestMainTree(t *testing.T) {
	procs := []Process{
		owned(proc(10, 1, "redis-server *:6379"), 101),
		owned(proc(11, 10, "redis-rdb-bgsave"), 101),
		owned(proc(12, 10, "setuid-helper"), 0), // not the daemon user's: left alone
		owned(proc(13, 12, "child-of-helper"), 101),
		owned(proc(20, 1, "redis-server *:6380"), 101), // a second redis: never in the first's tree
	}
	snap := NewSnapshot(procs, 900, nil)
	tests := []struct {
		pid, uid int
		want     []int
	}{
		{10, 101, []int{10, 11}},
		{10, -1, []int{10, 11, 12, 13}},
		{10, 0, nil},  // the main process is not the user's
		{1, -1, nil},  // never PID 1
		{99, -1, nil}, // gone
	}
	for _, tt := range tests {
		if got := snap.MainTree(tt.pid, tt.uid); !slices.Equal(got, tt.want) {
			t.Errorf("MainTree(%d, %d) = %v, want %v", tt.pid, tt.uid, got, tt.want)
		}
	}
}

func TestUserUnknown(t *testing.T) {
	d := daemon(t, "name = \"pm\"\nuser = \"gone\"")
	d.UserErr = errors.New(`user "gone": no such user on this host`)
	d.UID = -2
	v := NewSnapshot([]Process{owned(proc(10, 1, "pm"), 0)}, 900, nil).Judge([]Daemon{d}, noFiles)[0]
	if v.Condition != Unknown || !strings.Contains(v.Message, "no such user") {
		t.Fatalf("got %s (%s), want unknown naming the user", v.Condition, v.Message)
	}
}

func TestResolveUsers(t *testing.T) {
	cfg, err := Parse([]byte("[[daemon]]\nname = \"a\"\n[[daemon]]\nname = \"b\"\nuser = \"redis\"\n[[daemon]]\nname = \"c\"\nuser = \"gone\"\ngroup = \"x\"\n"), "/srv/cortex.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg.ResolveUsers(func(user, group string) (int, error) {
		if user == "redis" {
			return 101, nil
		}
		return 0, errors.New(`user "` + user + `": no such user on this host`)
	}, 1000)
	got := []int{cfg.Daemons[0].UID, cfg.Daemons[1].UID, cfg.Daemons[2].UID}
	if !slices.Equal(got, []int{1000, 101, -2}) {
		t.Errorf("uids %v, want [1000 101 -2]: the config's owner, the user's, none", got)
	}
	if cfg.Daemons[0].UserErr != nil || cfg.Daemons[1].UserErr != nil || cfg.Daemons[2].UserErr == nil {
		t.Errorf("only the daemon whose user is gone has a UserErr")
	}
}

// A free regexp that is slow against long command lines is cut off by the
// budget and its daemon is unknown; a literal matcher in the same scan is
// still judged. No timing is asserted: an exhausted budget (1ns) stands
// for a slow pattern.
func TestMatchBudget(t *testing.T) {
	long := "/usr/bin/java " + strings.Repeat("-Dx=y ", 20000)
	procs := []Process{owned(proc(10, 1, long), 0), owned(proc(11, 1, "/bin/bash /srv/pm-daemon.sh"), 0)}
	slow := daemon(t, "name = \"slow\"\npattern = '\\w{1,900}z'")
	fast := daemon(t, "name = \"pm\"\npattern = '/srv/pm-daemon\\.sh$'")
	slow.UID, fast.UID = 0, 0
	clues := noFiles
	clues.MatchBudget = time.Nanosecond
	v := NewSnapshot(procs, 900, nil).Judge([]Daemon{slow, fast}, clues)
	if v[0].Condition != Unknown || !strings.Contains(v[0].Message, "matching ran past its budget") {
		t.Errorf("slow: %s (%s), want unknown, cut by the budget", v[0].Condition, v[0].Message)
	}
	if v[1].Condition != Running || v[1].PID != 11 {
		t.Errorf("pm: %s PID %d, want running PID 11: literal matchers are not cut", v[1].Condition, v[1].PID)
	}
	// Without a budget the same scan judges both; the regexp sees only the
	// first MaxRegexpText bytes, so the z at the far end is not found.
	procs[0] = owned(proc(10, 1, long+"z"), 0)
	v = NewSnapshot(procs, 900, nil).Judge([]Daemon{slow, fast}, noFiles)
	if v[0].Condition != Stopped {
		t.Errorf("slow without budget: %s, want stopped (its match lies past MaxRegexpText)", v[0].Condition)
	}
}

// Within a group, the pidfile's process is the main one even while the
// start program that forked it (pg_ctl -w) still runs above it.
func TestJudgeGroupPidfileLeads(t *testing.T) {
	d := daemon(t, "name = \"postgres\"\npidfile = \"/srv/pg/postmaster.pid\"")
	d.UID = 0
	procs := []Process{owned(proc(10, 1, "pg_ctl -D /srv/pg start"), 0), owned(proc(11, 10, "postgres -D /srv/pg"), 0), owned(proc(12, 11, "postgres: checkpointer"), 0)}
	clues := files(map[string]string{"/srv/pg/postmaster.pid": "11\n/srv/pg"}, t0)
	clues.Groups = map[string]Group{"postgres": {Path: "cgroup /cg/postgres", PIDs: []int{10, 11, 12}}}
	v := NewSnapshot(procs, 900, nil).Judge([]Daemon{d}, clues)[0]
	if v.Condition != Running || v.PID != 11 {
		t.Fatalf("got %s PID %d (%s), want running PID 11, the postmaster", v.Condition, v.PID, v.Message)
	}
}
