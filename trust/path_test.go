package trust

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestPath(t *testing.T) {
	b := base(t)
	ok := mkdir(t, b+"/ok", 0o755, 0)
	mkdir(t, ok+"/bin", 0o755, 0)
	mkfile(t, ok+"/bin/prog", elf, 0o755, 0)
	mkfile(t, ok+"/prog", elf, 0o755, 0)
	mkfile(t, ok+"/nobodys", elf, 0o755, nobody)
	mkfile(t, ok+"/gw-prog", elf, 0o775, 0)
	for name, mode := range map[string]fs.FileMode{"gw": 0o775, "ow": 0o757, "gow": 0o777} {
		mkdir(t, b+"/"+name, mode, 0)
		mkfile(t, b+"/"+name+"/prog", elf, 0o755, 0)
	}
	mkdir(t, b+"/gw/sub", 0o755, 0)
	mkdir(t, b+"/nob", 0o755, nobody)
	mkfile(t, b+"/nob/prog", elf, 0o755, 0)
	mkdir(t, b+"/app", 0o755, nobody)
	mkfile(t, b+"/app/start", elf, 0o755, nobody)
	mkdir(t, b+"/shared", 0o777|fs.ModeSticky, 0)
	mkdir(t, b+"/shared/app", 0o755, 0)
	mkfile(t, b+"/shared/app/prog", elf, 0o755, 0)
	mkdir(t, b+"/nobshared", 0o777|fs.ModeSticky, nobody)
	mkfile(t, b+"/nobshared/prog", elf, 0o755, 0)
	mklink(t, "../gw/prog", ok+"/rel-into-gw", 0)
	mklink(t, b+"/gw/prog", ok+"/abs-into-gw", 0)
	mklink(t, "bin/prog", ok+"/link-to-bin", 0)
	mklink(t, "bin/prog", ok+"/nobodys-link", nobody)
	mklink(t, b+"/gw/sub", ok+"/to-gw-sub", 0)
	mklink(t, "bin", ok+"/to-bin", 0)
	mklink(t, "loop2", ok+"/loop1", 0)
	mklink(t, "loop1", ok+"/loop2", 0)

	tests := []struct {
		name  string
		path  string
		extra []int
		want  []string // empty: trusted
	}{
		{"root-owned 0755 tree", ok + "/bin/prog", nil, nil},
		{"under /tmp's sticky root folder", b + "/shared/app/prog", nil, nil},
		{"daemon user's own program, trusted for it", b + "/app/start", []int{nobody}, nil},
		{"link inside trusted folders", ok + "/link-to-bin", nil, nil},
		{".. after a link goes to the target's parent", ok + "/to-bin/../prog", nil, nil},
		{"folder writable by group", b + "/gw/prog", nil,
			[]string{b + "/gw is writable by group root (owner root, mode 0775): anyone in group root could make cortex-check run their code as root; fix: chmod g-w " + b + "/gw"}},
		{"folder writable by others", b + "/ow/prog", nil, []string{b + "/ow is writable by others", "any user", "fix: chmod o-w " + b + "/ow"}},
		{"folder writable by all", b + "/gow/prog", nil, []string{b + "/gow is writable by group root and by others", "fix: chmod go-w " + b + "/gow"}},
		{"folder owned by another user", b + "/nob/prog", nil,
			[]string{b + "/nob is owned by nobody (uid 65534), not by root (mode 0755): its owner nobody could make cortex-check run their code as root; fix: chown root " + b + "/nob"}},
		{"program owned by another user", ok + "/nobodys", nil, []string{ok + "/nobodys is owned by nobody", "fix: chown root " + ok + "/nobodys"}},
		{"daemon user's program, not trusted for it", b + "/app/start", nil, []string{b + "/app is owned by nobody"}},
		{"program writable by group", ok + "/gw-prog", nil, []string{ok + "/gw-prog is writable by group root", "chmod g-w"}},
		{"sticky folder owned by a user", b + "/nobshared/prog", nil, []string{b + "/nobshared is owned by nobody", "mode 1777", "chown root " + b + "/nobshared && chmod go-w " + b + "/nobshared"}},
		{"shared sticky folder as the path itself", b + "/shared", nil, []string{b + "/shared is writable by group root and by others (a shared folder)", "mode 1777", "fix: use a folder that only root can write"}},
		{"relative link into an untrusted folder", ok + "/rel-into-gw", nil, []string{b + "/gw is writable by group"}},
		{"absolute link into an untrusted folder", ok + "/abs-into-gw", nil, []string{b + "/gw is writable by group"}},
		{"link owned by another user", ok + "/nobodys-link", nil,
			[]string{"symbolic link " + ok + "/nobodys-link is owned by nobody (uid 65534), not by root", "could point it elsewhere", "fix: chown -h root " + ok + "/nobodys-link"}},
		// Folding ".." by name would judge ok/prog; the kernel goes to gw.
		{".. after a link into an untrusted folder", ok + "/to-gw-sub/../prog", nil, []string{b + "/gw is writable by group"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Path(tt.path, 0, tt.extra...)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Path(%s) = %v, want trusted", tt.path, err)
				}
				return
			}
			refused(t, err, tt.want...)
		})
	}

	t.Run("missing", func(t *testing.T) {
		err := Path(ok+"/none/prog", 0)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), ok+"/none") {
			t.Errorf("got %v, want not-exist naming %s/none", err, ok)
		}
	})
	t.Run("link loop", func(t *testing.T) {
		if err := Path(ok+"/loop1", 0); !errors.Is(err, syscall.ELOOP) {
			t.Errorf("got %v, want ELOOP", err)
		}
	})
	t.Run("relative path", func(t *testing.T) {
		t.Chdir(ok)
		if err := Path("bin/prog", 0); err != nil {
			t.Error(err)
		}
		t.Chdir(b + "/gw")
		refused(t, Path("prog", 0), b+"/gw is writable")
	})
	t.Run("fields", func(t *testing.T) {
		e := refused(t, Path(b+"/nob/prog", 0))
		if e.Path != b+"/nob" || e.Owner != "nobody" || e.UID != nobody || Octal(e.Mode) != "0755" || !e.Mode.IsDir() || e.Fix != "chown root "+b+"/nob" {
			t.Errorf("fields: %+v", *e)
		}
	})
}

