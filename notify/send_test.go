package notify

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/cortex/cortex-check/check"
)

// An exec notifier starts in the throwaway group Throwaway makes for it,
// and the group is removed once it has run; one that cannot have its group
// does not run at all.
func TestExecInThrowawayGroup(t *testing.T) {
	var made []string
	removed := 0
	s := &Sender{EUID: os.Geteuid(), NotifyUser: "nobody", Getenv: func(string) string { return "" },
		Throwaway: func(name string, cmd *exec.Cmd) (func(), error) {
			made = append(made, name+" "+cmd.Path)
			return func() { removed++ }, nil
		}}
	n := &check.Notify{Exec: []string{"/bin/true"}, Timeout: 5 * time.Second}
	if err := s.Send(context.Background(), n, Message{Text: "x"}, time.Time{}); err != nil {
		t.Skipf("/bin/true does not run here as a notifier: %v", err)
	}
	if len(made) != 1 || made[0] != "notify /bin/true" || removed != 1 {
		t.Errorf("groups made %q, removed %d: want one for notify /bin/true, removed", made, removed)
	}

	s.Throwaway = func(string, *exec.Cmd) (func(), error) { return nil, errors.New("no group") }
	n.Exec = []string{"/bin/false"}
	if err := s.Send(context.Background(), n, Message{Text: "x"}, time.Time{}); err == nil || err.Error() != "no group" {
		t.Errorf("Send without its group: %v, want the group's error (and /bin/false never run)", err)
	}
}
