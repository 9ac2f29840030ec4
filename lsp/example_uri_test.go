package lsp_test

import (
	"fmt"
	"path/filepath"

	"github.com/lspkit/lspkit/lsp"
)

// File paths and file: URIs, converted both ways as VS Code does.
func ExampleFileURI() {
	fmt.Println(lsp.FileURI("/home/me/my notes/ü#1.calc"))
	path, err := lsp.FilePath("file:///home/me/my%20notes/%C3%BC%231.calc")
	fmt.Println(filepath.ToSlash(path), err)
	_, err = lsp.FilePath("untitled:Untitled-1")
	fmt.Println(err)
	// Output:
	// file:///home/me/my%20notes/%C3%BC%231.calc
	// /home/me/my notes/ü#1.calc <nil>
	// lsp: not a file: URI: "untitled:Untitled-1"
}
