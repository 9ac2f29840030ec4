package document

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// index is where each line of a text starts, so that a position maps to a
// byte offset and back in O(log n) of the lines (plus the length of one line
// when it holds characters outside ASCII, whose widths differ between
// encodings). Lines end with "\n", "\r\n" or "\r", as LSP says.
type index struct {
	starts   []int  // byte offset of the start of each line; starts[0] == 0
	nonASCII []bool // whether each line holds a byte >= 0x80
}

// newIndex indexes text.
func newIndex(text string) *index {
	x := &index{starts: make([]int, 1, 1+len(text)/40), nonASCII: make([]bool, 1, 1+len(text)/40)}
	x.scan(text, 0, 0)
	return x
}

// scan appends the lines of text[from:] to the index, where from is the
// start of line number line (already in the index).
func (x *index) scan(text string, from, line int) {
	x.scanRange(text, from, len(text), line)
}

// lines returns how many lines the text has; an empty text, or one that
// ends with a line break, has an empty last line.
func (x *index) lines() int { return len(x.starts) }

// lineAt returns the line that byte offset off is on.
func (x *index) lineAt(off int) int {
	return sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > off }) - 1
}

// lineText returns line number n of text without its line break.
func (x *index) lineText(text string, n int) string {
	start, end := x.starts[n], len(text)
	if n+1 < len(x.starts) {
		end = x.starts[n+1]
	}
	for end > start && (text[end-1] == '\n' || text[end-1] == '\r') {
		end--
	}
	return text[start:end]
}

// offset returns the byte offset of (line, char) counted in e. A line past
// the end clamps to the end of the text; a char past the end of its line
// clamps to the end of the line, as the specification says.
func (x *index) offset(text string, line, char int, e Encoding) int {
	if line < 0 {
		return 0
	}
	if line >= len(x.starts) {
		return len(text)
	}
	lt := x.lineText(text, line)
	if char < 0 {
		char = 0
	}
	if !x.nonASCII[line] {
		return x.starts[line] + min(char, len(lt))
	}
	return x.starts[line] + e.byteOffset(lt, char)
}

// position returns the (line, char) of byte offset off, counted in e. An
// offset inside a line break maps to the end of its line.
func (x *index) position(text string, off int, e Encoding) (line, char int) {
	off = max(0, min(off, len(text)))
	line = x.lineAt(off)
	lt := x.lineText(text, line)
	b := min(off-x.starts[line], len(lt))
	if !x.nonASCII[line] {
		return line, b
	}
	for b > 0 && b < len(lt) && !utf8.RuneStart(lt[b]) {
		b--
	}
	return line, e.charOffset(lt, b)
}

// edit returns the index of the text made by replacing text[start:end] with
// insert; newText is that text. Lines before the edit are kept, lines after
// it shifted, and only the lines the edit touches are scanned again.
func (x *index) edit(newText string, start, end int, insert string) *index {
	first := x.lineAt(start)
	// A "\r" just before the edit may join a "\n" that the edit brings, so
	// rescan from the start of the line before it as well.
	if first > 0 && x.starts[first] == start {
		first--
	}
	last := x.lineAt(end) + 1 // first line wholly after the edit
	delta := len(insert) - (end - start)
	// The new text has at most one more line per line-break byte inserted
	// (deleting can only join "\r" and "\n"), so one allocation each holds
	// all the lines.
	n := len(x.starts) + strings.Count(insert, "\n") + strings.Count(insert, "\r")
	y := &index{starts: make([]int, first+1, n), nonASCII: make([]bool, first+1, n)}
	copy(y.starts, x.starts)
	copy(y.nonASCII, x.nonASCII)
	y.nonASCII[first] = false
	// Rescan from the start of line first to the start of the first line
	// after the edit (in the new text), then copy the rest, shifted.
	stop := len(newText)
	if last < len(x.starts) {
		stop = x.starts[last] + delta
	}
	i := y.scanRange(newText, y.starts[first], stop, first)
	if last < len(x.starts) && y.starts[len(y.starts)-1] == stop {
		// The rescan ended exactly where the old line "last" starts: the
		// lines from there on are unchanged but for their offsets.
		y.nonASCII[len(y.nonASCII)-1] = x.nonASCII[last]
		k := len(y.starts)
		y.starts = append(y.starts, x.starts[last+1:]...)
		y.nonASCII = append(y.nonASCII, x.nonASCII[last+1:]...)
		if delta != 0 {
			shifted := y.starts[k:]
			for j := range shifted {
				shifted[j] += delta
			}
		}
		return y
	}
	// Line breaks merged or split across the boundary: scan the rest.
	y.scanRange(newText, i, len(newText), len(y.starts)-1)
	return y
}

// scanRange is scan limited to text[from:to], continuing line number line.
// It returns where it stopped: to, or to+1 if a "\r" at to-1 took the "\n"
// at to with it.
//
// It finds line breaks with strings.IndexByte, which is vectorized, and
// remembers where the next "\n" and the next "\r" are, so that each byte
// is searched once for each even when the text uses only one of them.
func (x *index) scanRange(text string, from, to, line int) int {
	i, nextLF, nextCR := from, -1, -1
	for i < to {
		if nextLF < i {
			if nextLF = strings.IndexByte(text[i:to], '\n'); nextLF < 0 {
				nextLF = to
			} else {
				nextLF += i
			}
		}
		if nextCR < i {
			if nextCR = strings.IndexByte(text[i:to], '\r'); nextCR < 0 {
				nextCR = to
			} else {
				nextCR += i
			}
		}
		j := min(nextLF, nextCR) // the end of the line, or to
		if !x.nonASCII[line] && !isASCII(text[i:j]) {
			x.nonASCII[line] = true
		}
		if j == to {
			return to
		}
		i = j + 1
		if text[j] == '\r' && i < len(text) && text[i] == '\n' {
			i++
		}
		x.starts = append(x.starts, i)
		x.nonASCII = append(x.nonASCII, false)
		line++
	}
	return i
}

// isASCII reports whether s holds only bytes below 0x80.
func isASCII(s string) bool {
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
