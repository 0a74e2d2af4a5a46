package trust

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// SafePATH is the PATH that #!/usr/bin/env NAME is resolved through, and
// the one start commands must run with for that check to hold (see
// Program): system folders only, no working folder.
const SafePATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Path applies the trusted-path rule to path: the file (or folder) and every
// folder from it up to / must be owned by root, uid or one of extra (say, a
// daemon's user for its own start program) and not be writable by group or
// others; a root-owned sticky folder above the file (such as /tmp) is fine.
// Symbolic links are resolved one component at a time: every link must be
// owned by a trusted user, and the folders its target leads through are
// judged too. A refusal is an *Error naming the offending path and the fix.
func Path(path string, uid int, extra ...int) error {
	return (&walker{uids: append([]int{uid}, extra...), purpose: forRun}).file(path)
}

// file walks to path and judges it as a file.
func (w *walker) file(path string) error {
	t, err := w.walk(path, false)
	if err != nil {
		return err
	}
	defer t.close()
	if e := w.judge(t.path, t.st, asFile); e != nil {
		return e
	}
	return nil
}

// FindProgram resolves a program a config names as the pass runs it: a
// path with a slash against dir (the config's folder), a bare name through
// SafePATH, in folders trusted for uid and extra (LookPath). key is the
// config key, for messages ("start", "exec"). Judge the result with
// Program.
func FindProgram(prog, dir, key string, uid int, extra ...int) (string, error) {
	if !strings.Contains(prog, "/") {
		path, err := LookPath(prog, uid, extra...)
		if err != nil {
			return "", fmt.Errorf("%s program %q: %w: give its path in %s", key, prog, err, key)
		}
		return path, nil
	}
	if !filepath.IsAbs(prog) {
		prog = filepath.Join(dir, prog)
	}
	fi, err := os.Stat(prog)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s program %s does not exist", key, prog)
	case err != nil:
		return "", fmt.Errorf("%s program: %w", key, err)
	case fi.IsDir() || fi.Mode().Perm()&0o111 == 0:
		return "", fmt.Errorf("%s program %s is not executable (chmod +x %s)", key, prog, prog)
	}
	return prog, nil
}

// PathAs applies Path to what a daemon's user reads when it runs as that
// user (not root): its own files, and those its own group may write, are
// trusted too, as running them as that user gives that group nothing it
// could not do as the daemon already. For root (or the pass's own user),
// it is Path.
func PathAs(path string, uid int, runAs Owner) error {
	if runAs.UID == 0 || runAs.UID == uid {
		return Path(path, uid)
	}
	return (&walker{uids: []int{uid, runAs.UID}, gids: []int{runAs.GID}, purpose: forRun}).file(path)
}

// maxInterpreters is how many #! interpreters may stand in a row; the
// kernel refuses a fifth (BINPRM_MAX_RECURSION).
const maxInterpreters = 4

// shebangMax is how much of a program the kernel reads for its #! line.
const shebangMax = 256

// Program applies Path to a program and to the chain of #! interpreters it
// starts: the first 256 bytes of each regular file are read (O_NONBLOCK,
// through the descriptor of the file that was judged), and a #! line's
// interpreter is judged the same way, up to 4 in a row. For #!/usr/bin/env
// NAME (also env -S "NAME args"), NAME is looked up through SafePATH: every
// PATH folder searched before it is found must be trusted too, since
// whoever can write one could put their own NAME first. That holds only if
// the program runs with PATH=SafePATH; the caller sees to that.
func Program(path string, uid int, extra ...int) error {
	w := &walker{uids: append([]int{uid}, extra...), purpose: forRun, pathList: SafePATH}
	return w.program(path, 0)
}

// LookPath finds a bare program name in SafePATH the way execvp does, and
// refuses when a PATH folder searched before it (or the one it is in) is
// not trusted for uid and extra. Judge the result with Program.
func LookPath(name string, uid int, extra ...int) (string, error) {
	w := &walker{uids: append([]int{uid}, extra...), purpose: forRun, pathList: SafePATH}
	return w.lookPath(name, w.pathList)
}

