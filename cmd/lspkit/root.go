package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// version is the lspkit version; release builds set it with -ldflags.
var version = "0.1.0-dev"

// newRoot builds the command tree. Commands never print to stdout except
// what they are asked for (results, frames), and errors go to stderr.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "lspkit",
		Short: "Run lspkit's sample servers and debug any JSON-RPC stdio server",
		Long: `lspkit is the command line of the lspkit framework for JSON-RPC 2.0 over
stdio: it serves the sample servers (arith, a JSON-RPC plugin; calc, a
language server) and helps debug any stdio server, in any language: call
it, record what it says to an editor, replay a recording against it, check
it against the protocol's rules.`,
		Example: `  lspkit demo                                   # watch an editor talk to the calc server
  lspkit serve calc                             # the calc language server, for editors
  lspkit serve arith --framing line             # a JSON-RPC tool plugin
  lspkit call --method subtract --params '[42,23]' -- lspkit serve arith
  lspkit inspect --log /tmp/session.jsonl -- yourserver --stdio
  lspkit replay /tmp/session.jsonl -- yourserver --stdio
  lspkit check --lsp -- yourserver --stdio`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServe(), newDemo(), newCall(), newInspect(), newReplay(), newCheck(), newVersion())
	return root
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print lspkit's version",
		Example: "  lspkit version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "lspkit", version)
			return err
		},
	}
}

// exitCode is an error that asks main to exit with a given status and print
// nothing more (the command has said what went wrong).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func asExitCode(err error, ec *exitCode) bool { return errors.As(err, ec) }
