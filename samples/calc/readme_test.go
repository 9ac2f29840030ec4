package calc_test

// The README's instructions, run as they are written there: the install
// command and the Neovim configurations (README.md, "The calc language
// server in your editor").

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmePath is the top-level README, from this package's directory.
const readmePath = "../../README.md"

// readmeBlock returns the first fenced code block of language lang that
// follows the line of README.md that starts with marker (after its
// indentation), with the block's indentation removed.
func readmeBlock(t *testing.T, marker, lang string) string {
	t.Helper()
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(strings.TrimSpace(l), marker) })
	if i < 0 {
		t.Fatalf("README.md has no line starting with %q", marker)
	}
	for ; i < len(lines) && strings.TrimSpace(lines[i]) != "```"+lang; i++ {
	}
	if i == len(lines) {
		t.Fatalf("README.md has no %s block after %q", lang, marker)
	}
	indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " "))]
	var block []string
	for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
		block = append(block, strings.TrimPrefix(lines[i], indent))
	}
	if i == len(lines) {
		t.Fatalf("README.md: the %s block after %q does not end", lang, marker)
	}
	return strings.Join(block, "\n") + "\n"
}

// TestReadmeInstall runs the install commands of README.md in a shell, in
// the module's root, with a GOPATH of its own (sharing the module cache):
// `go install ./cmd/lspkit`, PATH, and `lspkit serve calc --help`.
func TestReadmeInstall(t *testing.T) {
	t.Parallel()
	script := readmeBlock(t, "Install the command from the root of a checkout", "sh")
	if !strings.Contains(script, "go install ./cmd/lspkit") {
		t.Fatalf("the install block does not install ./cmd/lspkit:\n%s", script)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = "/usr/local/go/bin/go" // where Go is installed on this project's machines
	}
	modcache, err := exec.Command(goTool, "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	gopath := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-e", "-c", script)
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"GOPATH="+gopath, "GOMODCACHE="+strings.TrimSpace(string(modcache)), "GOBIN=", "GOFLAGS=-modcacherw",
		"PATH="+filepath.Dir(goTool)+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's install commands: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(gopath, "bin", "lspkit")); err != nil {
		t.Errorf("no lspkit in GOPATH/bin: %v", err)
	}
	if !strings.Contains(string(out), "lspkit serve calc") {
		t.Errorf("`lspkit serve calc --help` printed no help:\n%s", out)
	}
}

// TestReadmeNeovim starts headless Neovim with each init.lua of README.md
// on testdata/workspace/main.calc, with the lspkit command on PATH, and
// checks with testdata/nvim/readme.lua that the calc server is attached,
// answers hover and pushes diagnostics. Each snippet runs on the Neovim
// versions it is for; CI installs Debian bookworm's, 0.7.2.
func TestReadmeNeovim(t *testing.T) {
	t.Parallel()
	nvim, err := exec.LookPath("nvim")
	need(t, err, "apt-get install -y neovim")
	version, err := exec.Command(nvim, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`NVIM v(\d+)\.(\d+)\.(\d+)`).FindStringSubmatch(string(version))
	if m == nil {
		t.Fatalf("nvim --version: %q", version)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	at := func(ma, mi int) bool { return major > ma || major == ma && minor >= mi }
	for _, tt := range []struct {
		name, marker string
		runs         bool // on this Neovim
	}{
		{"0.8+", "- **Neovim** 0.8 or later", at(0, 8)},
		{"0.7", "- **Neovim 0.7**", major == 0 && minor == 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			init := readmeBlock(t, tt.marker, "lua")
			if !tt.runs {
				t.Skipf("the README's snippet for Neovim %s, and this is Neovim %s.%s.%s", tt.name, m[1], m[2], m[3])
			}
			bin := lspkitBinary(t)
			root := copyWorkspace(t)
			check, err := filepath.Abs(filepath.Join("testdata", "nvim", "readme.lua"))
			if err != nil {
				t.Fatal(err)
			}
			home := t.TempDir() // Neovim's state, cache (and LSP log) and config
			initFile := filepath.Join(home, "init.lua")
			if err := os.WriteFile(initFile, []byte(init), 0o644); err != nil {
				t.Fatal(err)
			}
			outFile := filepath.Join(home, "out.json")
			ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, nvim, "--headless", "-u", initFile, "-i", "NONE", "-n", "main.calc",
				"-c", "lua dofile(os.getenv('CALC_CHECK'))")
			cmd.Dir = root
			cmd.Env = append(os.Environ(),
				"CALC_CHECK="+check, "CALC_OUT="+outFile,
				"PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
				"HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"), "XDG_CACHE_HOME="+filepath.Join(home, "cache"),
				"XDG_STATE_HOME="+filepath.Join(home, "state"), "XDG_DATA_HOME="+filepath.Join(home, "data"),
			)
			output, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("nvim: %v\n%s", err, output)
			}
			data, err := os.ReadFile(outFile)
			if err != nil {
				t.Fatalf("nvim wrote no result: %v\n%s", err, output)
			}
			var got struct {
				Error       string   `json:"error"`
				NvimVersion string   `json:"nvim_version"`
				Filetype    string   `json:"filetype"`
				Client      string   `json:"client"`
				Cmd         []string `json:"cmd"`
				Hover       string   `json:"hover"`
				Diagnostics []string `json:"diagnostics"`
			}
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("%v: %s", err, data)
			}
			if got.Error != "" {
				t.Fatalf("Neovim %s with the README's init.lua: %s\n%s", got.NvimVersion, got.Error, output)
			}
			t.Logf("Neovim %s: hover %q, diagnostics %q", got.NvimVersion, got.Hover, got.Diagnostics)
			if got.Filetype != "calc" || got.Client != "calc" || !slices.Equal(got.Cmd, []string{"lspkit", "serve", "calc"}) {
				t.Errorf("filetype %q, client %q, cmd %q; want calc, calc, lspkit serve calc", got.Filetype, got.Client, got.Cmd)
			}
			if !strings.Contains(got.Hover, "unused") {
				t.Errorf("hover on `unused`: %q", got.Hover)
			}
			if !slices.ContainsFunc(got.Diagnostics, func(d string) bool { return strings.Contains(d, "zero") }) {
				t.Errorf("diagnostics %q, want the division by zero", got.Diagnostics)
			}
		})
	}
}
