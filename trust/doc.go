// Package trust lets a pass running as root read, write and run files that
// unprivileged service accounts can get near (a daemon's log, pid, state or
// program folder) without those accounts gaining anything: no second uid
// can make root write, read, run or hang on something that uid could not
// already.
//
// Every path is walked from / one component at a time through open folder
// descriptors: each folder and each symbolic link on the way (and the
// folders a link leads through) is judged, and the final file is opened
// relative to the folder that was judged, without following a link, and
// judged again through its own descriptor. Nothing is checked by name and
// then used by name. A pidfile's folders are not judged (a pidfile in a
// daemon's own folder is normal), only the links on its path.
//
// The link rule, where the pass writes or reads a pidfile: a symbolic link
// is followed only when root (or the caller) owns it and the folder it is
// in, and no one else may write that folder. The uids trusted for folders
// are not trusted for links there: a daemon's account that owns a folder
// on the path must not lead root into folders it may not write or read.
//
// The folder rule: a folder is trusted when it is owned by root or by one of
// the uids the caller trusts, and not writable by group or others. A folder
// above the file that is root-owned and sticky (like /tmp) is fine, since no
// one can rename or remove what others own in it; but a folder the pass
// creates files in, searches a program in (PATH) or is asked to judge
// itself must not be writable by others at all, sticky or not.
//
// Every refusal is an *Error; it matches fs.ErrPermission. A file that does
// not exist matches fs.ErrNotExist.
package trust
