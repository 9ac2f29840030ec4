package lsptest_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lspkit/lspkit/lsp/lsptest"
)

// The VS Code profile is what vscode-languageclient computes today: the
// capture script, run on the pinned library, gives the recorded profile.
func TestVSCodeProfileIsACapture(t *testing.T) {
	const dir = "testdata/vscode-capture"
	node, err := exec.LookPath("node")
	need(t, err, "apt-get install -y nodejs npm, then npm ci --prefix lsp/lsptest/"+dir)
	_, err = os.Stat(filepath.Join(dir, "node_modules", "vscode-languageclient", "package.json"))
	need(t, err, "npm ci --prefix lsp/lsptest/"+dir)

	cmd := exec.Command(node, "capture.js")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "VSCODE_VERSION=1.91.0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("capture.js: %v\n%s", err, stderr.Bytes())
	}
	var captured lsptest.Profile
	if err := json.Unmarshal(out, &captured); err != nil {
		t.Fatalf("capture.js wrote %s: %v", out, err)
	}
	var compact bytes.Buffer
	json.Compact(&compact, captured.Capabilities)
	p, _ := lsptest.ProfileNamed("vscode")
	if captured.ClientInfo != p.ClientInfo || !bytes.Equal(compact.Bytes(), p.Capabilities) {
		t.Errorf("a fresh capture differs from profiles/vscode.json: update it from\n%s", out)
	}
}

// need skips the test when a tool is missing (fails in CI, which installs
// it), with how to install it.
func need(t *testing.T, missing error, install string) {
	t.Helper()
	if missing == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%v: in CI this test must run; install it with: %s", missing, install)
	}
	t.Skipf("%v; install it with: %s", missing, install)
}
