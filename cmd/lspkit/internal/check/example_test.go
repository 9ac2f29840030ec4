package check_test

import (
	"fmt"

	"github.com/lspkit/lspkit/cmd/lspkit/internal/check"
)

// Select tells which checks a configuration runs, and the rule of each.
func ExampleSelect() {
	checks, err := check.Select(check.Config{Only: []string{"jsonrpc.batch-*"}})
	if err != nil {
		panic(err)
	}
	for _, c := range checks {
		fmt.Printf("%-6s %-27s %s\n", c.Rule.Level, c.ID, c.Rule.Ref)
	}
	// Output:
	// MUST   jsonrpc.batch-empty         JSON-RPC 2.0 §6 Batch
	// MUST   jsonrpc.batch-notifications JSON-RPC 2.0 §6 Batch
	// MUST   jsonrpc.batch-mixed         JSON-RPC 2.0 §6 Batch
	// MUST   jsonrpc.batch-invalid       JSON-RPC 2.0 §6 Batch
}
