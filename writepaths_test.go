package main

import (
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/trust"
)

// Every path in the config is either written by a writer pass, and then has
// its row in writePaths (which validate judges by the writer's rule), or is
// listed here with why not. A path key added without either fails this.
func TestWritePathsCoverConfig(t *testing.T) {
	notWritten := map[string]string{
		"Path":       "the config: read through trust.ReadConfig, never written",
		"Dir":        "the config's folder: start programs are judged by trust.Program",
		"NotifyUser": "a user name, not a path",
		"PingURL":    "a URL, not a file",
	}
	cfg := &check.Config{Daemons: []check.Daemon{
		{Name: "started", Start: []string{"/bin/true"}},
		{Name: "watched"}, // no start: its log is never opened
	}}
	v := reflect.ValueOf(cfg).Elem()
	var keys []string
	for i := range v.NumField() {
		if f := v.Type().Field(i); f.Type.Kind() == reflect.String {
			v.Field(i).SetString("/k/" + f.Name + "/x")
			keys = append(keys, f.Name)
		}
	}
	rows := writePaths(cfg, 0, "")
	for _, key := range keys {
		if notWritten[key] != "" {
			continue
		}
		value := v.FieldByName(key).String()
		if !slices.ContainsFunc(rows, func(r writePath) bool { return r.path == value || filepath.Dir(r.path) == value }) {
			t.Errorf("config field %s (%s) has no row in writePaths, nor a reason in notWritten", key, value)
		}
	}
	want := []struct {
		what string
		how  trust.Write
	}{
		{"status file", trust.Replace}, {"lock", trust.Lock}, {"restart log", trust.Append},
		{"events file", trust.Append}, {"textfile", trust.Replace}, {"log of started", trust.Append},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		if rows[i].what != w.what || rows[i].how != w.how || rows[i].cost == "" {
			t.Errorf("row %d = %+v, want %s written by %v, with its cost", i, rows[i], w.what, w.how)
		}
	}
	if got := writePaths(cfg, 0, "/flag.prom"); got[4].path != "/flag.prom" {
		t.Errorf("--textfile does not replace the config's: %+v", got[4])
	}
}