func (w *walker) program(path string, depth int) error {
	t, err := w.walk(path, false)
	if err != nil {
		return err
	}
	defer t.close()
	if e := w.judge(t.path, t.st, asFile); e != nil {
		return e
	}
	if !t.st.isRegular() {
		return withContext(w.context, fmt.Errorf("%s is %s, not a program", t.path, t.st.typeName()))
	}
	head, err := readHead(t, shebangMax)
	if err != nil {
		return withContext(w.context, err)
	}
	if !bytes.HasPrefix(head, []byte("#!")) {
		return nil
	}
	interp, arg, err := parseShebang(head)
	if err != nil {
		return withContext(w.context, fmt.Errorf("%s: %w", t.path, err))
	}
	if depth >= maxInterpreters {
		return withContext(w.context, fmt.Errorf("%s: more than %d #! interpreters in a row (the kernel refuses that)", t.path, maxInterpreters))
	}
	sub := *w
	sub.context = chain(fmt.Sprintf("#! interpreter %s of %s", interp, path), w.context)
	if err := sub.program(interp, depth+1); err != nil {
		return err
	}
	if filepath.Base(interp) != "env" {
		return nil
	}
	name, pathList, err := envCommand(arg, w.pathList)
	if err != nil {
		return withContext(w.context, fmt.Errorf("%s: #!%s %s: %w", path, interp, arg, err))
	}
	line := fmt.Sprintf("#!%s %s of %s", interp, arg, path)
	prog := name
	if !strings.Contains(name, "/") {
		sub.context = chain(line, w.context)
		if prog, err = sub.lookPath(name, pathList); err != nil {
			return err
		}
	} else if !filepath.IsAbs(name) {
		return withContext(w.context, fmt.Errorf("%s: #!%s runs %s, a relative path: what it names depends on the working folder; give the full path", path, interp, name))
	}
	sub.context = chain(fmt.Sprintf("program %s run by %s", prog, line), w.context)
	return sub.program(prog, depth+1)
}

// chain puts an inner context in front of an outer one.
func chain(inner, outer string) string {
	if outer == "" {
		return inner
	}
	return inner + ", " + outer
}

// withContext puts a walker's context in front of an error that is not an
// *Error (those carry their own).
func withContext(context string, err error) error {
	if context == "" {
		return err
	}
	return fmt.Errorf("%s: %w", context, err)
}

// readHead opens the walked-to file without following a link and without
// blocking, checks it is the file that was judged, and reads at most max
// bytes from its start. A file the caller may not read (a 0711 binary when
// not root) has no head to judge: the kernel could not run it as a script
// either.
func readHead(t *target, max int) ([]byte, error) {
	fd, err := unix.Openat(t.dir, t.name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err == unix.EACCES {
		return nil, nil
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: t.path, Err: changed(err)}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: t.path, Err: err}
	}
	if !infoOf(&st).sameFile(t.st) {
		return nil, &fs.PathError{Op: "open", Path: t.path, Err: errChanged}
	}
	buf := make([]byte, max)
	n := 0
	for n < max {
		m, err := unix.Pread(fd, buf[n:], int64(n))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: t.path, Err: err}
		}
		if m == 0 {
			break
		}
		n += m
	}
	return buf[:n], nil
}

// parseShebang reads a #! line the way Linux does (fs/binfmt_script.c): the
// interpreter is the first word after #!, and the rest of the line, trimmed,
// is passed to it as ONE argument. A line cut at 256 bytes is fine only if
// the interpreter's name ended before the cut.
func parseShebang(head []byte) (interp, arg string, err error) {
	line := head[2:]
	cut := false
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	} else if len(head) == shebangMax {
		cut = true
	}
	blank := func(r rune) bool { return r == ' ' || r == '\t' }
	s := strings.TrimLeftFunc(string(line), blank)
	i := strings.IndexAny(s, " \t")
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "", "", errors.New("its #! line holds a NUL byte")
	case strings.TrimRightFunc(s, blank) == "":
		return "", "", errors.New("its #! line names no interpreter")
	case cut && i < 0:
		return "", "", fmt.Errorf("its #! line is longer than %d bytes: the kernel cannot run it", shebangMax-1)
	}
	if i < 0 {
		interp = s
	} else {
		interp, arg = s[:i], strings.TrimFunc(s[i:], blank)
	}
	if !filepath.IsAbs(interp) {
		return "", "", fmt.Errorf("its #! interpreter %q is not a full path: what it names depends on the working folder", interp)
	}
	return interp, arg, nil
}

