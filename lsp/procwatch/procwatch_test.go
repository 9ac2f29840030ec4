package procwatch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain also runs this binary as the helper of TestParentExits, when
// PROCWATCH_HELPER is set.
func TestMain(m *testing.M) {
	if os.Getenv("PROCWATCH_HELPER") == "watch-parent" {
		watchParent()
		return
	}
	goleak.VerifyTestMain(m)
}

// watchParent is the helper of TestParentExits: it writes its parent's id
// to fd 3, waits for that parent to exit, and says so on fd 3.
func watchParent() {
	out := os.NewFile(3, "report")
	ppid := os.Getppid()
	fmt.Fprintf(out, "watching %d\n", ppid)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	err := Wait(ctx, ppid)
	fmt.Fprintf(out, "wait returned %v after %v\n", err, time.Since(start))
	out.Close()
	os.Exit(0)
}

// waiter is how the tests wait: a real watch, or the kill(pid, 0)
// fallback asking every 10ms.
type waiter struct {
	name   string
	wait   func(ctx context.Context, pid int) error
	zombie bool // whether an exited, unreaped process counts as exited
}

func waiters() []waiter {
	return append([]waiter{{name: "Wait", wait: Wait, zombie: true}}, fallbacks()...)
}

// startChild starts a process that lives until it is killed: this test
// binary, asked to run a test that waits.
func startChild(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSleepHelper$")
	cmd.Env = append(os.Environ(), "PROCWATCH_SLEEP=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// TestSleepHelper is the process startChild starts; it does nothing in a
// normal run.
func TestSleepHelper(t *testing.T) {
	if os.Getenv("PROCWATCH_SLEEP") == "" {
		t.Skip("a helper process of the other tests")
	}
	time.Sleep(time.Minute)
}

// result runs wait in the background.
func result(w waiter, ctx context.Context, pid int) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- w.wait(ctx, pid) }()
	return ch
}

// promptly is how long a watch may take to notice an exit; it takes
// milliseconds, the rest is room for a loaded machine.
const promptly = 2 * time.Second

func TestWait(t *testing.T) {
	for _, w := range waiters() {
		t.Run(w.name, func(t *testing.T) {
			t.Run("lives, then is killed", func(t *testing.T) {
				child := startChild(t)
				got := result(w, context.Background(), child.Process.Pid)
				select {
				case err := <-got:
					t.Fatalf("returned %v while the process lives", err)
				case <-time.After(300 * time.Millisecond):
				}
				child.Process.Kill()
				if !w.zombie {
					child.Wait()
				}
				start := time.Now()
				select {
				case err := <-got:
					if err != nil {
						t.Fatalf("returned %v, want nil", err)
					}
					t.Logf("noticed the exit after %v", time.Since(start))
				case <-time.After(promptly):
					t.Fatalf("the exit not noticed in %v", promptly)
				}
			})
			t.Run("exited before", func(t *testing.T) {
				child := startChild(t)
				child.Process.Kill()
				child.Wait()
				select {
				case err := <-result(w, context.Background(), child.Process.Pid):
					if err != nil {
						t.Fatalf("returned %v, want nil", err)
					}
				case <-time.After(promptly):
					t.Fatal("an exited process taken for alive")
				}
			})
			t.Run("context ends", func(t *testing.T) {
				child := startChild(t)
				ctx, cancel := context.WithCancelCause(context.Background())
				got := result(w, ctx, child.Process.Pid)
				time.Sleep(100 * time.Millisecond)
				cancel(errors.New("stop"))
				select {
				case err := <-got:
					if !errors.Is(err, context.Canceled) {
						t.Fatalf("returned %v, want context.Canceled", err)
					}
				case <-time.After(promptly):
					t.Fatal("the end of the context not noticed")
				}
				if child.ProcessState != nil {
					t.Fatal("the process exited")
				}
			})
		})
	}
}

func TestWaitRefuses(t *testing.T) {
	for _, pid := range []int{0, -1} {
		if err := Wait(context.Background(), pid); err == nil || !strings.Contains(err.Error(), "not a process id") {
			t.Errorf("Wait(%d) = %v, want an error", pid, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Wait(ctx, os.Getpid()); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with an ended context = %v", err)
	}
}

// TestParentExits watches as a language server does: the process watched
// is the watcher's parent (a shell), which is killed.
func TestParentExits(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs sh")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh:", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	parent := exec.Command(sh, "-c", `"$0" -test.run=^$ & wait`, os.Args[0])
	parent.Env = append(os.Environ(), "PROCWATCH_HELPER=watch-parent")
	parent.ExtraFiles = []*os.File{w}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Wait()
	defer parent.Process.Kill()
	w.Close()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	line := func() string {
		select {
		case l := <-lines:
			return l
		case <-time.After(10 * time.Second):
			t.Fatal("the helper said nothing")
		}
		return ""
	}
	if l := line(); l != "watching "+strconv.Itoa(parent.Process.Pid) {
		t.Fatalf("helper: %q, want it to watch %d", l, parent.Process.Pid)
	}
	time.Sleep(200 * time.Millisecond) // the watch has started
	killed := time.Now()
	parent.Process.Kill()
	l := line()
	if !strings.HasPrefix(l, "wait returned <nil>") {
		t.Fatalf("helper: %q", l)
	}
	if d := time.Since(killed); d > promptly {
		t.Errorf("the helper noticed its parent's exit after %v", d)
	}
	t.Logf("helper: %s; seen here %v after the kill", l, time.Since(killed))
}
