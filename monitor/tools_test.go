package monitor

// The monitoring systems themselves judge the glue: each test runs when
// the tool is installed (CI installs them from Debian, see .ci/run) and
// skips, saying so, when it is not.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tool finds a monitoring tool on PATH or where Debian installs it
// (/usr/sbin is not on every user's PATH), or skips the test.
func tool(t *testing.T, name, debianPath string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if _, err := os.Stat(debianPath); err == nil {
		return debianPath
	}
	t.Skipf("%s is not installed (CI installs it; on Debian: apt-get install the package with %s)", name, debianPath)
	return ""
}

// sharedDir is a temporary folder that the monitoring user can read: as
// root, nagios4 and nrpe switch to the nagios user, and t.TempDir is private.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cortex-monitor-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// nagiosObjects are what every Nagios has and the glue relies on: a host
// with the check's host name, a contact, a time period, and the
// generic-service template of the stock templates.cfg.
const nagiosObjects = `
define timeperiod {
    timeperiod_name 24x7
    alias           24 hours a day, 7 days a week
    sunday          00:00-24:00
    monday          00:00-24:00
    tuesday         00:00-24:00
    wednesday       00:00-24:00
    thursday        00:00-24:00
    friday          00:00-24:00
    saturday        00:00-24:00
}
define command {
    command_name    notify-nobody
    command_line    /bin/true
}
define contact {
    contact_name                  admin
    service_notification_period   24x7
    host_notification_period      24x7
    service_notification_options  w,u,c,r
    host_notification_options     d,u,r
    service_notification_commands notify-nobody
    host_notification_commands    notify-nobody
}
define host {
    host_name             cortex-1
    address               127.0.0.1
    max_check_attempts    3
    check_period          24x7
    contacts              admin
    notification_interval 60
    notification_period   24x7
}
define service {
    name                  generic-service
    register              0
    check_period          24x7
    notification_period   24x7
    notification_interval 60
    notification_options  w,u,c,r
    contacts              admin
    max_check_attempts    3
    check_interval        10
    retry_interval        2
}
`

// nagiosVerify runs nagios4 -v on a main config that reads the objects
// above and the glue, and returns its output.
func nagiosVerify(t *testing.T, nagios, glue string) (string, error) {
	t.Helper()
	dir := sharedDir(t)
	writeFile(t, filepath.Join(dir, "objects.cfg"), nagiosObjects)
	writeFile(t, filepath.Join(dir, "cortex-check.cfg"), glue)
	// nagios4 checks that it can write check results, as the nagios user
	// when started as root, as the caller otherwise.
	results := filepath.Join(dir, "checkresults")
	if err := os.Mkdir(results, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(results, 0o777); err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "nagios.cfg")
	writeFile(t, main, fmt.Sprintf(`log_file=%[1]s/nagios.log
cfg_file=%[1]s/objects.cfg
cfg_file=%[1]s/cortex-check.cfg
check_result_path=%[1]s/checkresults
illegal_object_name_chars=`+"`"+`~!$%%^&*|'"<>?,()=
illegal_macro_output_chars=`+"`"+`~$&|'"<>
`, dir))
	out, err := exec.Command(nagios, "-v", main).CombinedOutput()
	return string(out), err
}

func TestNagiosAcceptsObjects(t *testing.T) {
	nagios := tool(t, "nagios4", "/usr/sbin/nagios4")
	glue := generate(t, Nagios, testCheck)
	out, err := nagiosVerify(t, nagios, glue)
	if err != nil {
		t.Fatalf("nagios4 -v: %v\n%s\n%s", err, out, glue)
	}
	for _, want := range []string{"Checked 1 services.", "Checked 2 commands.", "Total Warnings: 0", "Total Errors:   0", "Things look okay"} {
		if !strings.Contains(out, want) {
			t.Errorf("nagios4 -v does not say %q:\n%s", want, out)
		}
	}

	// The plans for other cadences too: four attempts, and the one
	// --interval 5m makes (with its warning).
	for _, interval := range []time.Duration{90 * time.Second, 5 * time.Minute} {
		c := testCheck
		c.Interval = interval
		if out, err := nagiosVerify(t, nagios, generate(t, Nagios, c)); err != nil || !strings.Contains(out, "Total Warnings: 0") {
			t.Errorf("nagios4 -v, interval %s: %v\n%s", interval, err, out)
		}
	}

	// The same run fails when the service names a command that is not
	// there: nagios4 did read the glue.
	broken := strings.Replace(glue, "check_command           check_cortex", "check_command           check_no_such", 1)
	if out, err := nagiosVerify(t, nagios, broken); err == nil {
		t.Errorf("nagios4 -v accepted a service with an undefined command:\n%s", out)
	}
}