func TestProgram(t *testing.T) {
	b := base(t)
	bin := mkdir(t, b+"/bin", 0o755, 0)
	script := func(name, line string) string {
		return mkfile(t, filepath.Join(bin, "s-"+name), line+"\necho hi\n", 0o755, 0)
	}
	mkfile(t, bin+"/interp", elf, 0o755, 0)
	mkfile(t, bin+"/env", elf, 0o755, 0)
	mkdir(t, b+"/venv", 0o755, nobody)
	mkdir(t, b+"/venv/bin", 0o755, nobody)
	mkfile(t, b+"/venv/bin/python", elf, 0o755, nobody)
	// A PATH for #!env: p0 missing, p1 empty, p2 holds python3 and
	// nobodys; gw is writable by group; missing-in-gw does not exist.
	mkdir(t, b+"/p1", 0o755, 0)
	mkdir(t, b+"/p2", 0o755, 0)
	mkfile(t, b+"/p2/python3", elf, 0o755, 0)
	mkfile(t, b+"/p2/nobodys", elf, 0o755, nobody)
	mkdir(t, b+"/gw", 0o775, 0)
	mkdir(t, b+"/app", 0o755, nobody)
	mkfile(t, b+"/app/run", "#!"+bin+"/interp\n", 0o755, nobody)
	fifo := b + "/fifo"
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	safe := b + "/p0:" + b + "/p1:" + b + "/p2"
	env := bin + "/env"

	// chain of n interpreters: cN -> ... -> c1 -> interp.
	prev := bin + "/interp"
	for i := 1; i <= 5; i++ {
		prev = script("chain"+string(rune('0'+i)), "#!"+prev)
	}

	tests := []struct {
		name     string
		path     string
		pathList string
		extra    []int
		want     []string
	}{
		{"compiled program", bin + "/interp", "", nil, nil},
		{"script with a trusted interpreter", script("ok", "#!"+bin+"/interp -x"), "", nil, nil},
		{"spaces before the interpreter", script("spaced", "#!  "+bin+"/interp\t"), "", nil, nil},
		{"4 interpreters in a row", bin + "/s-chain4", "", nil, nil},
		{"5 interpreters in a row", bin + "/s-chain5", "", nil, []string{"more than 4 #! interpreters"}},
		{"interpreter in a user's virtualenv", script("venv", "#!"+b+"/venv/bin/python"), "", nil,
			[]string{"#! interpreter " + b + "/venv/bin/python of " + bin + "/s-venv: " + b + "/venv is owned by nobody", "run their code as root"}},
		{"daemon user's script, trusted for it", b + "/app/run", "", []int{nobody}, nil},
		{"env NAME", script("env", "#!"+env+" python3"), safe, nil, nil},
		{"env -S NAME args", script("env-S", "#!"+env+" -S python3 -u -W error"), safe, nil, nil},
		{"env -S with assignments", script("env-S-assign", "#!"+env+" -S LANG=C python3"), safe, nil, nil},
		{"env -S PATH=", script("env-S-path", "#!"+env+" -S PATH="+b+"/gw python3"), safe, nil,
			[]string{"#!" + env + " -S PATH=" + b + "/gw python3 of " + bin + "/s-env-S-path: " + b + "/gw is writable by group"}},
		{"env NAME args without -S: env looks for a file with a space", script("env-nos", "#!"+env+" python3 -u"), safe, nil, []string{`python3 -u is not found in PATH`}},
		{"env finds the program after an untrusted PATH folder", script("env-gw", "#!"+env+" python3"), b + "/gw:" + b + "/p2", nil,
			[]string{"#!" + env + " python3 of " + bin + "/s-env-gw: " + b + "/gw is writable by group root", "chmod g-w " + b + "/gw"}},
		{"env: a missing PATH folder someone could create", script("env-gwmissing", "#!"+env+" python3"), b + "/gw/none:" + b + "/p2", nil,
			[]string{b + "/gw is writable by group"}},
		{"env: program owned by another user", script("env-nob", "#!"+env+" nobodys"), safe, nil,
			[]string{"program " + b + "/p2/nobodys run by #!" + env + " nobodys of " + bin + "/s-env-nob: " + b + "/p2/nobodys is owned by nobody"}},
		{"env: not found", script("env-none", "#!"+env+" ruby"), safe, nil, []string{"ruby is not found in PATH " + safe}},
		{"env -S with quotes", script("env-quote", "#!"+env+` -S python3 -c "x"`), safe, nil, []string{"cannot be checked"}},
		{"env without a program", script("env-empty", "#!"+env), safe, nil, []string{"no program"}},
		{"relative interpreter", script("rel", "#!interp"), "", nil, []string{`#! interpreter "interp" is not a full path`}},
		{"no interpreter", script("blank", "#!  "), "", nil, []string{"names no interpreter"}},
		{"interpreter cut at 256 bytes", script("long", "#!/"+strings.Repeat("a", 300)), "", nil, []string{"longer than 255 bytes"}},
		{"a FIFO is not run or read", fifo, "", nil, []string{"is a FIFO"}},
		{"missing interpreter", script("gone", "#!"+bin+"/gone"), "", nil, []string{bin + "/gone", "no such file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &walker{uids: append([]int{0}, tt.extra...), purpose: forRun, pathList: tt.pathList}
			err := w.program(tt.path, 0)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Program(%s) = %v, want trusted", tt.path, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Program(%s) = nil, want an error saying %q", tt.path, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n  does not say %q", err, w)
				}
			}
		})
	}

	t.Run("refusal names the interpreter", func(t *testing.T) {
		err := Program(bin+"/s-venv", 0)
		e := refused(t, err)
		if e.Path != b+"/venv" || !strings.Contains(e.Context, b+"/venv/bin/python") {
			t.Errorf("Path %q, Context %q", e.Path, e.Context)
		}
	})
	t.Run("public Program uses SafePATH", func(t *testing.T) {
		// Whatever the system's PATH folders hold, env must not find a
		// program named like this one.
		err := Program(script("env-safe", "#!"+env+" no-such-program-cortex"), 0)
		if err == nil || !strings.Contains(err.Error(), "not found in PATH "+SafePATH) {
			t.Errorf("got %v", err)
		}
	})
}

