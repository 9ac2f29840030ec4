package document

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// Errors that Store's methods wrap; test for them with errors.Is.
var (
	// ErrNotOpen reports a change or close of a document that is not open.
	ErrNotOpen = errors.New("document is not open")
	// ErrAlreadyOpen reports an open of a document that is open already.
	// Open replaces the document all the same (see Store.Open).
	ErrAlreadyOpen = errors.New("document is already open")
)

// Store holds the open text documents of a language server, each as its
// latest Snapshot, keyed by URI exactly as the client sent it. It follows
// textDocument/didOpen, didChange and didClose.
//
// A Store is safe for concurrent use. Readers never wait for a change
// being applied: Get returns the current snapshot, which stays valid and
// unchanged however many changes follow. The zero Store is empty and ready
// to use; a Store must not be copied after first use.
type Store struct {
	mu   sync.RWMutex
	docs map[protocol.DocumentURI]*Snapshot
}

// Open adds the document of a didOpen notification and returns its
// snapshot.
//
// The specification forbids opening a document twice without closing it
// in between. If the document is open already, Open replaces it all the
// same (the client owns the content, so its text is the truth) and returns
// the new snapshot together with an error wrapping ErrAlreadyOpen, which
// the caller may log. Any other error comes with a nil snapshot.
func (s *Store) Open(params *protocol.DidOpenTextDocumentParams) (*Snapshot, error) {
	if params == nil {
		return nil, errors.New("document: Open: nil params")
	}
	item := &params.TextDocument
	snap := New(item.URI, string(item.LanguageID), item.Version, item.Text)
	s.mu.Lock()
	if s.docs == nil {
		s.docs = make(map[protocol.DocumentURI]*Snapshot)
	}
	_, open := s.docs[item.URI]
	s.docs[item.URI] = snap
	s.mu.Unlock()
	if open {
		return snap, fmt.Errorf("document: %s: %w", item.URI, ErrAlreadyOpen)
	}
	return snap, nil
}

// Change applies the content changes of a didChange notification, whose
// character offsets count in enc, to the document's current snapshot (see
// Snapshot.Apply), makes the result current, numbered
// params.TextDocument.Version, and returns it.
//
// It fails, changing nothing and returning a nil snapshot, if the
// document is not open (wrapping ErrNotOpen) or a change is not valid (a
// *ChangeError). So an error always means the document is as it was.
//
// The specification says that versions increase with every change, but
// Change does not enforce it: a version that is not greater than the
// current one is accepted and replaces it, for the changes were computed
// on the client's text, which the store must keep mirroring. A caller
// that wants to log such a client can compare the version with that of
// the current snapshot (Get) before calling Change.
//
// Changes to one document should come one at a time, in the order the
// client sent them, as the notifications do; concurrent calls are safe,
// but their order is then undefined.
func (s *Store) Change(params *protocol.DidChangeTextDocumentParams, enc Encoding) (*Snapshot, error) {
	if params == nil {
		return nil, errors.New("document: Change: nil params")
	}
	uri, version := params.TextDocument.URI, params.TextDocument.Version
	for {
		cur, ok := s.Get(uri)
		if !ok {
			return nil, fmt.Errorf("document: %s: %w", uri, ErrNotOpen)
		}
		// Apply outside the lock, so that readers of every document go on
		// meanwhile, then install the result unless another change came
		// first, in which case apply to that one.
		next, err := cur.Apply(params.ContentChanges, version, enc)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if s.docs[uri] != cur {
			s.mu.Unlock()
			continue
		}
		s.docs[uri] = next
		s.mu.Unlock()
		return next, nil
	}
}

// Close removes the document of a didClose notification. It fails,
// wrapping ErrNotOpen, if the document is not open. Snapshots of the
// document that are held elsewhere stay valid.
func (s *Store) Close(uri protocol.DocumentURI) error {
	s.mu.Lock()
	_, ok := s.docs[uri]
	delete(s.docs, uri)
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("document: %s: %w", uri, ErrNotOpen)
	}
	return nil
}

// Get returns the current snapshot of the document, and whether it is
// open.
func (s *Store) Get(uri protocol.DocumentURI) (*Snapshot, bool) {
	s.mu.RLock()
	snap, ok := s.docs[uri]
	s.mu.RUnlock()
	return snap, ok
}

// All returns the current snapshots of all open documents, sorted by URI.
func (s *Store) All() []*Snapshot {
	s.mu.RLock()
	all := make([]*Snapshot, 0, len(s.docs))
	for _, snap := range s.docs {
		all = append(all, snap)
	}
	s.mu.RUnlock()
	slices.SortFunc(all, func(a, b *Snapshot) int { return strings.Compare(string(a.uri), string(b.uri)) })
	return all
}
