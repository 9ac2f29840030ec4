package main

import (
	"fmt"
	"strings"

	"github.com/lspkit/lspkit/lsp/internal/metamodel"
)

// A message is a request or notification, with the Go types of its parts.
type message struct {
	method, kind                        string // kind is "request" or "notification"
	direction                           metamodel.MessageDirection
	params, result, partial, errorData  string
	registrationOptions, registrationOf string
	clientCapability, serverCapability  string
	doc                                 metamodel.Doc
}

// methods returns the method constants and the Methods table. Anonymous
// types of messages are named after the message's typeName without its
// "Request" or "Notification" suffix: HoverRequest's result type would be
// HoverResult.
func (g *generator) methods() string {
	var msgs []*message
	for _, r := range g.model.Requests {
		m := g.message(r.Method, "request", r.TypeName, r.MessageDirection, r.Params, r.RegistrationOptions)
		base := g.messageBase(r.Method, r.TypeName)
		m.result = g.messageType(r.Result, r.Method, "result", base+"Result")
		m.partial = g.messageType(r.PartialResult, r.Method, "partialResult", base+"PartialResult")
		m.errorData = g.messageType(r.ErrorData, r.Method, "errorData", base+"ErrorData")
		m.registrationOf, m.clientCapability, m.serverCapability, m.doc = r.RegistrationMethod, r.ClientCapability, r.ServerCapability, r.Doc
		msgs = append(msgs, m)
	}
	for _, n := range g.model.Notifications {
		m := g.message(n.Method, "notification", n.TypeName, n.MessageDirection, n.Params, n.RegistrationOptions)
		m.registrationOf, m.clientCapability, m.serverCapability, m.doc = n.RegistrationMethod, n.ClientCapability, n.ServerCapability, n.Doc
		msgs = append(msgs, m)
	}

	var b strings.Builder
	b.WriteString("// The methods of LSP requests and notifications.\nconst (\n")
	consts := map[string]bool{}
	for _, m := range msgs {
		doc := m.doc
		doc.Documentation = fmt.Sprintf("%s is the method of the %s %s.\n\n%s", methodConst(m.method), m.method, m.kind, doc.Documentation)
		fmt.Fprintf(&b, "%s%s = %q\n\n", g.comment(doc, ""), methodConst(m.method), m.method)
		consts[m.method] = true
	}
	// Registration methods that are not methods, e.g. "notebookDocument/sync".
	var regs []string
	regFor := map[string][]string{}
	for _, m := range msgs {
		if r := m.registrationOf; r != "" && !consts[r] {
			if regFor[r] == nil {
				regs = append(regs, r)
			}
			regFor[r] = append(regFor[r], m.method)
		}
	}
	for _, r := range regs {
		fmt.Fprintf(&b, "// %s is the method that registers %s dynamically.\n", methodConst(r), and(regFor[r]))
		fmt.Fprintf(&b, "%s = %q\n\n", methodConst(r), r)
	}
	b.WriteString(")\n\n")

	fmt.Fprintf(&b, "// Methods describes every request and notification of LSP %s, by method.\n", g.model.MetaData.Version)
	b.WriteString("var Methods = map[string]MethodInfo{\n")
	for _, m := range msgs {
		fmt.Fprintf(&b, "%s: {\nMethod: %[1]s,\n", methodConst(m.method))
		if m.kind == "notification" {
			b.WriteString("Notification: true,\n")
		}
		fmt.Fprintf(&b, "Direction: %s,\n", goName(string(m.direction)))
		for _, f := range []struct{ name, value string }{
			{"Params", m.params},
			{"Result", m.result},
			{"PartialResult", m.partial},
			{"ErrorData", m.errorData},
			{"RegistrationOptions", m.registrationOptions},
			{"RegistrationMethod", m.registrationOf},
			{"ClientCapability", m.clientCapability},
			{"ServerCapability", m.serverCapability},
		} {
			if f.value != "" {
				fmt.Fprintf(&b, "%s: %q,\n", f.name, f.value)
			}
		}
		if m.params != "" {
			fmt.Fprintf(&b, "NewParams: func() any { return new(%s) },\n", m.params)
		}
		if m.result != "" {
			fmt.Fprintf(&b, "NewResult: func() any { return new(%s) },\n", m.result)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// message returns the parts common to requests and notifications.
func (g *generator) message(method, kind, typeName string, dir metamodel.MessageDirection, params, regOpts *metamodel.Type) *message {
	base := g.messageBase(method, typeName)
	return &message{
		method:              method,
		kind:                kind,
		direction:           dir,
		params:              g.messageType(params, method, "params", base+"Params"),
		registrationOptions: g.messageType(regOpts, method, "registrationOptions", base+"RegistrationOptions"),
	}
}

// messageBase is the stem of the names of a message's anonymous types.
func (g *generator) messageBase(method, typeName string) string {
	if typeName == "" {
		return goName(method)
	}
	return strings.TrimSuffix(strings.TrimSuffix(typeName, "Request"), "Notification")
}

// messageType returns the Go type of part (e.g. "result") of a message,
// or "" if it has none or it is null.
func (g *generator) messageType(t *metamodel.Type, method, part, name string) string {
	if t == nil || t.IsNull() {
		return ""
	}
	return g.goType(t, site{method + "." + part, name, "the " + part + " of " + method})
}