func TestParseShebang(t *testing.T) {
	tests := []struct {
		head, interp, arg, err string
	}{
		{"#!/bin/sh\n", "/bin/sh", "", ""},
		{"#!/bin/sh", "/bin/sh", "", ""},
		{"#! /usr/bin/env  python3 -u \t\nrest", "/usr/bin/env", "python3 -u", ""},
		{"#!/bin/bash\r\n", "/bin/bash\r", "", ""}, // as the kernel reads it: fails to run, named as is
		{"#!/x/" + strings.Repeat("a", 251), "", "", "longer than 255"},
		{"#!/x/i " + strings.Repeat("a", 249), "/x/i", strings.Repeat("a", 249), ""},
		{"#!\n", "", "", "names no interpreter"},
		{"#!sh\n", "", "", "not a full path"},
		{"#!/bin/sh\x00\n", "", "", "NUL"},
	}
	for _, tt := range tests {
		interp, arg, err := parseShebang([]byte(tt.head))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseShebang(%q): err %v, want %q", tt.head, err, tt.err)
			}
			continue
		}
		if err != nil || interp != tt.interp || arg != tt.arg {
			t.Errorf("parseShebang(%q) = %q, %q, %v; want %q, %q", tt.head, interp, arg, err, tt.interp, tt.arg)
		}
	}
}

