package lsptest

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/lspkit/lspkit/lsp/protocol"
)

// Profile is what a real editor sends in initialize about itself: its
// clientInfo and its client capabilities, recorded from the editor (see
// profiles/README.md for where each came from). A server's tests run
// against each with WithProfile, as pytest-lsp parametrizes its tests by
// client:
//
//	for _, p := range lsptest.Profiles() {
//		t.Run(p.Name, func(t *testing.T) {
//			c := lsptest.New(t, newServer(), lsptest.WithProfile(p))
//			c.Initialize(ctx, nil)
//			…
//		})
//	}
type Profile struct {
	// Name names the profile: "vscode", "neovim", "eglot", "helix".
	Name string `json:"-"`
	// Source says where the profile was recorded from, and which version
	// of the editor.
	Source string `json:"source"`
	// ClientInfo is the clientInfo the editor sends.
	ClientInfo protocol.ClientInfo `json:"clientInfo"`
	// Capabilities are the client capabilities the editor sends, as JSON
	// exactly as recorded: what a server receives, members this module's
	// types do not know included.
	Capabilities json.RawMessage `json:"capabilities"`
}

//go:embed profiles/*.json
var profileFiles embed.FS

// Profiles returns the recorded editor profiles, sorted by name: VS Code
// (vscode-languageclient), Neovim 0.10, Emacs's Eglot and Helix. Each call
// returns fresh copies.
func Profiles() []Profile {
	entries, err := profileFiles.ReadDir("profiles")
	if err != nil {
		panic(fmt.Sprintf("lsptest: the embedded profiles: %v", err)) // built in: cannot fail
	}
	var out []Profile
	for _, e := range entries {
		data, err := profileFiles.ReadFile(path.Join("profiles", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("lsptest: the embedded profiles: %v", err))
		}
		p, err := parseProfile(strings.TrimSuffix(e.Name(), ".json"), data)
		if err != nil {
			panic(err) // TestProfiles checks every file
		}
		out = append(out, p)
	}
	return out
}

// ProfileNamed returns the recorded profile called name, and whether there
// is one.
func ProfileNamed(name string) (Profile, bool) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

func parseProfile(name string, data []byte) (Profile, error) {
	var p Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return Profile{}, fmt.Errorf("lsptest: profile %s: %w", name, err)
	}
	if p.ClientInfo.Name == "" || p.Source == "" || len(p.Capabilities) == 0 {
		return Profile{}, fmt.Errorf("lsptest: profile %s: clientInfo, source and capabilities are required", name)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, p.Capabilities); err != nil {
		return Profile{}, fmt.Errorf("lsptest: profile %s: %w", name, err)
	}
	p.Name, p.Capabilities = name, compact.Bytes()
	return p, nil
}

// ClientCapabilities decodes the profile's capabilities into the
// protocol's types, for a test to inspect.
func (p Profile) ClientCapabilities() (protocol.ClientCapabilities, error) {
	var caps protocol.ClientCapabilities
	if err := json.Unmarshal(p.Capabilities, &caps); err != nil {
		return caps, fmt.Errorf("lsptest: profile %s: %w", p.Name, err)
	}
	return caps, nil
}

// profileParams is InitializeParams whose capabilities are sent as
// recorded: the outer field wins over the embedded one.
type profileParams struct {
	*protocol.InitializeParams
	Capabilities json.RawMessage `json:"capabilities"`
}

// initializeParams are params (nil: no workspace) with the editor's
// clientInfo and capabilities.
func (p Profile) initializeParams(params *protocol.InitializeParams) profileParams {
	out := protocol.InitializeParams{}
	if params != nil {
		out = *params
	}
	info := p.ClientInfo
	out.ClientInfo = &info
	return profileParams{InitializeParams: &out, Capabilities: p.Capabilities}
}
