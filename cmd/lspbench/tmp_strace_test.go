package main

import (
	"os"
	"strings"
	"testing"
)

func TestTmpWrap(t *testing.T) {
	self, _ := os.Executable()
	args := strings.Fields(os.Getenv("WRAP"))
	var s server
	switch os.Getenv("TMP_SERVER") {
	case "floor":
		s = server{name: "floor", path: args[0], args: append(args[1:], self), env: []string{serveEnv + "=floor"}}
	default:
		s = server{name: "lspkit", path: args[0], args: args[1:], env: []string{"GOMAXPROCS=" + os.Getenv("P")}}
	}
	c, err := start(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := sequential(c, 20000); err != nil {
		t.Fatal(err)
	}
	c.stop()
}
