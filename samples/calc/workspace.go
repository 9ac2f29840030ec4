package calc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/document"
	"github.com/lspkit/lspkit/lsp/protocol"
	"github.com/lspkit/lspkit/samples/calc/lang"
)

// workspace is every calc file the server knows: the open documents (the
// store's snapshots, which win) and the .calc files of the workspace
// folders on disk. Analyses are memoized per generation: any change starts
// a new one, which keeps imports simple to get right.
type workspace struct {
	docs *document.Store

	mu    sync.Mutex
	roots []string
	disk  map[protocol.DocumentURI]string // indexed files' text
	gen   *generation
}

// generation memoizes analyses until the next change.
type generation struct {
	mu       sync.Mutex
	analyses map[protocol.DocumentURI]*fileAnalysis
	visiting map[protocol.DocumentURI]bool
}

// fileAnalysis is one file checked, with the snapshot whose text it checked
// (for position conversions).
type fileAnalysis struct {
	uri  protocol.DocumentURI
	snap *document.Snapshot
	*lang.Analysis
}

func newWorkspace(docs *document.Store) *workspace {
	return &workspace{docs: docs, disk: map[protocol.DocumentURI]string{}, gen: newGeneration()}
}

func newGeneration() *generation {
	return &generation{analyses: map[protocol.DocumentURI]*fileAnalysis{}, visiting: map[protocol.DocumentURI]bool{}}
}

func (w *workspace) setRoots(roots []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roots = roots
}

// changed starts a new generation: something changed.
func (w *workspace) changed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gen = newGeneration()
}

// analyze returns the analysis of uri, or an error if the file cannot be
// read.
func (w *workspace) analyze(uri protocol.DocumentURI) (*fileAnalysis, error) {
	w.mu.Lock()
	g := w.gen
	w.mu.Unlock()
	return w.analyzeIn(g, uri)
}

func (w *workspace) analyzeIn(g *generation, uri protocol.DocumentURI) (*fileAnalysis, error) {
	g.mu.Lock()
	if fa := g.analyses[uri]; fa != nil {
		g.mu.Unlock()
		return fa, nil
	}
	if g.visiting[uri] {
		g.mu.Unlock()
		return nil, errors.New("import cycle")
	}
	g.visiting[uri] = true
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.visiting, uri)
		g.mu.Unlock()
	}()

	snap, err := w.snapshot(uri)
	if err != nil {
		return nil, err
	}
	a := lang.Check(string(uri), lang.Parse(snap.Text()), resolver{w, g})
	fa := &fileAnalysis{uri: uri, snap: snap, Analysis: a}
	g.mu.Lock()
	g.analyses[uri] = fa
	g.mu.Unlock()
	return fa, nil
}

// snapshot returns the text of uri: the open document, the indexed file, or
// the file read from disk.
func (w *workspace) snapshot(uri protocol.DocumentURI) (*document.Snapshot, error) {
	if snap, ok := w.docs.Get(uri); ok {
		return snap, nil
	}
	w.mu.Lock()
	text, ok := w.disk[uri]
	w.mu.Unlock()
	if !ok {
		data, err := os.ReadFile(uriToPath(uri))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errors.New("file not found")
			}
			return nil, err
		}
		text = string(data)
	}
	return document.New(uri, LanguageID, 0, text), nil
}

// resolver lets lang follow imports through the workspace.
type resolver struct {
	w *workspace
	g *generation
}

// Resolve makes an import path absolute, relative to the importing file: a
// file: URI as the client encodes it, so that it names the same document.
func (r resolver) Resolve(from, p string) string {
	if dir, err := lsp.FilePath(protocol.DocumentURI(from)); err == nil {
		return string(lsp.FileURI(filepath.Join(filepath.Dir(dir), filepath.FromSlash(p))))
	}
	u, err := url.Parse(from)
	if err != nil {
		return from
	}
	u.Path = path.Join(path.Dir(u.Path), p)
	return u.String()
}

func (r resolver) Lookup(name string) (*lang.Analysis, error) {
	fa, err := r.w.analyzeIn(r.g, protocol.DocumentURI(name))
	if err != nil {
		return nil, err
	}
	return fa.Analysis, nil
}

// files returns every file the workspace knows, open or indexed, sorted.
func (w *workspace) files() []protocol.DocumentURI {
	seen := map[protocol.DocumentURI]bool{}
	for _, snap := range w.docs.All() {
		seen[snap.URI()] = true
	}
	w.mu.Lock()
	for uri := range w.disk {
		seen[uri] = true
	}
	w.mu.Unlock()
	out := make([]protocol.DocumentURI, 0, len(seen))
	for uri := range seen {
		out = append(out, uri)
	}
	slices.Sort(out)
	return out
}

// index reads every .calc file of the workspace folders, reporting
// progress as it goes.
func (w *workspace) index(ctx context.Context, srv *lsp.Server) {
	w.mu.Lock()
	roots := slices.Clone(w.roots)
	w.mu.Unlock()
	if len(roots) == 0 {
		return
	}
	p := srv.WorkDone(ctx, nil, "Indexing calc files")
	defer p.End("")
	var found []string
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(name string, d fs.DirEntry, err error) error {
			if err != nil || p.Context().Err() != nil {
				return filepath.SkipAll
			}
			if d.IsDir() && strings.HasPrefix(d.Name(), ".") && name != root {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(name, ".calc") {
				found = append(found, name)
			}
			return nil
		})
	}
	for i, name := range found {
		if p.Context().Err() != nil {
			break
		}
		if data, err := os.ReadFile(name); err == nil {
			w.mu.Lock()
			w.disk[lsp.FileURI(name)] = string(data)
			w.mu.Unlock()
		}
		p.Report(fmt.Sprintf("%d/%d %s", i+1, len(found), filepath.Base(name)), (i+1)*100/len(found))
	}
	w.changed()
}

// fileChanged updates the index for a file changed on disk.
func (w *workspace) fileChanged(uri protocol.DocumentURI, deleted bool) {
	w.mu.Lock()
	if deleted {
		delete(w.disk, uri)
	} else if data, err := os.ReadFile(uriToPath(uri)); err == nil {
		w.disk[uri] = string(data)
	}
	w.mu.Unlock()
	w.changed()
}

// didChangeWatchedFiles follows files created, changed and deleted on disk.
func (s *server) didChangeWatchedFiles(ctx context.Context, p *protocol.DidChangeWatchedFilesParams) error {
	for _, ev := range p.Changes {
		if strings.HasSuffix(string(ev.URI), ".calc") {
			s.ws.fileChanged(ev.URI, ev.Type == protocol.FileChangeTypeDeleted)
		}
	}
	s.publishAll(ctx)
	return nil
}

// uriToPath turns a file URI into a path; a URI of another scheme names no
// file, and stays as it is.
func uriToPath(uri protocol.DocumentURI) string {
	p, err := lsp.FilePath(uri)
	if err != nil {
		return string(uri)
	}
	return p
}
