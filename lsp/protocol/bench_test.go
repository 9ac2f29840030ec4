package protocol

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// 1000 locations as the result of textDocument/definition, which decodes
// through two or-types (DefinitionResult, Definition), and as plain
// []Location for comparison.
var definitionResultJSON = []byte("[" + strings.Repeat(`{"uri": "file:///a/b/c.go", "range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 3}}},`, 999) +
	`{"uri": "file:///a/b/c.go", "range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 3}}}]`)

func BenchmarkUnmarshalDefinitionResult(b *testing.B) {
	b.SetBytes(int64(len(definitionResultJSON)))
	for b.Loop() {
		var r DefinitionResult
		if err := json.Unmarshal(definitionResultJSON, &r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalLocations(b *testing.B) {
	b.SetBytes(int64(len(definitionResultJSON)))
	for b.Loop() {
		var r []Location
		if err := json.Unmarshal(definitionResultJSON, &r); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzOrTypeUnmarshal feeds arbitrary bytes to UnmarshalJSON directly,
// bypassing encoding/json's validation: it must not panic, and whatever
// it accepts must marshal.
func FuzzOrTypeUnmarshal(f *testing.F) {
	for _, or := range orTypeSamples {
		for _, v := range or.variants {
			for _, s := range v.json {
				f.Add(s)
			}
		}
	}
	for _, s := range []string{`{"a":`, `[1,`, `"\`, `{"kind":"create","uri":"x"`, `[[[`, `{"range":{"start":{}}}`, `-`, `{,}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		for _, or := range orTypeSamples {
			x := reflect.New(or.typ)
			if x.Interface().(json.Unmarshaler).UnmarshalJSON([]byte(data)) != nil {
				continue
			}
			if _, err := json.Marshal(x.Interface()); err != nil {
				t.Errorf("%v accepted %q but does not marshal: %v", or.typ, data, err)
			}
		}
	})
}
