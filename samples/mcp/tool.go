package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/lspkit/lspkit/conn"
)

// Tool describes a tool, as tools/list shows it.
type Tool struct {
	Name        string // the name tools/call uses; unique in a server
	Title       string // a name for people, optional
	Description string // what it does, for the model

	// InputSchema, if set, replaces the schema generated from the
	// arguments' type: to add bounds, say. It must still describe that type.
	InputSchema *jsonschema.Schema
}

// tool is a registered tool: its description, its resolved input schema,
// and a function that decodes, runs and encodes.
type tool struct {
	desc    toolDesc
	input   *jsonschema.Resolved
	handler func(ctx context.Context, call *Call, args json.RawMessage) (*callResult, error)
}

// toolDesc is a tool as tools/list sends it.
type toolDesc struct {
	Name         string             `json:"name"`
	Title        string             `json:"title,omitempty"`
	Description  string             `json:"description,omitempty"`
	InputSchema  *jsonschema.Schema `json:"inputSchema"`
	OutputSchema *jsonschema.Schema `json:"outputSchema,omitempty"`
}

// AddTool adds a tool to s: fn takes arguments of type In and returns
// structured content of type Out. Both must be structs (JSON objects); their
// schemas are generated from their fields and json tags, a field's
// jsonschema tag being its description. A field without omitempty is
// required.
//
// A call's arguments are validated against the input schema before fn
// runs; arguments that do not fit are answered -32602. What fn returns is
// sent as structured content and, for clients that know only text, as its
// JSON in a text block. An error fn returns is a tool error (isError), its
// text the error's: use ToolError for several lines of text. A *conn.Error
// is a protocol error instead, sent as it is.
//
// AddTool panics if the tool has no name, its name is taken, or a schema
// cannot be generated: all are programming errors.
func AddTool[In, Out any](s *Server, t Tool, fn func(ctx context.Context, call *Call, in In) (Out, error)) {
	if t.Name == "" {
		panic("mcp: AddTool: a tool needs a name")
	}
	in := t.InputSchema
	var err error
	if in == nil {
		if in, err = jsonschema.For[In](nil); err != nil {
			panic(fmt.Sprintf("mcp: AddTool %s: input schema: %v", t.Name, err))
		}
	}
	out, err := jsonschema.For[Out](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: AddTool %s: output schema: %v", t.Name, err))
	}
	if in.Type != "object" || out.Type != "object" {
		panic(fmt.Sprintf("mcp: AddTool %s: arguments and result must be JSON objects (structs), not %q and %q", t.Name, in.Type, out.Type))
	}
	resolved, err := in.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: AddTool %s: input schema: %v", t.Name, err))
	}
	tl := &tool{
		desc:  toolDesc{Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: in, OutputSchema: out},
		input: resolved,
		handler: func(ctx context.Context, call *Call, args json.RawMessage) (*callResult, error) {
			var v In
			if err := json.Unmarshal(args, &v); err != nil {
				// The schema let it through, so the type and the schema
				// disagree (a number too large for an int, say).
				return nil, invalidArgs(t.Name, err)
			}
			res, err := fn(ctx, call, v)
			if err != nil {
				return toolFailure(err)
			}
			return structured(res)
		},
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.tools {
		if old.desc.Name == t.Name {
			panic(fmt.Sprintf("mcp: AddTool: tool %q added twice", t.Name))
		}
	}
	s.tools = append(s.tools, tl)
}

// toolList returns the tools, in the order they were added.
func (s *Server) toolList() []*tool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tools
}

// lookup returns the tool named name, or nil.
func (s *Server) lookup(name string) *tool {
	for _, t := range s.toolList() {
		if t.desc.Name == name {
			return t
		}
	}
	return nil
}

// ToolError is an error a tool returns when the call failed in a way the
// model should read: its Lines become the text of the result, which has
// isError set.
type ToolError struct {
	Lines []string
}

// Error returns the lines, one a line.
func (e *ToolError) Error() string {
	var b bytes.Buffer
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return b.String()
}

// content is one block of a tool's result; this server sends text only.
type content struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// callResult is the result of tools/call.
type callResult struct {
	Content           []content       `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent,omitempty"`
	IsError           bool            `json:"isError,omitempty"`
}

// structured returns a result that carries v as structured content and as
// text.
func structured(v any) (*callResult, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the tool's result: %w", err)
	}
	return &callResult{Content: []content{{"text", string(data)}}, StructuredContent: data}, nil
}

