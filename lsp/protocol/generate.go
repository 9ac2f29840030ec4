package protocol

// The generated files (*_gen.go) come from the LSP meta model in
// testdata/lsp-metamodel; see lsp/internal/cmd/protocolgen.
//go:generate go run ../internal/cmd/protocolgen