func TestEnvCommand(t *testing.T) {
	const p = "/safe"
	tests := []struct {
		arg, name, path, err string
	}{
		{"python3", "python3", p, ""},
		{"python3 -u", "python3 -u", p, ""},
		{"-S python3 -u", "python3", p, ""},
		{"-Spython3 -u", "python3", p, ""},
		{"-vS python3", "python3", p, ""},
		{"--split-string=python3 -u", "python3", p, ""},
		{"-S -i python3", "python3", "/bin:/usr/bin", ""},
		{"-S -i PATH=/opt/bin python3", "python3", "/opt/bin", ""},
		{"-S PATH=/opt/bin:/usr/bin A=1 node", "node", "/opt/bin:/usr/bin", ""},
		{"-S -u HOME python3", "python3", p, ""},
		{"-S -uHOME -C /tmp python3", "python3", p, ""},
		{"-S -- python3", "python3", p, ""},
		{"-S /opt/py/bin/python3 -u", "/opt/py/bin/python3", p, ""},
		{"-S python3 # a comment", "python3", p, ""},
		{"-S", "", "", "no program"},
		{"", "", "", "no program"},
		{"-S A=1", "", "", "no program"},
		{`-S python3 "-c"`, "", "", "cannot be checked"},
		{"-S ${PY} -u", "", "", "cannot be checked"},
		{"-S -P /opt python3", "", "", "-P cannot be checked"},
		{"--argv0=x python3", "", "", "--argv0=x python3 cannot be checked"},
	}
	for _, tt := range tests {
		name, path, err := envCommand(tt.arg, p)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("envCommand(%q): err %v, want %q", tt.arg, err, tt.err)
			}
			continue
		}
		if err != nil || name != tt.name || path != tt.path {
			t.Errorf("envCommand(%q) = %q, %q, %v; want %q, %q", tt.arg, name, path, err, tt.name, tt.path)
		}
	}
}
