package check

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"
	"time"
)

// Listener is a listening TCP socket as /proc/net/tcp or tcp6 lists it.
type Listener struct {
	Addr  netip.AddrPort
	Inode uint64
}

// Holder is a process that holds a listening socket: what a person needs
// to find out why a daemon could not bind its port.
type Holder struct {
	Listen  netip.AddrPort // where the socket listens
	PID     int
	Name    string // the kernel's name for it, as ps -o comm shows it
	UID     int    // -1 when not known
	Started time.Time
}

// tcpListen is the state TCP_LISTEN in /proc/net/tcp's st column.
const tcpListen = "0A"

// parseNetTCP reads /proc/net/tcp (v6 false) or tcp6: the listening
// sockets, with their local address and inode. A line it cannot read is
// skipped. The kernel prints each address as the 32-bit words it holds,
// in the host's byte order, and the port in hex.
func parseNetTCP(b []byte, v6 bool) []Listener {
	var out []Listener
	for line := range bytes.Lines(b) {
		f := bytes.Fields(line)
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		if len(f) < 10 || string(f[3]) != tcpListen {
			continue
		}
		addr, ok := parseHexAddr(string(f[1]), v6)
		if !ok {
			continue
		}
		inode, err := strconv.ParseUint(string(f[9]), 10, 64)
		if err != nil || inode == 0 {
			continue
		}
		out = append(out, Listener{Addr: addr, Inode: inode})
	}
	return out
}

// parseHexAddr reads "0100007F:18EB" (127.0.0.1:6379 on a little-endian
// host) or its 32-hex-digit IPv6 form.
func parseHexAddr(s string, v6 bool) (netip.AddrPort, bool) {
	host, portHex, ok := bytes.Cut([]byte(s), []byte(":"))
	if !ok {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(string(portHex), 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	raw, err := hex.DecodeString(string(host))
	if err != nil || (v6 && len(raw) != 16) || (!v6 && len(raw) != 4) {
		return netip.AddrPort{}, false
	}
	// Each 32-bit word was printed as a number in the host's order:
	// read it back so, and write it in network order.
	var ip [16]byte
	for i := 0; i < len(raw); i += 4 {
		binary.BigEndian.PutUint32(ip[i:], binary.NativeEndian.Uint32(raw[i:i+4]))
	}
	var a netip.Addr
	if v6 {
		a = netip.AddrFrom16(ip)
	} else {
		a = netip.AddrFrom4([4]byte(ip[:4]))
	}
	return netip.AddrPortFrom(a, uint16(port)), true
}

// Conflicts says whether a socket listening at l keeps a daemon from
// binding want: the same port, and the same address, or a wildcard on
// either side (0.0.0.0, ::, which on Linux also takes IPv4 unless the
// socket is v6-only; counted as a conflict, which at worst names one
// holder too many). An unspecified want (port = 6379 with no address)
// conflicts with every address on that port.
func Conflicts(l, want netip.AddrPort) bool {
	if l.Port() != want.Port() {
		return false
	}
	la, wa := l.Addr().Unmap(), want.Addr().Unmap()
	return !wa.IsValid() || la == wa || la.IsUnspecified() || wa.IsUnspecified()
}
