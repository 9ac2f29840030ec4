package lsp

import (
	"errors"
	"fmt"
	"slices"
)

// This file checks, when Serve starts, that what is registered can be
// announced: a handler whose capability needs options that registration
// cannot imply (a semantic tokens legend, the schemes of text document
// content) must have them from SetCapabilities. Registration and
// SetCapabilities may come in any order, so the check waits for Serve;
// registering a method twice, which no order explains, still panics at
// once, as http.ServeMux does.

// RegistrationError reports a handler registered without the options its
// capability needs. Serve returns the errors (joined) before it reads any
// message, and closes the stream: a server that would announce an empty
// legend or no schemes is a programming error, found by the first test.
type RegistrationError struct {
	Method string // the method registered
	Reason string // what is missing, and how to give it
}

// Error says which registration lacks what.
func (e *RegistrationError) Error() string {
	return fmt.Sprintf("lsp: %s registered, but %s", e.Method, e.Reason)
}

// checkRegistrations returns the registration errors, joined, or nil.
func (s *Server) checkRegistrations() error {
	s.mu.Lock()
	caps := s.caps
	var methods []string
	for m, h := range s.routes {
		if h != nil {
			methods = append(methods, m)
		}
	}
	s.mu.Unlock()
	slices.Sort(methods)
	capsMap, err := toMap(caps)
	if err != nil {
		return fmt.Errorf("lsp: capabilities: %w", err)
	}
	var errs []error
	legendChecked := false
	for _, m := range methods {
		switch m {
		case "textDocument/semanticTokens/full", "textDocument/semanticTokens/full/delta", "textDocument/semanticTokens/range":
			if legendChecked {
				continue
			}
			legendChecked = true
			if len(asStrings(lookup(capsMap, "semanticTokensProvider.legend.tokenTypes"))) == 0 {
				errs = append(errs, &RegistrationError{Method: m, Reason: "no semantic tokens legend names a token type: " +
					"give semanticTokensProvider's legend with SetCapabilities"})
			}
		case "workspace/textDocumentContent":
			if len(asStrings(lookup(capsMap, "workspace.textDocumentContent.schemes"))) == 0 {
				errs = append(errs, &RegistrationError{Method: m, Reason: "no URI scheme is given for it: " +
					"give workspace.textDocumentContent's schemes with SetCapabilities"})
			}
		}
	}
	return errors.Join(errs...)
}
