// Package document holds the text documents of a language server: the
// content that the client owns and mirrors to the server with
// textDocument/didOpen, didChange and didClose.
//
// # Snapshots
//
// A [Snapshot] is one version of a document: URI, language, version and
// text, with an index of where each line starts. It never changes;
// [Snapshot.Apply] makes the next one from the content changes of a
// didChange notification, full (the whole text) or incremental (a range
// and its new text), several in one notification applied in order, each
// to the text the previous made. An incremental change rescans only the
// lines it touches. A change that is not valid (a range whose start is
// after its end) fails with a [*ChangeError] and leaves the document as it
// was.
//
// # Positions
//
// LSP addresses text by zero-based line and character offset, where the
// character offset counts in the position encoding that client and server
// agreed on in initialize: UTF-16 code units (the default), UTF-8 bytes or
// Unicode code points (UTF-32). Go holds text as UTF-8, so
// [Snapshot.Offset] converts a position to a byte offset in the text and
// [Snapshot.Position] converts back, for any [Encoding]. A character
// outside the Basic Multilingual Plane, such as 𝑥, counts 2 in UTF-16, 4
// in UTF-8 and 1 in UTF-32; a character offset that falls inside it
// means its start. Lines end with "\n", "\r\n" or "\r". As the
// specification says, a character offset past the end of a line means the
// end of that line, and a line past the last means the end of the text.
//
// # The store
//
// A [Store] keeps the current snapshot of every open document and is safe
// for concurrent use: a request handler takes a snapshot with
// [Store.Get] and works on a consistent document while later changes
// arrive and make newer snapshots.
package document
