package check

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// The kernel prints addresses in the host's order: these lines are a
// little-endian host's, as amd64 and arm64 are.
const netTCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000   109        0 40211 1 0000000000000000 100 0 0 10 0
   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1087 1 00000000ce744bf2 100 0 0 10 0
   2: 0100007F:9BA7 0100007F:18EB 01 00000000:00000000 00:00000000 00000000     0        0 5512 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1 0000000000000000 100 0 0 10 0
   4: garbage
   5: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0
`

const netTCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:18EB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000   109        0 40212 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:2BCB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 40213 1 0000000000000000 100 0 0 10 0
   2: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 40214 1 0000000000000000 100 0 0 10 0
`

func TestParseNetTCP(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the sample lines are a little-endian host's")
	}
	tests := []struct {
		name string
		text string
		v6   bool
		want []Listener
	}{
		{"v4: listening only, inode 0 and bad hex skipped", netTCP, false, []Listener{
			{netip.MustParseAddrPort("127.0.0.1:6379"), 40211},
			{netip.MustParseAddrPort("0.0.0.0:80"), 1087},
		}},
		{"v6: wildcard, ::1, v4-mapped", netTCP6, true, []Listener{
			{netip.MustParseAddrPort("[::]:6379"), 40212},
			{netip.MustParseAddrPort("[::1]:11211"), 40213},
			{netip.MustParseAddrPort("[::ffff:127.0.0.1]:80"), 40214},
		}},
		{"v6 text read as v4 gives nothing", netTCP6, false, nil},
		{"empty", "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseNetTCP([]byte(tt.text), tt.v6)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("[%d] = %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestConflicts(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		listen, want netip.AddrPort
		conflict     bool
	}{
		{ap("127.0.0.1:6379"), ap("127.0.0.1:6379"), true},
		{ap("127.0.0.1:6379"), ap("127.0.0.1:6380"), false},
		{ap("127.0.0.2:6379"), ap("127.0.0.1:6379"), false},
		{ap("0.0.0.0:6379"), ap("127.0.0.1:6379"), true},
		{ap("[::]:6379"), ap("127.0.0.1:6379"), true},
		{ap("[::ffff:127.0.0.1]:6379"), ap("127.0.0.1:6379"), true},
		{ap("127.0.0.1:6379"), ap("0.0.0.0:6379"), true},
		{ap("[::1]:6379"), netip.AddrPortFrom(netip.Addr{}, 6379), true}, // port = 6379: any address
		{ap("[::1]:6380"), netip.AddrPortFrom(netip.Addr{}, 6379), false},
	}
	for _, tt := range tests {
		if got := Conflicts(tt.listen, tt.want); got != tt.conflict {
			t.Errorf("Conflicts(%v, %v) = %v, want %v", tt.listen, tt.want, got, tt.conflict)
		}
	}
}
