package check

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The decoder's struct tags and the type schemas (used for messages in
// TOML's terms) list the same keys: a key added to one and not the other
// would be decoded without its type example, or suggested and refused.
func TestSchemasMatchDecoder(t *testing.T) {
	var fields func(ty reflect.Type) []string
	fields = func(ty reflect.Type) []string {
		var out []string
		for i := range ty.NumField() {
			f := ty.Field(i)
			if f.Anonymous { // embedded: its keys are the table's (fileLimits)
				out = append(out, fields(f.Type)...)
				continue
			}
			if tag, _, _ := strings.Cut(f.Tag.Get("toml"), ","); tag != "" && tag != "daemon" {
				out = append(out, tag)
			}
		}
		return out
	}
	tags := func(v any) []string {
		out := fields(reflect.TypeOf(v))
		slices.Sort(out)
		return out
	}
	keys := func(m map[string]keySpec) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		name   string
		tags   []string
		schema map[string]keySpec
	}{
		{"top level", tags(fileConfig{}), topSchema()},
		{"[[daemon]]", tags(fileDaemon{}), daemonSchema()},
		{"[daemon.probe]", tags(fileProbe{}), probeSchema()},
		{"[[notify]]", tags(fileNotify{}), notifySchema()},
	} {
		if got := keys(tt.schema); !slices.Equal(got, tt.tags) {
			t.Errorf("%s: schema keys %v, decoder keys %v", tt.name, got, tt.tags)
		}
	}
}

func TestProbeGraceZero(t *testing.T) {
	for _, tt := range []struct {
		grace   string
		want    string // the probe's grace after defaults
		wantErr string
	}{
		{`grace = "0s"`, "0s", ""},
		{`grace = "5s"`, "5s", ""},
		{``, "30s", ""},
		{`grace = "-1s"`, "", "must not be negative"},
	} {
		cfg, err := Parse([]byte("[[daemon]]\nname = \"a\"\n[daemon.probe]\ntcp = \"127.0.0.1:1\"\n"+tt.grace), "/srv/cortex.toml")
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tt.grace, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.grace, err)
		}
		if got := cfg.Daemons[0].Probe.Grace.String(); got != tt.want {
			t.Errorf("%s: grace %s, want %s", tt.grace, got, tt.want)
		}
	}
}
