package trust

import (
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Error says why a file, folder or link is refused: who could change it,
// what they could do with that, and the command that fixes it. Render it
// whole with Error(), or pick fields: Path and Fix are what an operator acts
// on.
type Error struct {
	Context string      // what led here, e.g. "#! interpreter /opt/venv/bin/python of /usr/local/bin/start"; empty at the top
	Kind    string      // what Path is when that needs saying: "lock", "log", "pidfile", "symbolic link"; empty for a plain file or folder
	Path    string      // the file, folder or link at fault, symbolic links resolved up to it
	Owner   string      // its owner's user name, or "uid N" when the name is unknown; empty when not known at all
	UID     int         // its owner's uid; -1 when not known
	Mode    fs.FileMode // its type and permission bits (as os.Stat reports them)
	Problem string      // what is wrong, e.g. "is writable by group staff"
	Risk    string      // who could do what because of it
	Fix     string      // the command or step that fixes it

	ownerInProblem bool // Problem already names the owner: the parenthesis shows only the mode
}

// Error renders one line: "[context: ][kind ]path problem (owner o, mode
// 0775): risk; fix: fix".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Context != "" {
		b.WriteString(e.Context)
		b.WriteString(": ")
	}
	if e.Kind != "" {
		b.WriteString(e.Kind)
		b.WriteByte(' ')
	}
	b.WriteString(e.Path)
	b.WriteByte(' ')
	b.WriteString(e.Problem)
	if e.UID >= 0 {
		if e.ownerInProblem || e.Owner == "" {
			fmt.Fprintf(&b, " (mode %s)", Octal(e.Mode))
		} else {
			fmt.Fprintf(&b, " (owner %s, mode %s)", e.Owner, Octal(e.Mode))
		}
	}
	if e.Risk != "" {
		b.WriteString(": ")
		b.WriteString(e.Risk)
	}
	if e.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Is makes every refusal match fs.ErrPermission: not permitted, as opposed
// to missing (fs.ErrNotExist).
func (e *Error) Is(target error) bool { return target == fs.ErrPermission }

// Octal renders a mode the way chmod and ls -n think of it: four octal
// digits, with setuid, setgid and sticky in the first.
func Octal(m fs.FileMode) string {
	n := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		n |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		n |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	return fmt.Sprintf("%04o", n)
}

// info is what the rules need from a stat, the same on every platform.
type info struct {
	mode     uint32 // st_mode: type and permission bits
	uid, gid int
	nlink    uint64
	dev, ino uint64
	size     int64
}

func infoOf(st *unix.Stat_t) info {
	return info{
		mode:  uint32(st.Mode),
		uid:   int(st.Uid),
		gid:   int(st.Gid),
		nlink: uint64(st.Nlink),
		dev:   uint64(st.Dev),
		ino:   uint64(st.Ino),
		size:  st.Size,
	}
}

func (fi info) typ() uint32          { return fi.mode & unix.S_IFMT }
func (fi info) isDir() bool          { return fi.typ() == unix.S_IFDIR }
func (fi info) isRegular() bool      { return fi.typ() == unix.S_IFREG }
func (fi info) isLink() bool         { return fi.typ() == unix.S_IFLNK }
func (fi info) sticky() bool         { return fi.mode&unix.S_ISVTX != 0 }
func (fi info) sameFile(o info) bool { return fi.dev == o.dev && fi.ino == o.ino }

// fileMode converts st_mode to the fs.FileMode os.Stat would report.
func (fi info) fileMode() fs.FileMode {
	m := fs.FileMode(fi.mode & 0o777)
	if fi.mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if fi.mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if fi.mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	switch fi.typ() {
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFREG:
	default:
		m |= fs.ModeIrregular
	}
	return m
}

// typeName says what a non-regular file is, for messages.
func (fi info) typeName() string { return FileKind(fi.fileMode()) }

// FileKind says what a file of mode m is, for messages: "a folder", "a
// FIFO (named pipe)", "a regular file".
func FileKind(m fs.FileMode) string {
	switch m.Type() {
	case fs.ModeDir:
		return "a folder"
	case fs.ModeSymlink:
		return "a symbolic link"
	case fs.ModeNamedPipe:
		return "a FIFO (named pipe)"
	case fs.ModeSocket:
		return "a socket"
	case fs.ModeDevice | fs.ModeCharDevice:
		return "a character device"
	case fs.ModeDevice:
		return "a block device"
	case 0:
		return "a regular file"
	}
	return "not a regular file"
}

// refusal starts an *Error about a file whose stat is known.
func refusal(kind, path string, fi info) *Error {
	return &Error{Kind: kind, Path: path, Owner: UserName(fi.uid), UID: fi.uid, Mode: fi.fileMode()}
}

// userDesc names a uid for an ownership complaint: "alice (uid 1001)".
func userDesc(uid int) string {
	name := UserName(uid)
	if strings.HasPrefix(name, "uid ") {
		return name
	}
	return fmt.Sprintf("%s (uid %d)", name, uid)
}

// runAs names the user this process acts as, for "run their code as root".
func runAs() string { return UserName(os.Geteuid()) }
