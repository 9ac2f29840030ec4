package lsptest_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/lspkit/lspkit/lsp"
	"github.com/lspkit/lspkit/lsp/lsptest"
	"github.com/lspkit/lspkit/lsp/protocol"
)

// The four editors are there, each with its source, and its capabilities
// decode into package protocol's types.
func TestProfiles(t *testing.T) {
	want := map[string]string{"eglot": "Emacs (eglot)", "helix": "helix", "neovim": "Neovim", "vscode": "Visual Studio Code"}
	got := map[string]string{}
	for _, p := range lsptest.Profiles() {
		got[p.Name] = p.ClientInfo.Name
		if p.Source == "" || p.ClientInfo.Version == "" {
			t.Errorf("%s: source %q, version %q", p.Name, p.Source, p.ClientInfo.Version)
		}
		caps, err := p.ClientCapabilities()
		if err != nil {
			t.Errorf("%s: %v", p.Name, err)
			continue
		}
		if caps.TextDocument == nil || caps.Workspace == nil || caps.Window == nil {
			t.Errorf("%s: capabilities without textDocument, workspace or window: %+v", p.Name, caps)
		}
		// Package protocol keeps all an editor says, but for false
		// booleans, which it omits: they mean what absence means.
		data, err := json.Marshal(caps)
		if err != nil {
			t.Fatal(err)
		}
		var recorded, kept any
		json.Unmarshal(p.Capabilities, &recorded)
		json.Unmarshal(data, &kept)
		if a, b := withoutFalse(recorded), withoutFalse(kept); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: decoded and encoded again, the capabilities are\n%v\nrecorded\n%v", p.Name, b, a)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("profiles %v, want %v", got, want)
	}
	if p, ok := lsptest.ProfileNamed("neovim"); !ok || p.ClientInfo.Version != "0.10.0" {
		t.Errorf("ProfileNamed(neovim) = %+v, %v", p, ok)
	}
	if _, ok := lsptest.ProfileNamed("notepad"); ok {
		t.Error("ProfileNamed(notepad) found one")
	}
	// Fresh copies: changing one changes no other.
	a := lsptest.Profiles()
	a[0].Capabilities[0] = 'x'
	if b := lsptest.Profiles(); b[0].Capabilities[0] != '{' {
		t.Error("Profiles returned shared bytes")
	}
}

// The server receives what the editor sends: clientInfo, and the
// capabilities byte for byte, members package protocol does not model
// included (VS Code's general.markdown, for one); a workspace given to
// Initialize goes with them.
func TestWithProfile(t *testing.T) {
	for _, p := range lsptest.Profiles() {
		t.Run(p.Name, func(t *testing.T) {
			ctx := testContext(t)
			var wire bytes.Buffer
			srv := lsp.NewServer("s", "1", lsp.WithWireTrace(&wire))
			c := lsptest.New(t, srv, lsptest.WithProfile(p))
			root := protocol.DocumentURI("file:///ws")
			if _, err := c.Initialize(ctx, &protocol.InitializeParams{RootURI: &root}); err != nil {
				t.Fatal(err)
			}
			got := srv.InitializeParams()
			if got.ClientInfo == nil || *got.ClientInfo != p.ClientInfo {
				t.Errorf("clientInfo %+v, want %+v", got.ClientInfo, p.ClientInfo)
			}
			if got.RootURI == nil || *got.RootURI != root {
				t.Errorf("rootUri %v, want %s", got.RootURI, root)
			}
			want, _ := p.ClientCapabilities()
			if !reflect.DeepEqual(got.Capabilities, want) {
				t.Errorf("capabilities\n%+v\nwant\n%+v", got.Capabilities, want)
			}
			c.Shutdown(ctx) // the trace is complete
			var first struct {
				Msg struct {
					Method string `json:"method"`
					Params struct {
						Capabilities json.RawMessage `json:"capabilities"`
					} `json:"params"`
				} `json:"msg"`
			}
			line, _, _ := bytes.Cut(wire.Bytes(), []byte("\n"))
			if err := json.Unmarshal(line, &first); err != nil || first.Msg.Method != "initialize" {
				t.Fatalf("the trace's first message: %s (%v)", line, err)
			}
			var sent bytes.Buffer
			json.Compact(&sent, first.Msg.Params.Capabilities)
			if !bytes.Equal(sent.Bytes(), p.Capabilities) {
				t.Errorf("capabilities on the wire\n%s\nwant, as recorded,\n%s", sent.Bytes(), p.Capabilities)
			}
		})
	}
}

// Without a profile, Initialize(ctx, nil) declares DefaultCapabilities;
// with one, params that carry capabilities of their own win.
func TestProfileGivesWay(t *testing.T) {
	ctx := testContext(t)
	p, _ := lsptest.ProfileNamed("helix")
	mine := protocol.ClientCapabilities{Window: &protocol.WindowClientCapabilities{WorkDoneProgress: true}}
	srv := lsp.NewServer("s", "1")
	c := lsptest.New(t, srv, lsptest.WithProfile(p))
	if _, err := c.Initialize(ctx, &protocol.InitializeParams{Capabilities: mine}); err != nil {
		t.Fatal(err)
	}
	if got := srv.InitializeParams(); got.ClientInfo != nil || !reflect.DeepEqual(got.Capabilities, mine) {
		t.Errorf("the server got %+v, %+v; want no clientInfo and the params' capabilities", got.ClientInfo, got.Capabilities)
	}
}

// withoutFalse returns v, a decoded JSON value, without its members that
// are false.
func withoutFalse(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range v {
			if x != false {
				out[k] = withoutFalse(x)
			}
		}
		return out
	case []any:
		out := []any{}
		for _, x := range v {
			out = append(out, withoutFalse(x))
		}
		return out
	}
	return v
}
