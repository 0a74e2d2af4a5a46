package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cortex/cortex-check/check"
	"github.com/cortex/cortex-check/inventory"
)

// Every config key and every flag that names a path has its row in the
// inventory, every row's proof exists, and the README shows the inventory
// as it is: a key or path added without its row is a bug this test finds.
func TestInventory(t *testing.T) {
	named := map[string]bool{}
	for _, r := range inventory.Rows {
		for _, k := range r.Keys {
			named[k] = true
		}
	}
	for _, k := range check.Keys() {
		switch {
		case named[k] && slices.Contains(inventory.NotPaths, k):
			t.Errorf("config key %s is both in a row and among inventory.NotPaths", k)
		case !named[k] && !slices.Contains(inventory.NotPaths, k):
			t.Errorf("config key %s has no row in the inventory (inventory.Rows), nor is it among inventory.NotPaths: say what the pass does with it", k)
		}
	}
	for _, flag := range pathFlags(reflect.TypeOf(cli{})) {
		if !named[flag] {
			t.Errorf("flag %s names a path and has no row in the inventory", flag)
		}
	}

	tests := goTests(t)
	for _, r := range inventory.Rows {
		if len(r.Tests) == 0 {
			t.Errorf("row %q names no test that proves it", r.What)
		}
		for _, name := range r.Tests {
			name, _, _ = strings.Cut(name, " ") // "TestSystemd (testdata/systemd/scopes.sh)"
			_, err := os.Stat(filepath.Join("testdata", "script", name+".txtar"))
			if err != nil && !tests[name] {
				t.Errorf("row %q: %s is neither a scenario in testdata/script nor a Go test", r.What, name)
			}
		}
	}

	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	table := inventory.Markdown()
	if os.Getenv("UPDATE_README") != "" {
		readme = replaceTable(t, readme, table)
		if err := os.WriteFile("README.md", readme, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(string(readme), table) {
		t.Errorf("README.md does not show the inventory as it is: run UPDATE_README=1 go test -run TestInventory . to write this table under \"Every path and process\":\n%s", table)
	}
}

// pathFlags lists the flags (and their environment variables) of the CLI
// that take a path: kong's type:"path", and the config's -c.
func pathFlags(ty reflect.Type) []string {
	var out []string
	for i := range ty.NumField() {
		f := ty.Field(i)
		if _, cmd := f.Tag.Lookup("cmd"); (cmd || f.Anonymous) && f.Type.Kind() == reflect.Struct {
			out = append(out, pathFlags(f.Type)...)
			continue
		}
		if f.Tag.Get("type") != "path" && f.Name != "Config" {
			continue
		}
		if short := f.Tag.Get("short"); short != "" {
			out = append(out, "-"+short)
		} else {
			out = append(out, "--"+kebab(f.Name))
		}
		if env := f.Tag.Get("env"); env != "" {
			out = append(out, env)
		}
	}
	return out
}

func kebab(s string) string {
	return strings.ToLower(regexp.MustCompile(`([a-z])([A-Z])`).ReplaceAllString(s, "$1-$2"))
}

// goTests finds the Go test functions of the repository.
func goTests(t *testing.T) map[string]bool {
	out := map[string]bool{}
	re := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// replaceTable puts table where the README's inventory table is: from its
// header row to the first blank line.
func replaceTable(t *testing.T, readme []byte, table string) []byte {
	s := string(readme)
	i := strings.Index(s, "| path or process | named by |")
	if i < 0 {
		t.Fatal("README.md has no inventory table to update")
	}
	j := strings.Index(s[i:], "\n\n")
	if j < 0 {
		j = len(s) - i
	}
	return []byte(s[:i] + strings.TrimSuffix(table, "\n") + s[i+j:])
}
