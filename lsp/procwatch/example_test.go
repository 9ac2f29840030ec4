package procwatch_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/lspkit/lspkit/lsp/procwatch"
)

func ExampleWait() {
	// A process that exits at once: this test binary, running no test.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Start(); err != nil {
		fmt.Println(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := procwatch.Wait(ctx, cmd.Process.Pid)
	fmt.Println("exited:", err == nil)
	cmd.Wait()
	// Output: exited: true
}
