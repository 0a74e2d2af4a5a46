package trust

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// purpose says what cortex-check does with what it walks to, for the risk
// an *Error names.
type purpose int

const (
	forRun    purpose = iota // a program or its interpreter
	forConfig                // the config: it holds the start commands
	forWrite                 // a folder cortex-check writes files in
	forRead                  // a file cortex-check reads for what it says (a pidfile)
	forStat                  // a file cortex-check only looks at: its existence and mtime (a heartbeat)
)

func (p purpose) risk() string {
	switch p {
	case forRun:
		return "could make cortex-check run their code as " + runAs()
	case forConfig:
		return "could change the commands cortex-check runs as " + runAs()
	case forRead:
		return "could have cortex-check read, as " + runAs() + ", a file they may not read"
	case forStat:
		return "could have cortex-check tell them, as " + runAs() + ", whether a file they may not see exists and when it changed"
	default:
		return "could swap the files cortex-check writes there as " + runAs() + " for files or links of their choosing"
	}
}

// role says how a stat is judged.
type role int

const (
	asFile   role = iota // the file itself (or a folder a path ends in): not writable by group or others
	asAbove              // a folder above the file: a root-owned sticky folder such as /tmp is fine
	asFolder             // a folder files are created or looked up in: not writable by others, sticky or not
	asLink               // a symbolic link: links have no permission bits, only the owner counts
)

// walker walks paths under one rule: who is trusted, for what, and what to
// do about a refusal.
type walker struct {
	uids []int // trusted owners besides root
	// gids are groups whose write access is trusted: a daemon's own group,
	// for what runs as the daemon's user (Debian's /etc/redis is
	// redis:redis 2770, and its postinst resets that mode on upgrade).
	gids     []int
	purpose  purpose // for the risk in messages
	context  string  // put in front of every *Error
	create   bool    // folder walks create missing folders (0755, owned by the caller)
	dryRun   bool    // with create: stop at the first missing folder instead, as if it were made (Writable)
	lenient  bool    // record the first refusal in bad and walk on, for warn-only callers
	bad      *Error  // the first refusal, when lenient
	pathList string  // the PATH #!/usr/bin/env searches; SafePATH unless a test says otherwise

	// rootLinks: a symbolic link is followed only when no one but root or
	// the caller can change it or put another in its place (see linkRule).
	// The uids trusted for folders are not trusted for links: the owner of
	// a daemon's folder must not be able to lead the walk into folders it
	// may not write or read itself.
	rootLinks bool
	linksOnly bool // folders are not judged, only links (by rootLinks): pidfiles
}

func (w *walker) trusts(uid int) bool { return uid == 0 || slices.Contains(w.uids, uid) }

// trustedNames: "root", or "root or app".
func (w *walker) trustedNames() string {
	names := []string{"root"}
	for _, uid := range w.uids {
		if n := UserName(uid); uid != 0 && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, " or ")
}

// flag returns e as an error, or, when lenient, keeps the first and returns
// nil so the walk goes on.
func (w *walker) flag(e *Error) error {
	if e == nil {
		return nil
	}
	if w.lenient {
		if w.bad == nil {
			w.bad = e
		}
		return nil
	}
	return e
}

// judge applies the folder rule to one stat; nil means trusted.
func (w *walker) judge(path string, fi info, r role) *Error {
	if w.linksOnly {
		return nil
	}
	ownerOK := w.trusts(fi.uid)
	wr := writers{group: r != asLink && fi.mode&0o020 != 0 && !slices.Contains(w.gids, int(fi.gid)),
		others: r != asLink && fi.mode&0o002 != 0}
	sharedRoot := fi.isDir() && fi.sticky() && fi.uid == 0
	if r == asAbove && sharedRoot {
		// Others can add to it but cannot rename or remove what is not
		// theirs: what we walk through in it stays what we judged.
		wr = writers{}
	}
	if ownerOK && !wr.group && !wr.others {
		return nil
	}
	e := refusal("", path, fi)
	e.Context = w.context
	if r == asLink {
		e.Kind = "symbolic link"
	}
	if !ownerOK {
		w.ownerRefusal(e, path, fi, r, wr)
	} else {
		w.writableRefusal(e, path, fi, wr, sharedRoot)
	}
	return e
}

// writers are who besides the owner may write a file or folder.
type writers struct{ group, others bool }

