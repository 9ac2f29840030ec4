package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDeadMethodElimination checks that the lspkit binary leaves out the
// exported methods nothing calls. The linker can only do so while no
// reflect.Value.Method or MethodByName is reachable: one call of either, and
// it keeps every exported method of every type the program uses. text/template
// calls them, and cobra executes a text/template only for a usage, help or
// version template someone sets (SetUsageTemplate and the like): its own
// defaults are plain Go. One such template makes the binary about a third
// larger (12.2 MB to 16.2 MB with Go 1.26 on linux/amd64) and `lspkit serve
// arith` about 1.2 MiB larger in memory as soon as it starts, as the
// kernel maps in most of the binary's pages.
func TestDeadMethodElimination(t *testing.T) {
	bin := lspkitBinary(t)
	out, err := exec.Command("go", "tool", "nm", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool nm: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			continue
		}
		switch sym := fields[len(fields)-1]; sym {
		case "reflect.Value.Method", "reflect.Value.MethodByName":
			t.Errorf("the lspkit binary links %s: the linker keeps every exported method (a usage, help or version template set on a cobra command does this)", sym)
		}
	}
}
