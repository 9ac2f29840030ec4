// Package check is a catalogue of black-box conformance and robustness
// checks for any server that speaks JSON-RPC 2.0 over stdin and stdout, in
// any language: the LSP base protocol's framing (or newline-delimited JSON),
// JSON-RPC's errors, ids, notifications and batches, robustness against bad
// input and a slow client, pipelining and cancellation, and, for a language
// server, the LSP lifecycle and capabilities. It is what `lspkit check` runs.
//
// Each check starts fresh server processes (one, unless it tests behaviour
// across several), is bounded in time, and cites the rule it checks with its
// level: a MUST that fails makes the run fail ([Report.Failed]); a SHOULD
// that fails is reported only. Checks run in parallel.
//
//	rep, err := check.Run(ctx, check.Config{Argv: []string{"yourserver", "--stdio"}, LSP: true})
//	rep.WriteText(os.Stdout, false)
//
// Every message a check sends is a request of the method lspkit/check/probe
// (which no server has, so a healthy one answers -32601), a message built to
// be wrong, or, with LSP, a well-formed LSP message; the server's own
// requests are answered (null, or empty settings for workspace/configuration).
//
// The rules are those of the JSON-RPC 2.0 specification (JSON-RPC Working
// Group) and of Microsoft's Language Server Protocol and its base protocol
// (CC BY 4.0); each check's Rule.Text quotes or paraphrases the sentence it
// checks, and Rule.Ref names the section.
package check