// icingaValidate runs icinga2 daemon -C with main as icinga2.conf and the
// other files under a zones.d folder. Its state, cache and log go to a
// temporary folder, and it runs as the current user (as root it would
// switch to nagios, which cannot write there).
func icingaValidate(t *testing.T, icinga, main string, zones map[string]string, defines ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "icinga2.conf"), main)
	for name, content := range zones {
		path := filepath.Join(dir, "zones.d", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, content)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"daemon", "-C", "-c", filepath.Join(dir, "icinga2.conf"), "--define", "ZonesDir=" + filepath.Join(dir, "zones.d")}
	for _, c := range []string{"DataDir", "LogDir", "CacheDir", "SpoolDir", "InitRunDir"} {
		args = append(args, "--define", c+"="+dir)
	}
	for _, d := range defines {
		args = append(args, "--define", d)
	}
	cmd := exec.Command(icinga, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "ICINGA2_USER="+u.Username, "ICINGA2_GROUP="+g.Name)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// icingaHost is the monitored host, with a check of its own.
const icingaHost = `object CheckCommand "dummy" {
  command = [ "/bin/true" ]
}
object Host "cortex-1" {
  check_command = "dummy"
  address = "127.0.0.1"
}
`

func TestIcingaAcceptsObjects(t *testing.T) {
	icinga := tool(t, "icinga2", "/usr/sbin/icinga2")
	glue := generate(t, Icinga, testCheck)
	// Standalone, as in conf.d: the glue and a host in one config.
	standalone := func(glue string) (string, error) {
		return icingaValidate(t, icinga, icingaHost+glue, nil)
	}
	out, err := standalone(glue)
	if err != nil {
		t.Fatalf("icinga2 daemon -C: %v\n%s\n%s", err, out, glue)
	}
	for _, want := range []string{"Instantiated 1 Service.", "Instantiated 2 CheckCommands.", "Finished validating the configuration"} {
		if !strings.Contains(out, want) {
			t.Errorf("icinga2 daemon -C does not say %q:\n%s", want, out)
		}
	}
	// A warning would be an apply rule that matches no host, or worse.
	if strings.Contains(out, "warning/") || strings.Contains(out, "critical/") {
		t.Errorf("icinga2 daemon -C warns:\n%s", out)
	}

	// The plan --interval 5m makes, retries in seconds.
	c := testCheck
	c.Interval = 5 * time.Minute
	if out, err := standalone(generate(t, Icinga, c)); err != nil || strings.Contains(out, "warning/") {
		t.Errorf("icinga2 daemon -C, interval 5m: %v\n%s", err, out)
	}

	// The agent variant the comment describes: command_endpoint set, the
	// file in zones.d/global-templates on the master, the host in the
	// master's zone, the agent's Endpoint and Zone named after the host.
	agent := strings.Replace(glue, "// command_endpoint = host.name", "command_endpoint = host.name", 1)
	if agent == glue {
		t.Fatal("no commented-out command_endpoint in the glue")
	}
	zones := `object Endpoint "master" { }
object Zone "master" {
  endpoints = [ "master" ]
}
object Endpoint "cortex-1" { }
object Zone "cortex-1" {
  endpoints = [ "cortex-1" ]
  parent = "master"
}
object Zone "global-templates" {
  global = true
}
`
	out, err = icingaValidate(t, icinga, zones, map[string]string{
		"global-templates/cortex-check.conf": agent,
		"master/hosts.conf":                  icingaHost,
	}, "NodeName=master")
	if err != nil || !strings.Contains(out, "Instantiated 1 Service.") || strings.Contains(out, "warning/") {
		t.Errorf("icinga2 daemon -C on the agent variant: %v\n%s", err, out)
	}
	// In conf.d, out of any zone, Icinga refuses command_endpoint, as the
	// comment says.
	if out, err := icingaValidate(t, icinga, zones+icingaHost+agent, nil, "NodeName=master"); err == nil || !strings.Contains(out, "requires a zone") {
		t.Errorf("icinga2 daemon -C accepted command_endpoint out of a zone: %v\n%s", err, out)
	}

	// And it rejects what is wrong: it did read the glue.
	broken := strings.Replace(glue, `check_command = "cortex-check"`, `check_command = "no-such-command"`, 1)
	if out, err := standalone(broken); err == nil {
		t.Errorf("icinga2 daemon -C accepted a service with an undefined command:\n%s", out)
	}
}

