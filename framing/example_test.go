package framing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/lspkit/lspkit/framing"
)

func ExampleHeader() {
	var stream bytes.Buffer
	f := framing.Header()

	w := f.NewWriter(&stream)
	w.WriteMessage([]byte(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`))
	w.WriteMessage([]byte(`{"jsonrpc":"2.0","method":"initialized"}`))
	fmt.Printf("%q\n", stream.String())

	r := f.NewReader(&stream)
	for {
		msg, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(string(msg))
	}
	// Output:
	// "Content-Length: 46\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"initialized\"}"
	// {"jsonrpc":"2.0","id":1,"method":"initialize"}
	// {"jsonrpc":"2.0","method":"initialized"}
}

func ExampleLine() {
	var stream bytes.Buffer
	f := framing.Line()

	w := f.NewWriter(&stream)
	w.WriteMessage([]byte(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	w.WriteMessage([]byte("{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {}\n}")) // compacted
	fmt.Printf("%q\n", stream.String())

	r := f.NewReader(&stream)
	for {
		msg, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(string(msg))
	}
	// Output:
	// "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n"
	// {"jsonrpc":"2.0","id":1,"method":"ping"}
	// {"jsonrpc":"2.0","id":1,"result":{}}
}

// A *framing.Error refuses one message; the stream goes on.
func ExampleError() {
	input := "Content-Length: 20\r\n\r\n" + `{"big":"0123456789"}` + // over the limit: skipped
		"Content-Length: 2\r\n\r\n{}" +
		"garbage\r\n" + // bad header: skipped up to the next Content-Length line
		"Content-Length: 2\r\n\r\n[]"
	r := framing.Header(framing.WithMaxMessageSize(16)).NewReader(strings.NewReader(input))
	for {
		msg, err := r.ReadMessage()
		var fe *framing.Error
		switch {
		case err == nil:
			fmt.Println("message:", string(msg))
			continue
		case errors.As(err, &fe):
			fmt.Println(fe.Kind, "-", err)
			continue
		}
		fmt.Println("end:", err)
		return
	}
	// Output:
	// TooLarge - framing: message too large: 20 bytes (limit 16)
	// message: {}
	// BadHeader - framing: bad header: header line without colon: "garbage"
	// message: []
	// end: EOF
}
