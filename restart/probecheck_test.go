package restart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cortex/cortex-check/check"
)

func TestCheckProbe(t *testing.T) {
	dir := trustedDir(t)
	writeFile(t, filepath.Join(dir, "ok.sh"), "#!/bin/sh\nexit 0\n", 0o755)
	writeFile(t, filepath.Join(dir, "noexec.sh"), "#!/bin/sh\nexit 0\n", 0o644)
	open := writeFile(t, filepath.Join(dir, "open.sh"), "#!/bin/sh\nexit 0\n", 0o777)
	tests := []struct {
		name, probe, err string
	}{
		{"no probe", "", ""},
		{"not an exec probe", "tcp = \"127.0.0.1:6379\"", ""},
		{"a bare name in the fixed PATH", "exec = [\"true\"]", ""},
		{"a path against the config's folder", "exec = [\"./ok.sh\"]", ""},
		{"an absolute path", "exec = [\"" + filepath.Join(dir, "ok.sh") + "\"]", ""},
		{"a typo", "exec = [\"redis-clii\"]", "probe.exec program \"redis-clii\" cannot be run: "},
		{"missing", "exec = [\"./missing.sh\"]", "probe.exec program " + filepath.Join(dir, "missing.sh") + " does not exist; fix exec in its [daemon.probe]"},
		{"not executable", "exec = [\"./noexec.sh\"]", "is not executable: chmod +x"},
		{"a folder", "exec = [\"" + dir + "/\"]", "is not executable"},
		{"others may write it", "exec = [\"./open.sh\"]", "probe.exec program " + open + " refused: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "[[daemon]]\nname = \"app\"\npattern = 'app'\n"
			if tt.probe != "" {
				text += "[daemon.probe]\n" + tt.probe + "\n"
			}
			cfg, err := check.Parse([]byte(text), filepath.Join(dir, "cortex.toml"))
			if err != nil {
				t.Fatal(err)
			}
			d, _ := cfg.Daemon("app")
			err = Starter{ConfigDir: dir, UID: os.Geteuid()}.CheckProbe(d)
			if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("got %v, want %q", err, tt.err)
			}
		})
	}
}
