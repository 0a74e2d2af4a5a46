package trust

import "golang.org/x/sys/unix"

// oSearch opens a folder only to walk through it and to name it in *at
// calls: O_PATH needs no read permission on the folder, only search.
const oSearch = unix.O_PATH
