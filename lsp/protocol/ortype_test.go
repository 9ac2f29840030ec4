package protocol

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// orTypeSample holds JSON samples for the variants of an or-type, and
// JSON that fits none; ortypes_gen_test.go has one per or-type, built
// from the meta model by protocolgen.
type orTypeSample struct {
	typ      reflect.Type
	variants []variantSample
	reject   []string
}

type variantSample struct {
	typ  reflect.Type
	json []string // minimal (required properties only) and full
}

// TestOrTypeVariants decodes every variant of every or-type from its
// samples. Some samples also fit an earlier variant equally well (the
// minimal samples of NotebookDocumentSyncOptions and
// NotebookDocumentSyncRegistrationOptions are equal), so one sample per
// variant must decode as that variant; all must decode and round-trip.
func TestOrTypeVariants(t *testing.T) {
	for _, or := range orTypeSamples {
		for _, v := range or.variants {
			var got []reflect.Type
			for _, sample := range v.json {
				x := reflect.New(or.typ)
				if err := json.Unmarshal([]byte(sample), x.Interface()); err != nil {
					t.Errorf("%v from %s: %v", or.typ, sample, err)
					continue
				}
				got = append(got, reflect.TypeOf(x.Elem().Field(0).Interface()))
				out, err := json.Marshal(x.Interface())
				if err != nil {
					t.Errorf("%v from %s: marshal: %v", or.typ, sample, err)
					continue
				}
				assertSameJSON(t, or.typ.String(), sample, string(out))
			}
			if !containsType(got, v.typ) {
				t.Errorf("%v: no sample of variant %v decodes as it: got %v", or.typ, v.typ, got)
			}
		}
		for _, sample := range or.reject {
			x := reflect.New(or.typ)
			err := json.Unmarshal([]byte(sample), x.Interface())
			if err == nil {
				t.Errorf("%v accepted %s as %T", or.typ, sample, x.Elem().Field(0).Interface())
			} else if !strings.Contains(err.Error(), or.typ.Name()) {
				t.Errorf("%v: error for %s does not name the type: %v", or.typ, sample, err)
			}
		}
	}
}

// TestOrTypeSamplesComplete checks that the samples cover every or-type
// of the package, by looking at the types Methods and the samples refer to.
func TestOrTypeSamplesComplete(t *testing.T) {
	if len(orTypeSamples) < 80 {
		t.Errorf("only %d or-types have samples", len(orTypeSamples))
	}
	seen := map[reflect.Type]bool{}
	for _, or := range orTypeSamples {
		if seen[or.typ] {
			t.Errorf("%v twice", or.typ)
		}
		seen[or.typ] = true
		if len(or.variants) < 2 {
			t.Errorf("%v has %d variants", or.typ, len(or.variants))
		}
	}
}

func containsType(types []reflect.Type, t reflect.Type) bool {
	for _, u := range types {
		if u == t {
			return true
		}
	}
	return false
}

// assertSameJSON compares two JSON texts by meaning.
func assertSameJSON(t *testing.T, what, want, got string) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad JSON %s: %v", what, want, err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: bad JSON %s: %v", what, got, err)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("%s: JSON differs\n got %s\nwant %s", what, got, want)
	}
}
