package document

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/lspkit/lspkit/lsp/protocol"
)

func openParams(uri protocol.DocumentURI, version int32, text string) *protocol.DidOpenTextDocumentParams {
	return &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: uri, LanguageID: "go", Version: version, Text: text,
	}}
}

func changeParams(uri protocol.DocumentURI, version int32, changes ...change) *protocol.DidChangeTextDocumentParams {
	return &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{URI: uri, Version: version},
		ContentChanges: changes,
	}
}

func TestStore(t *testing.T) {
	var store Store
	const a, b, c = "file:///a.go", "file:///b.go", "file:///c.go"
	if _, ok := store.Get(a); ok || len(store.All()) != 0 {
		t.Fatal("empty store has documents")
	}

	// Open.
	for _, uri := range []protocol.DocumentURI{b, c, a} {
		snap, err := store.Open(openParams(uri, 1, "package x\n"))
		if err != nil {
			t.Fatal(err)
		}
		if snap.URI() != uri || snap.LanguageID() != "go" || snap.Version() != 1 || snap.Text() != "package x\n" {
			t.Fatalf("Open(%s) = %s %s v%d %q", uri, snap.URI(), snap.LanguageID(), snap.Version(), snap.Text())
		}
		if got, ok := store.Get(uri); !ok || got != snap {
			t.Fatalf("Get(%s) = %v, %v; want the opened snapshot", uri, got, ok)
		}
	}
	var uris []protocol.DocumentURI
	for _, s := range store.All() {
		uris = append(uris, s.URI())
	}
	if fmt.Sprint(uris) != fmt.Sprint([]protocol.DocumentURI{a, b, c}) {
		t.Errorf("All() URIs = %v, want sorted", uris)
	}

	// Versions increase.
	v1, _ := store.Get(a)
	v2, err := store.Change(changeParams(a, 2, partial(rng(0, 9, 0, 9), "_test")), UTF16)
	if err != nil {
		t.Fatal(err)
	}
	v5, err := store.Change(changeParams(a, 5, whole("package y\n")), UTF8)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		s       *Snapshot
		version int32
		text    string
	}{{v1, 1, "package x\n"}, {v2, 2, "package x_test\n"}, {v5, 5, "package y\n"}} {
		if tt.s.Version() != tt.version || tt.s.Text() != tt.text {
			t.Errorf("snapshot v%d %q, want v%d %q", tt.s.Version(), tt.s.Text(), tt.version, tt.text)
		}
	}
	if cur, _ := store.Get(a); cur != v5 {
		t.Errorf("current is v%d, want v5", cur.Version())
	}

	// A version that does not increase: accepted, and it replaces the
	// current one.
	for _, version := range []int32{5, 3} {
		got, err := store.Change(changeParams(a, version, partial(rng(0, 0, 0, 0), "//\n")), UTF16)
		if err != nil {
			t.Errorf("version %d after 5: %v", version, err)
		}
		if got == nil || got.Version() != version || got.Text() != "//\npackage y\n" {
			t.Fatalf("version %d after 5: snapshot %v", version, got)
		}
		if cur, _ := store.Get(a); cur != got {
			t.Errorf("version %d after 5: not current", version)
		}
		// Make v5 current again for the next round.
		store.Open(openParams(a, 5, v5.Text()))
	}

	// Open twice: replaced, and reported.
	again, err := store.Open(openParams(b, 7, "package again\n"))
	if !errors.Is(err, ErrAlreadyOpen) || again == nil {
		t.Errorf("second Open: %v, %v; want a snapshot and ErrAlreadyOpen", again, err)
	}
	if cur, _ := store.Get(b); cur != again || cur.Text() != "package again\n" {
		t.Errorf("second Open did not replace the document")
	}

	// Close.
	if err := store.Close(c); err != nil {
		t.Fatal(err)
	}
	if _, ok := store.Get(c); ok {
		t.Error("closed document still open")
	}
	if len(store.All()) != 2 {
		t.Errorf("All() has %d documents, want 2", len(store.All()))
	}
	if err := store.Close(c); !errors.Is(err, ErrNotOpen) {
		t.Errorf("second Close: %v, want ErrNotOpen", err)
	}
	if got, err := store.Change(changeParams(c, 2, whole("")), UTF16); got != nil || !errors.Is(err, ErrNotOpen) {
		t.Errorf("Change of a closed document: %v, %v; want nil, ErrNotOpen", got, err)
	}
	if got, err := store.Change(changeParams("file:///never.go", 2, whole("")), UTF16); got != nil || !errors.Is(err, ErrNotOpen) {
		t.Errorf("Change of an unknown document: %v, %v; want nil, ErrNotOpen", got, err)
	}
	if _, err := store.Open(nil); err == nil {
		t.Error("Open(nil) succeeded")
	}
	if _, err := store.Change(nil, UTF16); err == nil {
		t.Error("Change(nil) succeeded")
	}

	// Reopen after close.
	if _, err := store.Open(openParams(c, 1, "")); err != nil {
		t.Errorf("reopen: %v", err)
	}
}