// chmod is the command that takes their write away, "" for none.
func (wr writers) chmod() string {
	switch {
	case wr.group && wr.others:
		return "chmod go-w "
	case wr.group:
		return "chmod g-w "
	case wr.others:
		return "chmod o-w "
	}
	return ""
}

// ownerRefusal fills in the refusal of what an untrusted user owns.
func (w *walker) ownerRefusal(e *Error, path string, fi info, r role, wr writers) {
	chown := "chown root "
	if r == asLink {
		chown = "chown -h root "
	}
	e.ownerInProblem = true
	e.Problem = fmt.Sprintf("is owned by %s, not by %s", userDesc(fi.uid), w.trustedNames())
	if r == asLink {
		e.Risk = "its owner " + UserName(fi.uid) + " could point it elsewhere and so " + w.purpose.risk()
	} else {
		e.Risk = "its owner " + UserName(fi.uid) + " " + w.purpose.risk()
	}
	e.Fix = chown + path
	if chmod := wr.chmod(); chmod != "" {
		e.Fix += " && " + chmod + path
	}
	if w.purpose == forWrite && fi.isDir() {
		e.Fix = "use a folder only " + w.trustedNames() + " can write, or " + e.Fix + lasting("root", fi, wr.group, wr.others, path)
	}
}

// writableRefusal fills in the refusal of what a trusted user owns but
// others may write.
func (w *walker) writableRefusal(e *Error, path string, fi info, wr writers, sharedRoot bool) {
	who := "any user"
	switch {
	case wr.group && wr.others:
		e.Problem = fmt.Sprintf("is writable by group %s and by others", GroupName(fi.gid))
	case wr.group:
		e.Problem = "is writable by group " + GroupName(fi.gid)
		who = "anyone in group " + GroupName(fi.gid)
	default:
		e.Problem = "is writable by others"
	}
	e.Risk = who + " " + w.purpose.risk()
	e.Fix = wr.chmod() + path
	if w.purpose == forWrite && fi.isDir() {
		e.Fix += lasting(UserName(fi.uid), fi, wr.group, wr.others, path)
	}
	if sharedRoot && wr.others {
		e.Problem += " (a shared folder)"
		if w.purpose == forWrite {
			e.Risk = who + " could put a file or link there before cortex-check creates its own"
		}
		e.Fix = "use a folder that only " + w.trustedNames() + " can write, not a shared one"
	}
}

// lasting says how to make a chown or chmod of a folder outlast the
// package that owns it: dpkg sets a packaged folder's owner and mode back
// on every upgrade, unless dpkg-statoverride records the new ones.
func lasting(owner string, fi info, gw, ow bool, path string) string {
	mode := fi.fileMode()
	if gw {
		mode &^= 0o020
	}
	if ow {
		mode &^= 0o002
	}
	return fmt.Sprintf(" (where a package owns it, only dpkg-statoverride --update --add %s %s %s %s makes that last)", owner, GroupName(fi.gid), Octal(mode), path)
}

// rootOrCaller reports whether uid is root or the caller: the only users
// whose links a rootLinks walk follows.
func rootOrCaller(uid int) bool { return uid == 0 || uid == os.Geteuid() }

// linkRule is rootLinks' rule for the symbolic link at path (lstat fi) in
// the folder dir (fstat of the folder the walk holds open), the path's
// last component when last: the link must
// be owned by root or the caller, and so must its folder, which must not
// be writable by group or others unless it is root's and sticky. Otherwise
// the link's owner could point it anywhere, and the folder's writers could
// swap it for another link of root's (a relative one moved up a level, or
// a hard link to one where protected_hardlinks is off), and so make
// cortex-check, as root, write or read where they may not.
func (w *walker) linkRule(path string, fi, dir info, last bool) *Error {
	callers := "root"
	if euid := os.Geteuid(); euid != 0 {
		callers += " or " + UserName(euid)
	}
	e := refusal("symbolic link", path, fi)
	e.Context = w.context
	who := ""
	switch {
	case !rootOrCaller(fi.uid):
		e.ownerInProblem = true
		e.Problem = fmt.Sprintf("is owned by %s, not by %s", userDesc(fi.uid), callers)
		who = "its owner " + UserName(fi.uid) + " could point it at any folder"
	case !rootOrCaller(dir.uid):
		e.Problem = fmt.Sprintf("is in a folder owned by %s, not by %s", userDesc(dir.uid), callers)
		who = UserName(dir.uid) + " could put another link in its place"
	case dir.mode&0o022 != 0 && !(dir.sticky() && dir.uid == 0):
		by := "others"
		if dir.mode&0o020 != 0 {
			by = "group " + GroupName(dir.gid)
			if dir.mode&0o002 != 0 {
				by += " and by others"
			}
		}
		e.Problem = "is in a folder writable by " + by
		who = "whoever can write that folder could put another link in its place"
	default:
		return nil
	}
	what, use := "create or write files where they may not", "use a path without this link"
	switch w.purpose {
	case forRead:
		what, use = "read a file they may not read", "set pidfile to a path without this link"
	case forStat:
		what, use = "tell them whether a file they may not see exists and when it changed", "set heartbeat to a path without this link"
	}
	e.Risk = who + " and so have cortex-check, running as " + runAs() + ", " + what
	e.Fix = use + ", or make " + path + " a real folder"
	if w.purpose == forStat && last {
		// The link is the heartbeat's own name: no folder to make.
		e.Fix = use + " (the file the daemon itself touches)"
	}
	return e
}

