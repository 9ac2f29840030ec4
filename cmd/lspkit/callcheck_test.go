package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestCheckResponse checks the envelope checks one reply at a time.
func TestCheckResponse(t *testing.T) {
	for _, tc := range []struct {
		reply string
		want  []string // each in one problem, in order; none for a good reply
	}{
		{`{"jsonrpc":"2.0","id":1,"result":null}`, nil},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"x","data":[1]}}`, nil},
		{`{"id":1,"result":1}`, []string{`"jsonrpc" is missing`}},
		{`{"jsonrpc":2.0,"id":1,"result":1}`, []string{`"jsonrpc" is 2.0, not "2.0"`}},
		{`{"jsonrpc":"2.0","result":1}`, []string{`"id" is missing`}},
		{`{"jsonrpc":"2.0","id":1}`, []string{`neither "result" nor "error"`}},
		{`{"jsonrpc":"2.0","id":1,"result":1,"error":null}`, []string{`both "result" and "error"`}},
		{`{"jsonrpc":"2.0","id":1,"error":"bad"}`, []string{`"error" is a string, not an object`}},
		{`{"jsonrpc":"2.0","id":1,"error":{"message":"x"}}`, []string{`the error has no "code"`}},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"x"}}`, []string{`the error's "code" is 1.5, not an integer`}},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":1}}`, []string{`the error has no "message"`}},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":7}}`, []string{`the error's "message" is a number, not a string`}},
		{`{"result":1}`, []string{`"jsonrpc" is missing`, `"id" is missing`}},
	} {
		r, err := parseReply([]byte(tc.reply))
		if err != nil {
			t.Fatalf("%s: %v", tc.reply, err)
		}
		got := checkResponse(r)
		if len(got) != len(tc.want) {
			t.Errorf("%s: problems %q, want %d", tc.reply, got, len(tc.want))
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], tc.want[i]) {
				t.Errorf("%s: problem %q, want %q", tc.reply, got[i], tc.want[i])
			}
		}
	}
}

func TestParseReplyRefuses(t *testing.T) {
	for reply, want := range map[string]string{
		``:        "it is empty",
		`{"a":`:   "it is not JSON",
		`[1]`:     "it is an array, not a JSON object",
		`"hello"`: "it is a string, not a JSON object",
	} {
		if _, err := parseReply([]byte(reply)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", reply, err, want)
		}
	}
}

func TestCheckID(t *testing.T) {
	for _, tc := range []struct{ got, want, problem string }{
		{`1`, `1`, ""},
		{` 1`, `1`, ""},
		{`"1"`, `1`, `"id" is "1" (a string), but the request's id was 1 (a number)`},
		{`1`, `"1"`, `"id" is 1 (a number), but the request's id was "1" (a string)`},
		{`2`, `1`, `"id" is 2, but the request's id was 1`},
		{`null`, `1`, `"id" is null, but the request's id was 1`},
		{`1.0`, `1`, `"id" is 1.0, but the request's id was 1`},
	} {
		if got := checkID(json.RawMessage(tc.got), json.RawMessage(tc.want)); !strings.HasPrefix(got, tc.problem) || (tc.problem == "") != (got == "") {
			t.Errorf("id %s for %s: %q, want %q", tc.got, tc.want, got, tc.problem)
		}
	}
}

func TestCheckBatch(t *testing.T) {
	calls := []batchCall{{json.RawMessage(`1`), "a"}, {nil, "note"}, {json.RawMessage(`2`), "b"}}
	ok := `{"jsonrpc":"2.0","id":%s,"result":0}`
	for _, tc := range []struct {
		name, reply string
		matched     []bool
		want        []string
	}{
		{"all, any order", `[` + sprintf(ok, "2") + `,` + sprintf(ok, "1") + `]`, []bool{true, false, true}, nil},
		{"one missing", `[` + sprintf(ok, "1") + `]`, []bool{true, false, false}, []string{`call 3 ("b", id 2) got no reply`}},
		{"twice", `[` + sprintf(ok, "1") + `,` + sprintf(ok, "1") + `,` + sprintf(ok, "2") + `]`, []bool{true, false, true}, []string{"id 1 is answered twice"}},
		{"unknown id", `[` + sprintf(ok, "1") + `,` + sprintf(ok, "2") + `,` + sprintf(ok, "3") + `]`, []bool{true, false, true}, []string{"id 3, which matches no request of the batch (was a notification answered?)"}},
		{"string id", `[` + sprintf(ok, `"1"`) + `,` + sprintf(ok, "2") + `]`, []bool{false, false, true}, []string{`("1" is a string, the request's id 1 is a number)`, `call 1 ("a", id 1) got no reply`}},
		{"not an array", `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"no"}}`, []bool{false, false, false}, []string{"not an array of replies (an error reply for the whole batch"}},
		{"empty", `[]`, []bool{false, false, false}, []string{"an empty array", "call 1", "call 3"}},
		{"element not an object", `[1,` + sprintf(ok, "1") + `,` + sprintf(ok, "2") + `]`, []bool{true, false, true}, []string{"element 1 of the reply: it is a number, not a JSON object"}},
		{"element invalid", `[{"id":1,"result":0},` + sprintf(ok, "2") + `]`, []bool{true, false, true}, []string{`element 1 of the reply: "jsonrpc" is missing`}},
		{"not JSON", `[{`, []bool{false, false, false}, []string{"the reply to the batch is not JSON"}},
	} {
		replies, problems := checkBatch([]byte(tc.reply), calls)
		var matched []bool
		for _, r := range replies {
			matched = append(matched, r != nil)
		}
		if !slices.Equal(matched, tc.matched) {
			t.Errorf("%s: matched %v, want %v", tc.name, matched, tc.matched)
		}
		if len(problems) != len(tc.want) {
			t.Errorf("%s: problems %q, want %d", tc.name, problems, len(tc.want))
			continue
		}
		for i := range problems {
			if !strings.Contains(problems[i], tc.want[i]) {
				t.Errorf("%s: problem %q, want %q", tc.name, problems[i], tc.want[i])
			}
		}
	}
}