// docText is the text of version v in TestStoreConcurrent: line i holds
// "line i 𝑥" and the lines end in turn with "\n", "\r\n" and "\r".
func docText(v int) string {
	var b strings.Builder
	for i := range v {
		fmt.Fprintf(&b, "line %d 𝑥%s", i, []string{"\n", "\r\n", "\r"}[i%3])
	}
	return b.String()
}

// TestStoreConcurrent has one goroutine change a document, version after
// version, and others open and close documents, while many read
// snapshots: every snapshot must be one consistent version. Run it with
// -race.
func TestStoreConcurrent(t *testing.T) {
	const uri = "file:///shared.txt"
	const versions = 300
	var store Store
	store.Open(openParams(uri, 0, docText(0)))

	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		for v := 1; v <= versions; v++ {
			// Append line v-1 (at the end of the text: the empty last
			// line), in two changes, the second on the first's result;
			// every few versions replace the whole text instead.
			var changes []change
			if v%50 == 0 {
				changes = []change{whole(docText(v))}
			} else {
				line := uint32(v - 1)
				changes = []change{
					partial(rng(line, 0, line, 0), fmt.Sprintf("line %d", v-1)),
					partial(rng(line, 99, line, 99), " 𝑥"+[]string{"\n", "\r\n", "\r"}[(v-1)%3]),
				}
			}
			if _, err := store.Change(changeParams(uri, int32(v), changes...), UTF16); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() { // other documents come and go
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			other := protocol.DocumentURI(fmt.Sprintf("file:///other%d.txt", i%5))
			store.Open(openParams(other, 1, "other"))
			store.All()
			store.Close(other)
		}
	})
	for range 8 {
		wg.Go(func() {
			for last := int32(0); ; {
				snap, ok := store.Get(uri)
				if !ok {
					t.Error("document not open")
					return
				}
				v := snap.Version()
				if v < last {
					t.Errorf("version went back from %d to %d", last, v)
					return
				}
				last = v
				if snap.Text() != docText(int(v)) || snap.Lines() != int(v)+1 {
					t.Errorf("version %d: %d lines, text %q", v, snap.Lines(), snap.Text())
					return
				}
				if v > 0 {
					// The 𝑥 of the last full line, in each encoding.
					line := uint32(v - 1)
					want := len(docText(int(v-1))) + len(fmt.Sprintf("line %d ", v-1))
					for _, enc := range encodings {
						p := snap.Position(want, enc)
						if p.Line != line || snap.Offset(p, enc) != want {
							t.Errorf("version %d, %v: Position(%d) = %v -> %d", v, enc, want, p, snap.Offset(p, enc))
							return
						}
					}
				}
				if v == versions {
					return
				}
				select {
				case <-done: // the writer failed
					return
				default:
				}
			}
		})
	}
	wg.Wait()
	if snap, _ := store.Get(uri); snap.Version() != versions || snap.Text() != docText(versions) {
		t.Errorf("final: version %d, text %q", snap.Version(), snap.Text())
	}
}

// TestStoreConcurrentChanges has several goroutines change one document at
// once; each change must be applied exactly once, whatever the order.
func TestStoreConcurrentChanges(t *testing.T) {
	const uri = "file:///counter.txt"
	var store Store
	store.Open(openParams(uri, 0, ""))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				// Insert one letter at the start; versions may go back,
				// which Change accepts.
				_, err := store.Change(changeParams(uri, int32(i), partial(rng(0, 0, 0, 0), string(rune('a'+g)))), UTF8)
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	snap, _ := store.Get(uri)
	if len(snap.Text()) != 8*50 {
		t.Fatalf("text has %d letters, want %d", len(snap.Text()), 8*50)
	}
	for g := range 8 {
		if n := strings.Count(snap.Text(), string(rune('a'+g))); n != 50 {
			t.Errorf("letter %c appears %d times, want 50", 'a'+g, n)
		}
	}
}