// target is where a walk ended: an open folder and a name in it, so that the
// caller opens exactly what was walked to (openat, O_NOFOLLOW), never the
// path again.
type target struct {
	dir  int    // open folder (O_PATH on Linux) holding the object; the caller closes it with close
	name string // the object's name in dir; "." when the path names dir itself
	path string // the object's real path: every symbolic link resolved
	st   info   // lstat of the object (never a symbolic link)
	// missing says that name, a folder, does not exist and a dryRun walk
	// stopped there: dir is the folder it would be made in.
	missing bool
}

func (t *target) close() { unix.Close(t.dir) }

const maxLinks = 40 // as the kernel's ELOOP limit

// walk resolves path from / one component at a time. Each folder on the way
// is opened without following links and judged through its own descriptor
// (asAbove); each symbolic link is judged (asLink), read, and its target
// spliced in front of the rest, so the folders it leads through are judged
// too. ".." goes to the real parent of the folder reached so far, as the
// kernel does.
//
// With folder set, path must name a folder; it is judged asFolder, and
// missing folders are created when w.create. Otherwise the last component
// may be anything; it is lstat'ed, not judged: the caller judges what it
// opens. Refusals are *Error; everything else is an *fs.PathError naming
// the component at fault.
func (w *walker) walk(path string, folder bool) (_ *target, err error) {
	if path == "" {
		return nil, &fs.PathError{Op: "open", Path: path, Err: unix.ENOENT}
	}
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		path = wd + "/" + path // not filepath.Join: it would fold ".." before links are read
	}
	c := &cursor{w: w, path: path, folder: folder, comps: split(path), cur: -1}
	defer func() {
		if err != nil && c.cur >= 0 {
			unix.Close(c.cur)
		}
	}()
	if err := c.toRoot(); err != nil {
		return nil, err
	}
	for len(c.comps) > 0 {
		if t, err := c.step(); t != nil || err != nil {
			return t, err
		}
	}
	return c.reached()
}

// cursor is a walk in progress: the folder reached so far, open, and the
// components still to walk.
type cursor struct {
	w       *walker
	path    string // as asked, for ELOOP
	folder  bool   // the path must name a folder
	comps   []string
	cur     int    // the folder reached, open; -1 before /
	curPath string // its real path
	curSt   info   // its fstat, for linkRule
	links   int    // links followed so far
}

// toRoot starts over at /, for the walk's start and an absolute link.
func (c *cursor) toRoot() error {
	if c.cur >= 0 {
		unix.Close(c.cur)
		c.cur = -1 // not closed again if / cannot be opened
	}
	fd, err := unix.Open("/", oSearch|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: "/", Err: err}
	}
	c.cur, c.curPath = fd, "/"
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &fs.PathError{Op: "stat", Path: "/", Err: err}
	}
	c.curSt = infoOf(&st)
	return c.w.flag(c.w.judge("/", c.curSt, asAbove))
}

