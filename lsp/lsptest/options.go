package lsptest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// Option configures a Client before it starts: how it answers the server's
// requests and which editor it plays. Options take effect before the first
// message is exchanged, so a server that asks the client something while
// it handles initialize or initialized gets the configured answer — which
// Handle, called once the client runs, cannot promise.
type Option func(*options)

type options struct {
	handlers map[string]conn.Handler // by method, the last one set wins
	profile  *Profile
}

// WithHandler sets how the client answers the server's requests of method,
// replacing the default answer (see Handle). Use conn.Typed for typed
// params and results.
func WithHandler(method string, h conn.Handler) Option {
	return func(o *options) { o.handlers[method] = h }
}

// WithConfiguration answers workspace/configuration from settings, as an
// editor answers from its settings file: settings is encoded as JSON once,
// and each item's section, a dotted path ("calc.precision"), selects a
// member of it (the empty section selects all of it). A section that names
// nothing is answered null, as editors do. It panics if settings cannot be
// encoded as JSON, a programming error.
func WithConfiguration(settings any) Option {
	data, err := json.Marshal(settings)
	if err != nil {
		panic(fmt.Sprintf("lsptest: WithConfiguration: %v", err))
	}
	var tree any
	_ = json.Unmarshal(data, &tree) // data is JSON that Marshal just wrote
	return WithHandler("workspace/configuration", conn.Typed(func(_ context.Context, p *protocol.ConfigurationParams) ([]any, error) {
		out := make([]any, len(p.Items))
		for i, item := range p.Items {
			out[i] = lookup(tree, item.Section)
		}
		return out, nil
	}))
}

// lookup returns the member of tree that the dotted path section names, or
// nil.
func lookup(tree any, section string) any {
	if section == "" {
		return tree
	}
	for _, name := range strings.Split(section, ".") {
		obj, ok := tree.(map[string]any)
		if !ok {
			return nil
		}
		tree = obj[name]
	}
	return tree
}

// WithShowMessageRequest answers window/showMessageRequest with the action
// fn chooses (nil: the user dismissed the message).
func WithShowMessageRequest(fn func(ctx context.Context, p *protocol.ShowMessageRequestParams) (*protocol.MessageActionItem, error)) Option {
	return WithHandler("window/showMessageRequest", conn.Typed(fn))
}

// WithWorkDoneProgressCreate answers window/workDoneProgress/create with
// fn's error, or null (the token is accepted). By default every token is
// accepted.
func WithWorkDoneProgressCreate(fn func(ctx context.Context, p *protocol.WorkDoneProgressCreateParams) error) Option {
	return WithHandler("window/workDoneProgress/create", conn.Typed(func(ctx context.Context, p *protocol.WorkDoneProgressCreateParams) (any, error) {
		return nil, fn(ctx, p)
	}))
}

// WithRegisterCapability answers client/registerCapability with fn's
// error, or null (the registrations are accepted). By default every
// registration is accepted.
func WithRegisterCapability(fn func(ctx context.Context, p *protocol.RegistrationParams) error) Option {
	return WithHandler("client/registerCapability", conn.Typed(func(ctx context.Context, p *protocol.RegistrationParams) (any, error) {
		return nil, fn(ctx, p)
	}))
}

// WithApplyEdit answers workspace/applyEdit with the result fn returns.
// Without it, the client answers -32601, as an editor that cannot edit.
func WithApplyEdit(fn func(ctx context.Context, p *protocol.ApplyWorkspaceEditParams) (protocol.ApplyWorkspaceEditResult, error)) Option {
	return WithHandler("workspace/applyEdit", conn.Typed(fn))
}

// WithProfile makes the client play the editor p was recorded from:
// Initialize(ctx, nil) sends p's clientInfo and capabilities, exactly as
// recorded (see Profiles).
func WithProfile(p Profile) Option {
	return func(o *options) { o.profile = &p }
}
