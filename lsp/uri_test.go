package lsp

import (
	"errors"
	"strings"
	"testing"
)

// TestFileURI checks paths turned into URIs as vscode-uri's URI.file(path)
// .toString() writes them, on Windows and elsewhere.
func TestFileURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path    string
		windows bool
		uri     string
	}{
		{"/home/me/a.calc", false, "file:///home/me/a.calc"},
		{"/", false, "file:///"},
		{"/a b/ü.calc", false, "file:///a%20b/%C3%BC.calc"},
		{"/users/me/c#/project/foo.txt", false, "file:///users/me/c%23/project/foo.txt"},
		{"/a?b#c%d", false, "file:///a%3Fb%23c%25d"},
		{"/a:b;c=d,e+f&g$h@i!j'k(l)m*n[o]p", false, "file:///a%3Ab%3Bc%3Dd%2Ce%2Bf%26g%24h%40i%21j%27k%28l%29m%2An%5Bo%5Dp"},
		{"/keep-._~", false, "file:///keep-._~"},
		{`/a\b`, false, "file:///a%5Cb"},   // a backslash is a character of a name
		{"/C:/x", false, "file:///C%3A/x"}, // a drive letter only on Windows
		{"/\xff", false, "file:///%FF"},
		{"relative/a", false, "file:///relative/a"},
		{`C:\Users\me\a.calc`, true, "file:///c%3A/Users/me/a.calc"},
		{`c:\test with %\path`, true, "file:///c%3A/test%20with%20%25/path"},
		{`d:/forward/slashes`, true, "file:///d%3A/forward/slashes"},
		{`\\shares\files\p.cs`, true, "file://shares/files/p.cs"},
		{`\\Server\Share\A b`, true, "file://server/Share/A%20b"},
		{`\\server`, true, "file://server/"},
		{`\\srv.example.com\c$\x`, true, "file://srv.example.com/c%24/x"},
	}
	for _, tc := range tests {
		if got := fileURI(tc.path, tc.windows); got != tc.uri {
			t.Errorf("fileURI(%q, windows=%v) = %q, want %q", tc.path, tc.windows, got, tc.uri)
		}
	}
}

// TestFilePath checks URIs turned into paths as vscode-uri's fsPath reads
// them, whoever encoded them.
func TestFilePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uri     string
		windows bool
		path    string
		err     string // a part of the error, "" for none
	}{
		{"file:///home/me/a.calc", false, "/home/me/a.calc", ""},
		{"file:///a%20b/%C3%BC.calc", false, "/a b/ü.calc", ""},
		{"file:///a%20b/%c3%bc.calc", false, "/a b/ü.calc", ""},
		{"file:///a b/ü.calc", false, "/a b/ü.calc", ""}, // not encoded, as some clients send
		{"FILE:///x", false, "/x", ""},
		{"file:/x", false, "/x", ""},
		{"file:///a?query#fragment", false, "/a", ""},
		{"file:///a%3Fb%23c", false, "/a?b#c", ""},
		{"file:///a%zz%2", false, "/a%zz%2", ""}, // what does not decode stays
		{"file:///c%3A/x", false, "/c:/x", ""},
		{"file:///c%3A/x", true, `c:\x`, ""},
		{"file:///C:/Users/me", true, `c:\Users\me`, ""}, // Neovim's and Emacs's form
		{"file:///c:/x", true, `c:\x`, ""},
		{"file://shares/files/p.cs", true, `\\shares\files\p.cs`, ""},
		{"file://shares/files/p.cs", false, `//shares/files/p.cs`, ""},
		{"file://srv/c%24/x", true, `\\srv\c$\x`, ""},
		{"file://", false, "", "without a path"},
		{"untitled:Untitled-1", false, "", "not a file: URI"},
		{"https://example.com/a", false, "", "not a file: URI"},
		{"/just/a/path", false, "", "not a file: URI"},
	}
	for _, tc := range tests {
		got, err := filePath(tc.uri, tc.windows)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("filePath(%q): %q, %v; want an error saying %q", tc.uri, got, err, tc.err)
		case tc.err == "" && (err != nil || got != tc.path):
			t.Errorf("filePath(%q, windows=%v) = %q, %v; want %q", tc.uri, tc.windows, got, err, tc.path)
		}
	}
	if _, err := FilePath("untitled:x"); !errors.Is(err, ErrNotFileURI) {
		t.Errorf("FilePath of another scheme: %v, want ErrNotFileURI", err)
	}
}

// TestFileURIRoundTrip checks that paths come back from their URIs as they
// were (but for a Windows drive letter's case and a server name's).
func TestFileURIRoundTrip(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path    string
		windows bool
		back    string
	}{
		{"/a b/ü.calc", false, ""},
		{"/%41/%/%%", false, ""},
		{"/a\\b:c?d#e", false, ""},
		{"/\x00\xff\n", false, ""},
		{`C:\a b\%20`, true, `c:\a b\%20`},
		{`c:\`, true, ""},
		{`\\Server\share\x y`, true, `\\server\share\x y`},
	} {
		want := tc.back
		if want == "" {
			want = tc.path
		}
		uri := fileURI(tc.path, tc.windows)
		got, err := filePath(uri, tc.windows)
		if err != nil || got != want {
			t.Errorf("%q → %q → %q, %v; want %q", tc.path, uri, got, err, want)
		}
	}
}

// FuzzFileURI checks the round trip for any path, and that any string
// given as a URI is handled without a panic and stably.
func FuzzFileURI(f *testing.F) {
	for _, s := range []string{"a", "a b/ü", "%", "c#/?", "\xff", `a\b`, "C:", "x/../y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// Unix: any absolute path that does not start with "//".
		if !strings.HasPrefix(s, "/") {
			p := "/" + s
			if got, err := filePath(fileURI(p, false), false); err != nil || got != p {
				t.Errorf("unix: %q → %q → %q, %v", p, fileURI(p, false), got, err)
			}
		}
		// Windows: a path on a drive, names without "/".
		if !strings.Contains(s, "/") {
			p := `c:\` + s
			if got, err := filePath(fileURI(p, true), true); err != nil || got != p {
				t.Errorf("windows: %q → %q → %q, %v", p, fileURI(p, true), got, err)
			}
		}
		// Any string as a URI: a path that converts back to the same path.
		for _, uri := range []string{s, "file://" + s, "file:///" + s} {
			p, err := filePath(uri, false)
			if err != nil {
				continue
			}
			if server, share, ok := strings.Cut(strings.TrimPrefix(p, "//"), "/"); strings.HasPrefix(p, "//") && (!ok || server == "" || share == "") {
				continue // "//", or a server without a share: vscode-uri does not keep them either
			}
			same := again0(p)
			if again, err := filePath(fileURI(p, false), false); err != nil || !same(again) {
				t.Errorf("%q → %q → %q → %q, %v", uri, p, fileURI(p, false), again, err)
			}
		}
	})
}

// again0 returns a test of a path that came back from its URI: equal, but
// for the case of a UNC path's server name, which URIs write in lower case.
func again0(p string) func(string) bool {
	return func(q string) bool {
		if strings.HasPrefix(p, "//") {
			return asciiLower(p) == asciiLower(q) && p[strings.Index(p[2:], "/")+2:] == q[strings.Index(q[2:], "/")+2:]
		}
		return p == q
	}
}
