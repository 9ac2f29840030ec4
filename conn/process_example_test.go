package conn_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
)

// Start a server as a child process, call it over its stdin and stdout,
// and end it: its stdin is closed, and it exits by itself. (The server is
// this test binary again, in the mode that serves "echo".)
func ExampleStartProcess() {
	exe, _ := os.Executable()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=serve", "GORACE=atexit_sleep_ms=0")
	p, err := conn.StartProcess(cmd, conn.WithStderr(os.Stderr))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Release() // on every path: nothing is left behind

	ctx := context.Background()
	c := p.Connect(ctx, nil, conn.WithFramer(framing.Line()))
	var echoed []string
	err = c.Call(ctx, "echo", []string{"hello"}, &echoed)
	fmt.Println(echoed, err)

	exit, err := p.Stop(ctx) // close stdin, wait; SIGTERM, wait; SIGKILL
	fmt.Println(exit, exit.Step, err)
	// Output:
	// [hello] <nil>
	// exit status 0 exited <nil>
}
