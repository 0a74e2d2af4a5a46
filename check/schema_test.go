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
	tags := func(v any) []string {
		var out []string
		ty := reflect.TypeOf(v)
		for i := range ty.NumField() {
			if tag, _, _ := strings.Cut(ty.Field(i).Tag.Get("toml"), ","); tag != "" && tag != "daemon" {
				out = append(out, tag)
			}
		}
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
		{"top level", tags(fileConfig{}), topSchema},
		{"[[daemon]]", tags(fileDaemon{}), daemonSchema},
		{"[daemon.probe]", tags(fileProbe{}), probeSchema},
		{"[[notify]]", tags(fileNotify{}), notifySchema},
	} {
		if got := keys(tt.schema); !slices.Equal(got, tt.tags) {
			t.Errorf("%s: schema keys %v, decoder keys %v", tt.name, got, tt.tags)
		}
	}
}