// step walks one component: into a folder, through a link, or to the
// target at the end (returned, with the walk done).
func (c *cursor) step() (*target, error) {
	name := c.comps[0]
	c.comps = c.comps[1:]
	last := len(c.comps) == 0
	full := filepath.Join(c.curPath, name) // curPath is real: folding ".." is right here

	var lst unix.Stat_t
	err := unix.Fstatat(c.cur, name, &lst, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT && c.folder && c.w.create && c.w.dryRun {
		// What is missing from here on the writer would make, owned by
		// the caller and 0755: trusted. The walk so far is the writer's,
		// judged the same.
		return &target{dir: c.cur, name: name, path: full, missing: true}, nil
	}
	if err == unix.ENOENT && c.folder && c.w.create {
		if err = unix.Mkdirat(c.cur, name, 0o755); err == nil || err == unix.EEXIST {
			err = unix.Fstatat(c.cur, name, &lst, unix.AT_SYMLINK_NOFOLLOW)
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "lstat", Path: full, Err: err}
	}
	fi := infoOf(&lst)
	switch {
	case fi.isLink():
		return nil, c.follow(name, full, fi, last)
	case fi.isDir():
		if last && !c.folder {
			return &target{dir: c.cur, name: name, path: full, st: fi}, nil
		}
		return nil, c.enter(name, full)
	case last && !c.folder:
		return &target{dir: c.cur, name: name, path: full, st: fi}, nil
	default:
		return nil, &fs.PathError{Op: "open", Path: full, Err: unix.ENOTDIR}
	}
}

// follow judges a symbolic link, reads it and splices its target in
// front of the components left.
func (c *cursor) follow(name, full string, fi info, last bool) error {
	if err := c.w.flag(c.w.judge(full, fi, asLink)); err != nil {
		return err
	}
	if c.w.rootLinks {
		// Never flagged and walked on: following it is the harm.
		if e := c.w.linkRule(full, fi, c.curSt, last); e != nil {
			return e
		}
	}
	if c.links++; c.links > maxLinks {
		return &fs.PathError{Op: "open", Path: c.path, Err: unix.ELOOP}
	}
	dest, err := readlinkat(c.cur, name)
	if err != nil {
		return &fs.PathError{Op: "readlink", Path: full, Err: err}
	}
	if strings.HasPrefix(dest, "/") {
		if err := c.toRoot(); err != nil {
			return err
		}
	}
	c.comps = append(split(dest), c.comps...)
	return nil
}

// enter opens a folder without following a link, and judges it through
// its own descriptor.
func (c *cursor) enter(name, full string) error {
	fd, err := unix.Openat(c.cur, name, oSearch|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &fs.PathError{Op: "open", Path: full, Err: changed(err)}
	}
	unix.Close(c.cur)
	c.cur, c.curPath = fd, full
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &fs.PathError{Op: "stat", Path: full, Err: err}
	}
	c.curSt = infoOf(&st)
	return c.w.flag(c.w.judge(full, c.curSt, asAbove))
}

// reached is the target when the path named the folder reached last (or
// / itself).
func (c *cursor) reached() (*target, error) {
	var st unix.Stat_t
	if err := unix.Fstat(c.cur, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: c.curPath, Err: err}
	}
	fi := infoOf(&st)
	if c.folder {
		if err := c.w.flag(c.w.judge(c.curPath, fi, asFolder)); err != nil {
			return nil, err
		}
	}
	return &target{dir: c.cur, name: ".", path: c.curPath, st: fi}, nil
}

// folderOrAncestor judges dir asFolder, or, when it does not exist, the
// nearest folder above it that does: whoever could create dir could fill it.
func (w *walker) folderOrAncestor(dir string) error {
	for {
		t, err := w.walk(dir, true)
		if err == nil {
			t.close()
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) || dir == "/" {
			return err
		}
		dir = filepath.Dir(dir)
	}
}

// split cuts a path into its components, without empty ones and ".".
func split(path string) []string {
	var out []string
	for c := range strings.SplitSeq(path, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

func readlinkat(dir int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, buf)
		if err != nil {
			return "", changed(err)
		}
		if n < size {
			if n == 0 {
				return "", unix.ENOENT
			}
			return string(buf[:n]), nil
		}
	}
}

// errChanged says a name changed between its lstat and its use: someone
// trusted (only they can) is changing the tree right now.
var errChanged = errors.New("changed while being checked; try again")

// changed turns the errors an open with O_NOFOLLOW gives when a name was
// swapped between lstat and open into errChanged.
func changed(err error) error {
	if err == unix.ELOOP || err == unix.ENOTDIR || err == unix.EINVAL {
		return errChanged
	}
	return err
}
