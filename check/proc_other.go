//go:build !linux

package check

import (
	"errors"
	"fmt"
	"net/netip"

	ps "github.com/mitchellh/go-ps"
)

// ReadTable lists processes through go-ps where there is no /proc. go-ps
// gives PID, parent and executable name only: command lines, states and
// start times are not supported here, so a pattern is matched against the
// executable name and uptimes are unknown.
func ReadTable(need Need) ([]Process, error) {
	list, err := ps.Processes()
	if err != nil {
		return nil, fmt.Errorf("read process table: %w", err)
	}
	procs := make([]Process, 0, len(list))
	for _, p := range list {
		// No argv here: the name stands in for it, so a pattern is matched
		// against the executable name, as the README says.
		name := p.Executable()
		procs = append(procs, Process{PID: p.Pid(), PPID: p.PPid(), Name: name, Args: []string{name}, Cmdline: name, UID: -1})
	}
	return procs, nil
}

// ProcHidden is false where there is no /proc to hide processes.
func ProcHidden() bool { return false }

// SameProcess says whether p.PID still runs; without start times that
// is all that can be told.
func SameProcess(p Process) bool {
	q, err := ps.FindProcess(p.PID)
	return err == nil && q != nil
}

// Creds is not known here: the effective uid alone decides.
func Creds(int) (ruid, suid int, ok bool) { return 0, 0, false }

// CountFDs is not supported without /proc.
func CountFDs(int) (int, error) { return 0, errors.ErrUnsupported }

// PortHolders is not supported without /proc.
func PortHolders(netip.AddrPort, func(l, want netip.AddrPort) bool) ([]Holder, int, error) {
	return nil, 0, errors.ErrUnsupported
}
