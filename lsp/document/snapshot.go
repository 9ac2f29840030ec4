package document

import (
	"errors"
	"fmt"
	"math"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// Errors that Apply and OffsetRange wrap; test for them with errors.Is.
var (
	// ErrInvalidRange reports a range whose start comes after its end
	// once both are converted to offsets in the text.
	ErrInvalidRange = errors.New("invalid range: start is after end")
	// ErrInvalidChange reports a content change event that holds neither
	// a TextDocumentContentChangePartial nor a
	// TextDocumentContentChangeWholeDocument.
	ErrInvalidChange = errors.New("invalid content change: neither a range change nor a whole document")
)

// ChangeError reports a content change that Apply could not make. Apply
// then makes none of the changes of the call: the document stays as it was.
type ChangeError struct {
	URI   protocol.DocumentURI // the document
	Index int                  // the change's index in contentChanges
	Err   error                // why; wraps ErrInvalidRange or ErrInvalidChange
}

// Error returns e.g. "document: file:///a.go: content change 1: range
// 3:4-1:0: invalid range: start is after end", where the index, lines and
// characters count from zero.
func (e *ChangeError) Error() string {
	return fmt.Sprintf("document: %s: content change %d: %v", e.URI, e.Index, e.Err)
}

// Unwrap returns e.Err.
func (e *ChangeError) Unwrap() error { return e.Err }

// Snapshot is one version of a text document: its URI, language, version
// and text, with an index of its lines that converts LSP positions to byte
// offsets in the text and back.
//
// A Snapshot never changes: Apply returns a new one. So it is safe for
// concurrent use, and whoever holds one (a request handler, say) sees a
// consistent document however many changes arrive meanwhile.
//
// Make one with New, or get one from a Store; the zero Snapshot is not
// usable.
type Snapshot struct {
	uri        protocol.DocumentURI
	languageID string
	version    int32
	text       string
	idx        *index
}

// New returns a snapshot of text. Lines end with "\n", "\r\n" or "\r".
func New(uri protocol.DocumentURI, languageID string, version int32, text string) *Snapshot {
	return &Snapshot{uri: uri, languageID: languageID, version: version, text: text, idx: newIndex(text)}
}

// URI returns the document's URI, exactly as the client sent it.
func (s *Snapshot) URI() protocol.DocumentURI { return s.uri }

// LanguageID returns the document's language identifier, e.g. "go".
func (s *Snapshot) LanguageID() string { return s.languageID }

// Version returns the document's version, as the client numbered it.
func (s *Snapshot) Version() int32 { return s.version }

// Text returns the document's text.
func (s *Snapshot) Text() string { return s.text }

// Lines returns how many lines the document has. An empty document, or
// one that ends with a line break, has an empty last line, so Lines is
// always at least 1.
func (s *Snapshot) Lines() int { return s.idx.lines() }

// LineText returns line n (zero-based) without its line break, or "" if
// there is no line n.
func (s *Snapshot) LineText(n int) string {
	if n < 0 || n >= s.idx.lines() {
		return ""
	}
	return s.idx.lineText(s.text, n)
}

// Offset returns the byte offset in Text of pos, whose character offset
// counts in enc. As the specification says, a character past the end of
// its line means the end of the line (before its line break), and a line
// past the last means the end of the text. A character offset that falls
// inside a character (within a UTF-16 surrogate pair, or within the bytes
// of a UTF-8 sequence) means the start of that character.
func (s *Snapshot) Offset(pos protocol.Position, enc Encoding) int {
	return s.idx.offset(s.text, toInt(pos.Line), toInt(pos.Character), enc)
}

// Position returns the position of byte offset off in Text, its character
// offset counted in enc. An offset before 0 or past the end of the text
// clamps to it; one inside a line break means the end of its line, and one
// inside the UTF-8 of a character means the start of the character.
func (s *Snapshot) Position(off int, enc Encoding) protocol.Position {
	line, char := s.idx.position(s.text, off, enc)
	return protocol.Position{Line: toUint32(line), Character: toUint32(char)}
}

// Range returns the range from byte offset start to byte offset end, as
// Position converts each.
func (s *Snapshot) Range(start, end int, enc Encoding) protocol.Range {
	return protocol.Range{Start: s.Position(start, enc), End: s.Position(end, enc)}
}

// OffsetRange returns the byte offsets of r's start and end, as Offset
// converts each. It fails, wrapping ErrInvalidRange, if the start comes
// after the end once converted; a range that is reversed only beyond the
// end of a line or of the text clamps to an empty range and is accepted.
func (s *Snapshot) OffsetRange(r protocol.Range, enc Encoding) (start, end int, err error) {
	start, end, err = offsetRange(s.text, s.idx, r, enc)
	if err != nil {
		return 0, 0, fmt.Errorf("document: %w", err)
	}
	return start, end, nil
}

func offsetRange(text string, x *index, r protocol.Range, enc Encoding) (start, end int, err error) {
	start = x.offset(text, toInt(r.Start.Line), toInt(r.Start.Character), enc)
	end = x.offset(text, toInt(r.End.Line), toInt(r.End.Character), enc)
	if start > end {
		return 0, 0, fmt.Errorf("range %s: %w", formatRange(r), ErrInvalidRange)
	}
	return start, end, nil
}

// formatRange formats r as "line:char-line:char", zero-based.
func formatRange(r protocol.Range) string {
	return fmt.Sprintf("%d:%d-%d:%d", r.Start.Line, r.Start.Character, r.End.Line, r.End.Character)
}

// Apply returns the snapshot that changes make of s, numbered version; s
// itself does not change. The changes are those of a didChange
// notification, with character offsets counted in enc: each applies to
// the text that the ones before it made, as the specification says. A
// TextDocumentContentChangeWholeDocument replaces the whole text; a
// TextDocumentContentChangePartial replaces its range (its deprecated
// RangeLength is ignored), which Offset converts, clamping as it says.
//
// If a change is not valid, a range whose start is after its end or an
// event that holds neither variant, Apply fails with a *ChangeError that
// says which change and why, and makes none of the changes.
//
// Apply does not check the version: Store.Change does.
func (s *Snapshot) Apply(changes []protocol.TextDocumentContentChangeEvent, version int32, enc Encoding) (*Snapshot, error) {
	text, idx := s.text, s.idx
	for i, c := range changes {
		switch v := c.Value.(type) {
		case protocol.TextDocumentContentChangeWholeDocument:
			text, idx = v.Text, newIndex(v.Text)
			continue
		case *protocol.TextDocumentContentChangeWholeDocument:
			if v != nil {
				text, idx = v.Text, newIndex(v.Text)
				continue
			}
		case protocol.TextDocumentContentChangePartial:
			var err error
			if text, idx, err = applyPartial(text, idx, v.Range, v.Text, enc); err != nil {
				return nil, &ChangeError{URI: s.uri, Index: i, Err: err}
			}
			continue
		case *protocol.TextDocumentContentChangePartial:
			if v != nil {
				var err error
				if text, idx, err = applyPartial(text, idx, v.Range, v.Text, enc); err != nil {
					return nil, &ChangeError{URI: s.uri, Index: i, Err: err}
				}
				continue
			}
		}
		return nil, &ChangeError{URI: s.uri, Index: i, Err: ErrInvalidChange}
	}
	return &Snapshot{uri: s.uri, languageID: s.languageID, version: version, text: text, idx: idx}, nil
}

// applyPartial replaces range r of text with insert and updates the index
// to match, rescanning only the lines the change touches.
func applyPartial(text string, x *index, r protocol.Range, insert string, enc Encoding) (string, *index, error) {
	start, end, err := offsetRange(text, x, r, enc)
	if err != nil {
		return text, x, err
	}
	if start == end && insert == "" {
		return text, x, nil
	}
	newText := text[:start] + insert + text[end:]
	return newText, x.edit(newText, start, end, insert), nil
}

// toInt converts a protocol number to an int, saturating where int has 32
// bits.
func toInt(u uint32) int {
	if uint64(u) > math.MaxInt {
		return math.MaxInt
	}
	return int(u)
}

// toUint32 converts a line or character number to a protocol number,
// saturating.
func toUint32(n int) uint32 {
	return uint32(min(uint64(n), math.MaxUint32))
}
