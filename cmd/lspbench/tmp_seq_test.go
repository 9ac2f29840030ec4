package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

func cpuTicks(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	s = s[strings.LastIndexByte(s, ')')+2:]
	f := strings.Fields(s)
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

func TestTmpSeq(t *testing.T) {
	self, _ := os.Executable()
	servers := []server{
		{name: "floor", path: self, env: []string{serveEnv + "=floor"}},
		{name: "srv", path: "/tmp/srvbin"},
		{name: "srv-nb", path: "/tmp/srvbin", env: []string{"NONBLOCK=1"}},
		{name: "srv-P1", path: "/tmp/srvbin", env: []string{"GOMAXPROCS=1"}},
	}
	if e := os.Getenv("TMP_EXTRA"); e != "" {
		servers = append(servers, server{name: "extra", path: "/tmp/srvbin", env: strings.Fields(e)})
	}
	for round := 0; round < 3; round++ {
		for _, s := range servers {
			c, err := start(s)
			if err != nil {
				t.Fatal(err)
			}
			window(c, 1, 1000)
			n := 20000
			t0 := cpuTicks(c.cmd.Process.Pid)
			p50, p99, rate, err := sequential(c, n)
			if err != nil {
				t.Fatal(err)
			}
			t1 := cpuTicks(c.cmd.Process.Pid)
			t.Logf("%-10s p50 %v p99 %v rate %.0f  server CPU/call %.1fµs", s.name, p50, p99, rate, float64(t1-t0)*10000/float64(n))
			c.stop()
		}
	}
}
