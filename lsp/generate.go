package lsp

//go:generate go run ./internal/cmd/lspgen -dir .
