package check

// Real third-party language servers, from npm (testdata/npm, pinned by its
// package-lock.json; .ci/run installs it): the whole catalogue runs against
// each, and every verdict must be what README.md's table says. Those are
// facts about those servers; a change of the checker that flips one must
// be seen, and the table changed with it if the new verdict is the right one.

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// thirdParty is a server of testdata/npm and the document its checks open.
type thirdParty struct {
	column     string // its column's heading in README.md's table starts with this
	bin        string // under node_modules/.bin
	args       []string
	languageID string
	document   string // under testdata/docs
}

var thirdParties = []thirdParty{
	{"vscode-json-language-server", "vscode-json-language-server", []string{"--stdio"}, "json", "document.json"},
	{"bash-language-server", "bash-language-server", []string{"start"}, "shellscript", "document.sh"},
}

// readmeTable reads the table of third-party results from the repository's
// README.md: for each column heading, check id → the verdicts the cell
// allows (one, or several where it says "fail or pass": a server that does
// not behave the same from run to run).
func readmeTable(t *testing.T) map[string]map[string][]Verdict {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var heads []string
	table := map[string]map[string][]Verdict{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "| check | level |") && heads == nil {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			break // the end of the table
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if heads == nil {
			heads = cells
			continue
		}
		id := strings.Trim(cells[0], "`")
		if strings.HasPrefix(id, "---") {
			continue
		}
		for i := 2; i < len(cells) && i < len(heads); i++ {
			if table[heads[i]] == nil {
				table[heads[i]] = map[string][]Verdict{}
			}
			for _, v := range strings.Split(cells[i], " or ") {
				table[heads[i]][id] = append(table[heads[i]][id], Verdict(strings.Trim(strings.Fields(v + " x")[0], "*")))
			}
		}
	}
	if len(table) == 0 {
		t.Fatal("README.md has no table whose heading starts with | check | level |")
	}
	return table
}

func TestThirdPartyServers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole catalogue against two Node.js language servers")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the npm servers are started through their Unix shims")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node command: install Node.js (.ci/run does) to run the third-party servers")
	}
	bin := filepath.Join("testdata", "npm", "node_modules", ".bin")
	if _, err := os.Stat(bin); err != nil {
		t.Skip("testdata/npm/node_modules is not installed: run `npm ci --prefix cmd/lspkit/internal/check/testdata/npm` (.ci/run does)")
	}
	table := readmeTable(t)
	for _, tp := range thirdParties {
		t.Run(tp.column, func(t *testing.T) {
			t.Parallel()
			var want map[string][]Verdict
			for head, col := range table {
				if strings.HasPrefix(head, tp.column) {
					want = col
				}
			}
			if want == nil {
				t.Fatalf("README.md's table has no column for %s", tp.column)
			}
			doc, err := os.ReadFile(filepath.Join("testdata", "docs", tp.document))
			if err != nil {
				t.Fatal(err)
			}
			rep := run(t, Config{
				Argv: append([]string{filepath.Join(bin, tp.bin)}, tp.args...), LSP: true,
				LanguageID: tp.languageID, Document: string(doc),
			})
			for _, r := range rep.Results {
				if w, ok := want[r.ID]; !ok {
					t.Errorf("%s: %s, and README.md's table has no row for it", r.ID, r.Verdict)
				} else if !slices.Contains(w, r.Verdict) {
					t.Errorf("%s: %s, README.md says %v: %s", r.ID, r.Verdict, w, r.Detail)
				}
			}
			if len(rep.Results) != len(want) {
				t.Errorf("%d results, README.md's table has %d rows", len(rep.Results), len(want))
			}
			if t.Failed() {
				t.Logf("report:\n%s", explain(rep))
			}
		})
	}
}
