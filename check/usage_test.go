package check

import (
	"slices"
	"testing"
	"time"
)

// TestUsage: a daemon's figures are the sum over its processes, its main
// process's tree or its group's members, and nothing of the processes
// beside them.
func TestUsage(t *testing.T) {
	with := func(p Process, rss int64, ticks uint64, threads int) Process {
		p.RSS, p.CPUTicks, p.Threads = rss, ticks, threads
		return p
	}
	procs := []Process{
		proc(1, 0, "/sbin/init"),
		with(proc(10, 1, "nginx: master process /etc/nginx/nginx.conf"), 8<<20, 150, 1),
		with(proc(11, 10, "nginx: worker process"), 4<<20, 250, 1),
		with(proc(12, 10, "nginx: worker process"), 4<<20, 50, 2),
		with(proc(20, 1, "nginx: master process /srv/other.conf"), 100<<20, 9999, 1),
	}
	zombie := with(proc(13, 10, "nginx: worker process"), 0, 7, 1)
	zombie.State = 'Z'
	procs = append(procs, zombie)
	d := daemon(t, `name = "nginx"
pattern = '^nginx: master process /etc/nginx/nginx\.conf$'`)
	want := Usage{RSS: 16 << 20, CPU: 4500 * time.Millisecond, Threads: 4, Known: true}

	r := NewSnapshot(procs, -1, nil).Judge([]Daemon{d}, noFiles)[0]
	if r.Usage != want || !slices.Equal(r.Members, []int{10, 11, 12, 13}) {
		t.Errorf("tree: usage %+v members %v, want %+v", r.Usage, r.Members, want)
	}
	clues := noFiles
	clues.Groups = map[string]Group{"nginx": {Path: "cgroup /x/nginx", PIDs: []int{10, 11, 12, 13}}}
	r = NewSnapshot(procs, -1, nil).Judge([]Daemon{d}, clues)[0]
	if r.Usage != want || !slices.Equal(r.Members, []int{10, 11, 12}) {
		t.Errorf("group: usage %+v members %v, want %+v", r.Usage, r.Members, want)
	}
	stopped := daemon(t, `name = "gone"
pattern = 'nothing-runs-this'`)
	if r := NewSnapshot(procs, -1, nil).Judge([]Daemon{stopped}, noFiles)[0]; r.Usage != (Usage{}) || r.Members != nil {
		t.Errorf("stopped: %+v %v", r.Usage, r.Members)
	}
}
