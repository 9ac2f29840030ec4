package main

import (
	"os"
	"testing"
	"strings"
)

func TestTmpTrace(t *testing.T) {
	s := server{name: "srv", path: "/tmp/srvbin", env: append([]string{"TRACE=/tmp/srv.trace"}, strings.Fields(os.Getenv("TMP_ENV"))...)}
	c, err := start(s)
	if err != nil {
		t.Fatal(err)
	}
	window(c, 1, 1000)
	p50, _, _, err := sequential(c, 200)
	t.Log(p50, err)
	c.stop()
}