func sprintf(format, id string) string { return strings.Replace(format, "%s", id, 1) }

func TestCheckHTTP(t *testing.T) {
	result, errReply := `{"jsonrpc":"2.0","id":1,"result":1}`, `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}`
	for _, tc := range []struct {
		name        string
		status      int
		ctype, body string
		wantReply   bool
		problem     string // in a problem
		fatal       string // in the fatal error
	}{
		{"200 result", 200, "application/json", result, true, "", ""},
		{"404 mapped error", 404, "application/json", errReply, true, "", ""},
		{"500 result", 500, "application/json", result, true, "the status says it failed", ""},
		{"text/plain", 200, "text/plain", result, true, `Content-Type is "text/plain"`, ""},
		{"no Content-Type", 200, "", result, true, `Content-Type is ""`, ""},
		{"json-rpc media type", 200, "application/json-rpc", result, true, "", ""},
		{"204 with body", 204, "application/json", result, true, "204 No Content, but the response has a body", ""},
		{"empty 200 to a request", 200, "application/json", "", true, "", "no reply to a request"},
		{"204 to a notification", 204, "", "", false, "", ""},
		{"answered notification", 200, "application/json", errReply, false, "a notification was answered", ""},
		{"HTML 502", 502, "text/html", "<html>", true, "", "HTTP 502 Bad Gateway, and the body is not JSON"},
		{"empty 500", 500, "", "", true, "", "HTTP 500 Internal Server Error with no body"},
	} {
		problems, fatal := checkHTTP(tc.status, tc.ctype, []byte(tc.body), tc.wantReply)
		switch {
		case tc.fatal != "":
			if fatal == nil || !strings.Contains(fatal.Error(), tc.fatal) {
				t.Errorf("%s: fatal %v, want %q", tc.name, fatal, tc.fatal)
			}
		case fatal != nil:
			t.Errorf("%s: fatal %v", tc.name, fatal)
		case tc.problem == "" && len(problems) > 0:
			t.Errorf("%s: problems %q, want none", tc.name, problems)
		case tc.problem != "" && (len(problems) != 1 || !strings.Contains(problems[0], tc.problem)):
			t.Errorf("%s: problems %q, want %q", tc.name, problems, tc.problem)
		}
	}
}

// FuzzCheckReply feeds the reply checks whatever a server may send: they
// never panic, and a reply they find nothing wrong with is a response.
func FuzzCheckReply(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"result":1}`, `[{"jsonrpc":"2.0","id":1,"result":1}]`, `{"error":{"code":1}}`,
		`[1,2]`, `{"jsonrpc":"2.0","id":"1","error":{"code":-1,"message":"m"}}`, `[]`, `nul`, `{"id":[1]}`,
	} {
		f.Add([]byte(s))
	}
	calls := []batchCall{{json.RawMessage(`1`), "a"}, {nil, "n"}, {json.RawMessage(`"x"`), "b"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkBatch(data, calls)
		checkHTTP(200, "application/json", data, true)
		r, err := parseReply(data)
		if err != nil {
			return
		}
		if len(checkResponse(r)) == 0 {
			var m struct {
				JSONRPC string          `json:"jsonrpc"`
				ID      json.RawMessage `json:"id"`
			}
			if json.Unmarshal(data, &m) != nil || m.JSONRPC != "2.0" || m.ID == nil || (r.result == nil) == (r.errObj == nil) {
				t.Errorf("%s passed the checks", data)
			}
		}
		checkID(r.id, json.RawMessage(`1`))
	})
}

func TestRecordedInitialize(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       string // the "locale" member found, or the error
	}{
		{"params alone", `{"locale":"fr","capabilities":{}}`, "fr"},
		{"a request", `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"locale":"de"}}`, "de"},
		{"an inspect log", `{"dir":"note","time":"t","raw":"x"}
{"dir":"in","time":"t","msg":{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"locale":"it"}}}
{"dir":"out","time":"t","msg":{"jsonrpc":"2.0","id":0,"result":{}}}`, "it"},
		{"no initialize", `{"dir":"in","msg":{"jsonrpc":"2.0","method":"exit"}}
{"dir":"in","msg":{"jsonrpc":"2.0","method":"exit"}}`, `error: no "initialize" request in it`},
		{"another request", `{"jsonrpc":"2.0","id":0,"method":"shutdown"}`, `error: no "initialize" request in it`},
		{"initialize without params", `{"jsonrpc":"2.0","id":0,"method":"initialize"}`, `error: its "initialize" request has no params object`},
		{"not JSON", `{"locale":`, "error: not JSON"},
	} {
		p, err := recordedInitialize([]byte(tc.data))
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			var locale string
			json.Unmarshal(p["locale"], &locale)
			got = locale
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