func TestPrometheusRules(t *testing.T) {
	promtool := tool(t, "promtool", "/usr/bin/promtool")
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cortex-check.yml"), generate(t, Prometheus, testCheck))
	out, err := exec.Command(promtool, "check", "rules", filepath.Join(dir, "cortex-check.yml")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS: 6 rules found") {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}

	// promtool's unit tests feed synthetic series and say which alerts
	// fire, with their rendered annotations.
	tests, err := os.ReadFile(filepath.Join("testdata", "cortex-check.test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cortex-check.test.yml"), string(tests))
	out, err = exec.Command(promtool, "test", "rules", filepath.Join(dir, "cortex-check.test.yml")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// TestNRPERunsCommand starts the real NRPE daemon with the glue's line and
// asks it to run check_cortex, over NRPE's own protocol. The binary is a
// stand-in that prints its arguments and its user: the line is parsed,
// quoted and run by NRPE (as nagios, when the test runs as root) exactly as
// it would be in production.
func TestNRPERunsCommand(t *testing.T) {
	nrpe := tool(t, "nrpe", "/usr/sbin/nrpe")
	runAs, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if runAs, err = user.Lookup("nagios"); err != nil {
			t.Skip("running as root without a nagios user for NRPE to switch to")
		}
	}
	group, err := user.LookupGroupId(runAs.Gid)
	if err != nil {
		t.Fatal(err)
	}

	// Spaces and a quote in the paths test the quoting.
	dir := sharedDir(t)
	bin := filepath.Join(dir, "cortex tools", "cortex-check")
	config := filepath.Join(dir, "it's", "cortex.toml")
	for _, d := range []string{filepath.Dir(bin), filepath.Dir(config)} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nprintf '[%s]' \"$@\"\necho \" as $(id -un)\"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	c := testCheck
	c.Binary, c.Config = bin, config
	glue := generate(t, NRPE, c)

	port := freePort(t)
	cfg := filepath.Join(dir, "nrpe.cfg")
	writeFile(t, cfg, fmt.Sprintf(`pid_file=%s/nrpe.pid
server_address=127.0.0.1
server_port=%d
allowed_hosts=127.0.0.1
nrpe_user=%s
nrpe_group=%s
dont_blame_nrpe=0
command_timeout=10
disable_syslog=1
`, dir, port, runAs.Username, group.Name)+glue)
	var logs strings.Builder
	cmd := exec.Command(nrpe, "-c", cfg, "-n", "-f") // -n: no TLS, -f: in the foreground
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	code, text, err := nrpeQuery(addr, "check_cortex", exited)
	if err != nil {
		t.Fatalf("query NRPE: %v\nnrpe's output:\n%s", err, logs.String())
	}
	want := fmt.Sprintf("[-c][%s][--read-only] as %s", config, runAs.Username)
	if code != 1 || strings.TrimSpace(text) != want {
		t.Errorf("NRPE ran check_cortex: code %d, %q; want code 1, %q", code, text, want)
	}
	if code, text, err := nrpeQuery(addr, "check_no_such", exited); err != nil || code != 3 || !strings.Contains(text, "not defined") {
		t.Errorf("NRPE ran check_no_such: code %d, %q, %v; want 3 and not defined", code, text, err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// nrpeQuery sends one NRPE version 2 query packet, as check_nrpe -n does,
// and returns the result code and text. It retries the connection until
// the daemon listens, for up to 20 s, or until it exits.
func nrpeQuery(addr, command string, exited <-chan struct{}) (int, string, error) {
	var conn net.Conn
	var err error
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if conn, err = net.Dial("tcp", addr); err == nil {
			break
		}
		select {
		case <-exited:
			return 0, "", errors.New("nrpe exited")
		default:
		}
		if time.Now().After(deadline) {
			return 0, "", err
		}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))

	// int16 version, int16 type, uint32 CRC-32 of the whole packet with
	// this field zero, int16 result, 1024 bytes of text, 2 of padding; all
	// big-endian.
	const size = 2 + 2 + 4 + 2 + 1024 + 2
	packet := make([]byte, size)
	binary.BigEndian.PutUint16(packet[0:], 2) // version 2
	binary.BigEndian.PutUint16(packet[2:], 1) // query
	copy(packet[10:1033], command)
	binary.BigEndian.PutUint32(packet[4:], crc32.ChecksumIEEE(packet))
	if _, err := conn.Write(packet); err != nil {
		return 0, "", err
	}
	if _, err := io.ReadFull(conn, packet); err != nil {
		return 0, "", fmt.Errorf("read the response: %w", err)
	}
	crc := binary.BigEndian.Uint32(packet[4:])
	binary.BigEndian.PutUint32(packet[4:], 0)
	if crc != crc32.ChecksumIEEE(packet) || binary.BigEndian.Uint16(packet[2:]) != 2 {
		return 0, "", errors.New("not an NRPE response packet")
	}
	text, _, _ := strings.Cut(string(packet[10:1034]), "\x00")
	return int(int16(binary.BigEndian.Uint16(packet[8:]))), text, nil
}
