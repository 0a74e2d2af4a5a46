package trust

import (
	"os/user"
	"strconv"
	"sync"
)

// nameCache keeps the user and group names looked up: os/user reads
// /etc/passwd or /etc/group again for each, and a pass or validate may
// name the owner of every process it matched.
var nameCache struct {
	sync.Mutex
	users, groups map[int]string
}

// UserName is uid's name from the user database, or "uid N" for a uid
// without one; "?" for a uid not known at all (-1).
func UserName(uid int) string {
	return cachedName(&nameCache.users, uid, "uid ", func(id string) (string, error) {
		u, err := user.LookupId(id)
		if err != nil {
			return "", err
		}
		return u.Username, nil
	})
}

// GroupName is gid's name from the group database, or "gid N".
func GroupName(gid int) string {
	return cachedName(&nameCache.groups, gid, "gid ", func(id string) (string, error) {
		g, err := user.LookupGroupId(id)
		if err != nil {
			return "", err
		}
		return g.Name, nil
	})
}

func cachedName(cache *map[int]string, id int, unknown string, lookup func(string) (string, error)) string {
	if id < 0 {
		return "?"
	}
	nameCache.Lock()
	defer nameCache.Unlock()
	if name, ok := (*cache)[id]; ok {
		return name
	}
	name, err := lookup(strconv.Itoa(id))
	if err != nil || name == "" {
		name = unknown + strconv.Itoa(id)
	}
	if *cache == nil {
		*cache = map[int]string{}
	}
	(*cache)[id] = name
	return name
}