// envCommand finds the program GNU env runs for a #!/usr/bin/env line whose
// one argument is arg, and the PATH it is looked up in: pathList, or what
// the line sets (PATH=..., or -i: none, so glibc's default /bin:/usr/bin).
// Without -S the whole argument is the program's name, spaces and all, as
// env sees it. What cannot be read for certain (quotes, escapes, variables,
// unknown options) is refused rather than guessed.
func envCommand(arg, pathList string) (name, path string, err error) {
	e := &envArgs{args: []string{arg}}
	for more := true; more && e.i < len(e.args); {
		if more, err = e.option(); err != nil {
			return "", "", err
		}
	}
	path, set := e.assignments()
	switch {
	case set:
	case e.cleared:
		path = "/bin:/usr/bin" // execvp's default when PATH is unset
	default:
		path = pathList
	}
	if e.i >= len(e.args) || e.args[e.i] == "" {
		return "", "", errors.New("env is given no program to run")
	}
	return e.args[e.i], path, nil
}

// envArgs is GNU env's command line as envCommand reads it, word by word.
type envArgs struct {
	args    []string
	i       int  // the word being read
	cleared bool // -i: the program's environment starts empty
}

// option reads the option at the word being read and moves past it;
// more is false at the first word that is not an option.
func (e *envArgs) option() (more bool, err error) {
	a := e.args[e.i]
	switch {
	case a == "--":
		e.i++
		return false, nil
	case a == "-" || a == "-i" || a == "--ignore-environment":
		e.cleared = true
	case a == "-0" || a == "-v" || a == "--null" || a == "--debug":
	case a == "-u" || a == "-C":
		e.i++ // its value
	case strings.HasPrefix(a, "--unset=") || strings.HasPrefix(a, "--chdir="):
	case strings.HasPrefix(a, "--split-string="):
		return true, e.split(strings.TrimPrefix(a, "--split-string="))
	case strings.HasPrefix(a, "--"):
		return false, fmt.Errorf("env option %s cannot be checked", a)
	case strings.HasPrefix(a, "-") && len(a) > 1:
		return true, e.bundle(a[1:])
	default:
		return false, nil
	}
	e.i++
	return true, nil
}

// bundle reads bundled short options (-vS, -uHOME), as getopt does, and
// moves past them.
func (e *envArgs) bundle(flags string) error {
	for k := 0; k < len(flags); k++ {
		switch flags[k] {
		case 'i':
			e.cleared = true
		case '0', 'v':
		case 'u', 'C':
			if k == len(flags)-1 {
				e.i++ // the value is the next word
			}
			e.i++ // the rest of this word is the value
			return nil
		case 'S':
			return e.split(flags[k+1:])
		default:
			return fmt.Errorf("env option -%c cannot be checked", flags[k])
		}
	}
	e.i++
	return nil
}

// split puts the words of -S's string in place of the word being read,
// up to a word starting with #, which starts a comment.
func (e *envArgs) split(s string) error {
	if strings.ContainsAny(s, `'"\$`) {
		return errors.New("env -S with quotes, escapes or variables cannot be checked; name the interpreter by its full path instead")
	}
	words := strings.Fields(s)
	for j, w := range words {
		if strings.HasPrefix(w, "#") {
			words = words[:j]
			break
		}
	}
	e.args = append(e.args[:e.i:e.i], append(words, e.args[e.i+1:]...)...)
	return nil
}

// assignments reads the NAME=value words after the options, and returns
// the PATH they set, if they set one.
func (e *envArgs) assignments() (path string, set bool) {
	for ; e.i < len(e.args); e.i++ {
		name, value, ok := strings.Cut(e.args[e.i], "=")
		if !ok || name == "" {
			break
		}
		if name == "PATH" {
			path, set = value, true
		}
	}
	return path, set
}

// lookPath finds name in pathList as execvp does: the first regular file
// with an execute bit. Each folder searched up to and including that one is
// judged asFolder (or, if missing, the nearest folder above it), so no one
// else can put a program of theirs in front.
func (w *walker) lookPath(name, pathList string) (string, error) {
	if name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("look up %q: not a bare program name", name)
	}
	for dir := range strings.SplitSeq(pathList, ":") {
		if !filepath.IsAbs(dir) {
			return "", withContext(w.context, fmt.Errorf("PATH %s holds %q, which is not a full path: what it names depends on the working folder", pathList, dir))
		}
		if err := w.folderOrAncestor(dir); err != nil {
			return "", err
		}
		p := filepath.Join(dir, name)
		var st unix.Stat_t
		if unix.Stat(p, &st) == nil && infoOf(&st).isRegular() && st.Mode&0o111 != 0 {
			return p, nil
		}
	}
	return "", withContext(w.context, fmt.Errorf("%s is not found in PATH %s", name, pathList))
}
