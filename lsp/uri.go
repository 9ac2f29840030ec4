package lsp

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file converts between file paths and file: URIs, the way VS Code's
// vscode-uri does (URI.file, toString and fsPath), since that is what
// clients send and expect: percent-encoding of everything but RFC 3986's
// unreserved characters and "/", Windows drive letters lower-cased
// (file:///c%3A/dir/a.txt), UNC paths as an authority
// (\\server\share\a.txt is file://server/share/a.txt). Drive letters are
// Windows's only: elsewhere /C:/x is a path like any other, kept as it is.

// ErrNotFileURI is wrapped by the error FilePath returns for a URI of
// another scheme than file.
var ErrNotFileURI = errors.New("lsp: not a file: URI")

// FileURI returns the file: URI of a file path, encoded as VS Code encodes
// it, so that it equals the URIs the client sends for the same file. On
// Windows, backslashes separate the path's elements, a drive letter is
// written in lower case, and \\server\share\... becomes
// file://server/share/...; elsewhere a backslash is a character of a name
// and is percent-encoded. The path should be absolute: a relative one is
// taken as starting at the root, as VS Code takes it.
func FileURI(path string) protocol.DocumentURI {
	return protocol.DocumentURI(fileURI(path, runtime.GOOS == "windows"))
}

// FilePath returns the file path that a file: URI names, decoding its
// percent-encoding: on Windows with backslashes, a drive letter in lower
// case (file:///C:/a and file:///c%3A/a are both c:\a), and an authority as
// a UNC path (file://server/share/a is \\server\share\a). The query and
// fragment, if any, are ignored. A URI of another scheme gets an error
// wrapping ErrNotFileURI.
func FilePath(uri protocol.DocumentURI) (string, error) {
	return filePath(string(uri), runtime.GOOS == "windows")
}

func fileURI(path string, windows bool) string {
	if windows {
		path = strings.ReplaceAll(path, `\`, "/")
	}
	authority := ""
	if strings.HasPrefix(path, "//") { // UNC: //server/share/...
		rest := path[2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			authority, path = rest[:i], rest[i:]
		} else {
			authority, path = rest, "/"
		}
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	// A drive letter in lower case: /C:/x is /c:/x. (vscode-uri does it on
	// every system; on others than Windows, /C:/x is a path like any.)
	if windows && len(path) >= 3 && path[2] == ':' && path[1] >= 'A' && path[1] <= 'Z' {
		path = "/" + string(path[1]+'a'-'A') + path[2:]
	}
	var b strings.Builder
	b.WriteString("file://")
	b.WriteString(escape(asciiLower(authority), false))
	b.WriteString(escape(path, true))
	return b.String()
}

// escape percent-encodes every byte of s but the unreserved characters of
// RFC 3986 (letters, digits, "-", ".", "_", "~") and, if slash, "/".
func escape(s string, slash bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || slash && c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func filePath(uri string, windows bool) (string, error) {
	scheme, rest, ok := strings.Cut(uri, ":")
	if !ok || !strings.EqualFold(scheme, "file") {
		return "", fmt.Errorf("%w: %q", ErrNotFileURI, uri)
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	authority := ""
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			i = len(rest)
		}
		authority, rest = unescape(rest[:i]), rest[i:]
	}
	path := unescape(rest)
	var p string
	switch {
	case authority != "" && len(path) > 1:
		p = "//" + authority + path // UNC
	case windows && len(path) >= 3 && path[0] == '/' && isLetter(path[1]) && path[2] == ':':
		p = strings.ToLower(path[1:2]) + path[2:] // a drive letter: /C:/x is c:/x
	default:
		p = path
	}
	if p == "" {
		return "", fmt.Errorf("lsp: file: URI without a path: %q", uri)
	}
	if windows {
		p = strings.ReplaceAll(p, "/", `\`)
	}
	return p, nil
}

// asciiLower lower-cases the ASCII letters of a server name (vscode-uri
// lower-cases the authority; names outside ASCII are left alone, as a name
// in punycode would be).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// unescape decodes %XX escapes; a "%" not followed by two hex digits stays
// as it is, as vscode-uri leaves what does not decode.
func unescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