// toolFailure turns a tool's error into a tool error, or a protocol error
// for a *conn.Error. A cancelled call's error goes back as it is: its reply
// is dropped anyway.
func toolFailure(err error) (*callResult, error) {
	var ce *conn.Error
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) {
		return nil, err
	}
	// No structured content: it would have to fit the output schema, which
	// describes success.
	return &callResult{Content: []content{{"text", err.Error()}}, IsError: true}, nil
}

// invalidArgs is the -32602 for arguments that do not fit a tool.
func invalidArgs(name string, err error) *conn.Error {
	return conn.Errorf(conn.CodeInvalidParams, "invalid arguments for tool %s: %v", name, err).
		WithData(map[string]string{"tool": name, "error": err.Error()})
}

// callParams are the params of tools/call.
type callParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments,omitempty"`
	Meta      struct {
		ProgressToken json.RawMessage `json:"progressToken,omitempty"`
	} `json:"_meta,omitzero"` // optional, as every field here but name
}

// listResult is the result of tools/list.
type listResult struct {
	Tools []toolDesc `json:"tools"`
}

// listTools lists every tool on one page: there are never many.
func (ss *session) listTools(ctx context.Context, _ json.RawMessage) (*listResult, error) {
	res := &listResult{Tools: []toolDesc{}}
	for _, t := range ss.srv.toolList() {
		res.Tools = append(res.Tools, t.desc)
	}
	return res, nil
}

// callTool validates the arguments and runs the tool.
func (ss *session) callTool(ctx context.Context, p callParams) (*callResult, error) {
	t := ss.srv.lookup(p.Name)
	if t == nil {
		return nil, conn.Errorf(conn.CodeInvalidParams, "unknown tool: %s", p.Name).
			WithData(map[string]string{"tool": p.Name})
	}
	args := p.Arguments
	if len(args) == 0 || string(args) == "null" {
		args = json.RawMessage("{}")
	}
	var inst any
	if err := json.Unmarshal(args, &inst); err != nil {
		return nil, invalidArgs(p.Name, err)
	}
	if err := t.input.Validate(inst); err != nil {
		return nil, invalidArgs(p.Name, err)
	}
	call := &Call{sess: ss, Tool: p.Name}
	if tok := p.Meta.ProgressToken; len(tok) > 0 && string(tok) != "null" {
		call.token = tok
	}
	return t.handler(ctx, call, args)
}

// Call is one call of a tool, for the tool to report progress and log to
// the client.
type Call struct {
	// Tool is the name of the tool called.
	Tool string

	sess  *session
	token json.RawMessage // the request's _meta.progressToken, or nil

	mu       sync.Mutex
	progress float64 // the last progress reported
	reported bool    // whether some progress has been reported
}

// Logger returns the server's logger: its own log, not the client's.
func (c *Call) Logger() *slog.Logger { return c.sess.srv.logger.With("tool", c.Tool) }

// WantsProgress reports whether the client asked for progress on this call.
func (c *Call) WantsProgress() bool { return c.token != nil }

// progressParams are the params of notifications/progress.
type progressParams struct {
	ProgressToken json.RawMessage `json:"progressToken"`
	Progress      float64         `json:"progress"`
	Total         float64         `json:"total,omitempty"`
	Message       string          `json:"message,omitempty"`
}

// Progress tells the client how far the call has got: progress out of total
// (0 if unknown), and a message for people. It does nothing if the client
// did not ask for progress, and sends nothing once ctx has ended (the call
// was cancelled or the session has ended): then it returns ctx's cause.
// Progress must increase from one report to the next, as MCP requires;
// a report that does not is refused with an error.
func (c *Call) Progress(ctx context.Context, progress, total float64, message string) error {
	if c.token == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock() // held while sending, so reports go out in order
	if c.reported && progress <= c.progress {
		return fmt.Errorf("mcp: progress %v after %v: it must increase", progress, c.progress)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	c.progress, c.reported = progress, true
	return conn.FromContext(ctx).Notify(ctx, "notifications/progress",
		progressParams{ProgressToken: c.token, Progress: progress, Total: total, Message: message})
}

// Log sends data to the client as a notifications/message at level, its
// logger the tool's name, if the client has asked for that level.
func (c *Call) Log(ctx context.Context, level Level, data any) error {
	return c.sess.log(ctx, level, c.Tool, data)
}
