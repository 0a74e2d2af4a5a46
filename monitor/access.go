package monitor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/cortex/cortex-check/trust"
)

// Account is the user a monitoring system runs checks as: nagios for
// Nagios, NRPE and, on Debian, Icinga 2.
type Account struct {
	Name string
	UID  int
	GIDs []int // the primary group and the others
}

// LookupAccount finds the user and its groups.
func LookupAccount(name string) (Account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return Account{}, err
	}
	a := Account{Name: u.Username}
	if a.UID, err = strconv.Atoi(u.Uid); err != nil {
		return Account{}, fmt.Errorf("user %s: uid %q is not a number", name, u.Uid)
	}
	groups, err := u.GroupIds()
	if err != nil {
		groups = []string{u.Gid}
	}
	for _, g := range append(groups, u.Gid) {
		if id, err := strconv.Atoi(g); err == nil && !slices.Contains(a.GIDs, id) {
			a.GIDs = append(a.GIDs, id)
		}
	}
	return a, nil
}

// Read and Run are what the account needs of a file.
const (
	Read fs.FileMode = 4
	Run  fs.FileMode = 1
)

// Blocked says why the account cannot read or run (need) the file at path,
// or returns "" when it can: every folder above it must let the account
// search it, and the file itself must grant need. It goes by the mode bits
// only (no ACLs), which is what a packaged monitoring user meets.
func (a Account) Blocked(path string, need fs.FileMode) string {
	real, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path + " does not exist"
	}
	if err != nil {
		return err.Error()
	}
	if why := a.searchAbove(real); why != "" {
		return why
	}
	verb := "read"
	if need == Run {
		verb = "run"
	}
	return a.lacks(real, need, verb)
}

// searchAbove says why the account cannot search a folder above path, or
// "".
func (a Account) searchAbove(path string) string {
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		if why := a.lacks(dir, Run, "search the folder"); why != "" {
			return why
		}
		if dir == filepath.Dir(dir) {
			return ""
		}
	}
}

// BlockedReading is Blocked for a file that may not exist now (a stopped
// daemon's pidfile): then the folders it would be in must let the account
// search them, up to the nearest that exists. "" when the account could
// read it.
func (a Account) BlockedReading(path string) string {
	if _, err := os.Lstat(path); err == nil {
		return a.Blocked(path, Read)
	}
	dir := filepath.Dir(path)
	for {
		if _, err := os.Stat(dir); err == nil || dir == filepath.Dir(dir) {
			break
		}
		dir = filepath.Dir(dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return ""
	}
	if why := a.searchAbove(real); why != "" {
		return why
	}
	return a.lacks(real, Run, "search the folder")
}

// lacks checks one file's mode bits, the way the kernel picks them: the
// owner's if the account owns it, else the group's if it is in the group,
// else the others'.
func (a Account) lacks(path string, need fs.FileMode, verb string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return err.Error()
	}
	uid, gid, ok := owner(fi)
	if !ok || a.UID == 0 && need != Run {
		return ""
	}
	perm := fi.Mode().Perm()
	switch {
	case a.UID == 0:
		perm |= perm>>6 | perm>>3 // root may run what anyone may
	case uid == a.UID:
		perm >>= 6
	case slices.Contains(a.GIDs, gid):
		perm >>= 3
	}
	if perm&need != 0 {
		return ""
	}
	return fmt.Sprintf("the %s user cannot %s %s (mode %04o, owner %s)", a.Name, verb, path, fi.Mode().Perm(), trust.UserName(uid)+":"+trust.GroupName(gid))
}
