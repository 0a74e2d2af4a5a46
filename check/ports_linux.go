//go:build linux

package check

import (
	"net/netip"
	"os"
	"slices"
	"strconv"
	"syscall"
)

// Listeners reads the listening TCP sockets of this network namespace
// from /proc/net/tcp and /proc/net/tcp6.
func Listeners() ([]Listener, error) {
	return listenersAt("/proc")
}

func listenersAt(root string) ([]Listener, error) {
	var out []Listener
	for _, v6 := range []bool{false, true} {
		name := root + "/net/tcp"
		if v6 {
			name += "6"
		}
		b, err := os.ReadFile(name)
		if err != nil {
			if v6 && os.IsNotExist(err) { // no IPv6 in this kernel
				continue
			}
			return nil, err
		}
		out = append(out, parseNetTCP(b, v6)...)
	}
	return out, nil
}

// PortHolders names the processes that hold a listening socket at want
// (match says which sockets count: Conflicts, or the same port only): the
// sockets come from /proc/net/tcp{,6}, their holders from the
// socket:[inode] links in /proc/PID/fd, nothing else read. The oldest
// holder comes first. hidden counts matching sockets whose holder was not
// found: another user's process, whose descriptors only root may read.
func PortHolders(want netip.AddrPort, match func(l, want netip.AddrPort) bool) (holders []Holder, hidden int, err error) {
	return portHoldersAt("/proc", want, match)
}

func portHoldersAt(root string, want netip.AddrPort, match func(l, want netip.AddrPort) bool) ([]Holder, int, error) {
	listeners, err := listenersAt(root)
	if err != nil {
		return nil, 0, err
	}
	where := map[uint64]netip.AddrPort{}
	for _, l := range listeners {
		if match(l.Addr, want) {
			where[l.Inode] = l.Addr
		}
	}
	if len(where) == 0 {
		return nil, 0, nil
	}
	dir, err := os.Open(root)
	if err != nil {
		return nil, 0, err
	}
	names, err := dir.Readdirnames(-1)
	dir.Close()
	if err != nil {
		return nil, 0, err
	}
	found := map[uint64]bool{}
	var holders []Holder
	buf := make([]byte, 64)
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		fdDir := root + "/" + name + "/fd"
		fds, err := readNames(fdDir)
		if err != nil {
			continue // gone, or another user's
		}
		held := false
		var at netip.AddrPort
		for _, fd := range fds {
			n, err := syscall.Readlink(fdDir+"/"+fd, buf)
			if err != nil || n < 9 || string(buf[:8]) != "socket:[" {
				continue
			}
			inode, err := strconv.ParseUint(string(buf[8:n-1]), 10, 64)
			if a, ok := where[inode]; err == nil && ok {
				held, at, found[inode] = true, a, true
			}
		}
		if !held {
			continue
		}
		h := Holder{Listen: at, PID: pid, UID: -1}
		if p, err := readTableOne(root, pid); err == nil {
			h.Name, h.Started = p.Name, p.StartTime
		}
		var st syscall.Stat_t
		if syscall.Stat(root+"/"+name, &st) == nil {
			h.UID = int(st.Uid)
		}
		holders = append(holders, h)
	}
	slices.SortStableFunc(holders, func(a, b Holder) int {
		if c := a.Started.Compare(b.Started); c != 0 {
			return c
		}
		return a.PID - b.PID
	})
	return holders, len(where) - len(found), nil
}

// readNames lists a folder's names.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
