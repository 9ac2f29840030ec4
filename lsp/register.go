package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// This file is dynamic registration (client/registerCapability): sent only
// for features whose client capability declares dynamicRegistration, and
// a helper for the registration every server that watches files makes.

// dynamicCapability returns the path of the client capability that holds
// dynamicRegistration for method ("textDocument.hover" for
// textDocument/hover, "textDocument.semanticTokens" for the registration
// method textDocument/semanticTokens), or "" if the protocol names none. The
// flag is always on a feature's own object, two levels down
// (workspace.fileOperations for workspace/willCreateFiles, whose
// capability is workspace.fileOperations.willCreate).
func dynamicCapability(method string) string {
	path := ""
	if info, ok := protocol.Methods[method]; ok {
		path = info.ClientCapability
	}
	for _, info := range protocol.Methods {
		if path == "" && info.RegistrationMethod == method {
			path = info.ClientCapability
		}
	}
	parts := strings.SplitN(path, ".", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// checkRegistrations fails with ErrUnsupported if a registration in params
// (client/registerCapability's) is for a feature whose client capability
// does not declare dynamicRegistration. Methods the protocol does not
// know, or ties to no capability, pass.
func (c *Client) checkRegistrations(params any) error {
	data, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("lsp: client/registerCapability params: %w", err)
	}
	var p struct {
		Registrations []struct {
			Method string `json:"method"`
		} `json:"registrations"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("lsp: client/registerCapability params: %w", err)
	}
	for _, r := range p.Registrations {
		path := dynamicCapability(r.Method)
		if path == "" {
			continue
		}
		if v, _ := lookup(c.caps(), path+".dynamicRegistration").(bool); !v {
			return fmt.Errorf("%w: registering %s needs the client capability %s.dynamicRegistration", ErrUnsupported, r.Method, path)
		}
	}
	return nil
}

// caps returns the client capabilities, as JSON.
func (c *Client) caps() map[string]any {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.s.session.clientCaps
}

// errNoWatchHandler reports WatchFiles without a handler for the changes.
var errNoWatchHandler = errors.New("lsp: no OnDidChangeWatchedFiles handler is registered to receive the changes")

// WatchFiles asks the client to watch the files that match watchers and to
// report their changes with workspace/didChangeWatchedFiles, which an
// OnDidChangeWatchedFiles handler receives: it registers that notification
// dynamically (client/registerCapability), the only way the protocol has.
// It returns the registration's id, for UnregisterCapability.
//
// It fails, sending nothing, with an error wrapping ErrUnsupported when the
// client does not declare workspace.didChangeWatchedFiles.dynamicRegistration,
// and with an error when no OnDidChangeWatchedFiles handler is registered.
// Call it from initialized or later: not before initialize is answered.
func (c *Client) WatchFiles(ctx context.Context, watchers ...protocol.FileSystemWatcher) (id string, err error) {
	c.s.mu.Lock()
	h := c.s.routes[protocol.MethodWorkspaceDidChangeWatchedFiles]
	c.s.mu.Unlock()
	if h == nil {
		return "", errNoWatchHandler
	}
	opts, err := json.Marshal(protocol.DidChangeWatchedFilesRegistrationOptions{Watchers: watchers})
	if err != nil {
		return "", fmt.Errorf("lsp: watchers: %w", err)
	}
	id = fmt.Sprintf("lspkit/watch/%d", c.watches.Add(1))
	err = c.RegisterCapability(ctx, &protocol.RegistrationParams{Registrations: []protocol.Registration{{
		ID: id, Method: protocol.MethodWorkspaceDidChangeWatchedFiles, RegisterOptions: opts,
	}}})
	if err != nil {
		return "", err
	}
	return id, nil
}
