package httprpc

import (
	"crypto/sha256"
	"crypto/subtle"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lspkit/lspkit/conn"
	"golang.org/x/time/rate"
)

// Guard checks an HTTP request before its body is read. It returns nil to
// let the request through, or the JSON-RPC error to refuse it with; it may
// set response headers (WWW-Authenticate, Retry-After) on w, but must not
// write to it.
type Guard func(w http.ResponseWriter, r *http.Request) *conn.Error

// Wrap returns an http.Handler that refuses what g refuses and passes the
// rest to next: for guarding any handler, such as a wsrpc.Handler's
// WebSocket handshake. A refusal is the JSON-RPC error object (id null)
// with the status StatusForCode gives (401, 429): outside JSON-RPC over
// HTTP the status is all most clients look at.
func (g Guard) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := g(w, r); e != nil {
			writeError(w, StatusForCode(e.Code), e)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RequireBearer returns a Guard that lets through only requests with the
// header "Authorization: Bearer <token>", and refuses the others with
// CodeUnauthorized and a WWW-Authenticate header. The token is compared in
// constant time. It panics if token is empty.
func RequireBearer(token string) Guard {
	if token == "" {
		panic("httprpc: RequireBearer needs a token")
	}
	want := sha256.Sum256([]byte(token))
	return func(w http.ResponseWriter, r *http.Request) *conn.Error {
		// Hashing first makes the comparison independent of the lengths too.
		got := sha256.Sum256([]byte(BearerToken(r)))
		if subtle.ConstantTimeCompare(got[:], want[:]) == 1 {
			return nil
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="jsonrpc"`)
		return conn.NewError(CodeUnauthorized, "unauthorized")
	}
}

// BearerToken returns the token of a request's "Authorization: Bearer"
// header, or "". It is also a key for RateLimit: a limit per token.
func BearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// RemoteAddr returns the IP address a request came from (without the
// port), a key for RateLimit: a limit per client address. Behind a proxy,
// write a key that reads the header the proxy sets instead.
func RemoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RateLimit returns a Guard that allows each client limit requests a
// second with bursts of burst, and refuses the others with
// CodeRateLimited and a Retry-After header. key names the client: its
// RemoteAddr, its BearerToken (requests without one then share one limit:
// put RequireBearer first), or anything else. Each key has a token bucket
// of golang.org/x/time/rate; buckets that have refilled are forgotten, so
// memory stays bounded by the clients active in the last little while.
func RateLimit(limit rate.Limit, burst int, key func(*http.Request) string) Guard {
	l := &limiters{limit: limit, burst: burst, m: make(map[string]*rate.Limiter)}
	return func(w http.ResponseWriter, r *http.Request) *conn.Error {
		ok, wait := l.allow(key(r), time.Now())
		if ok {
			return nil
		}
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(wait.Seconds(), 1)))))
		return conn.NewError(CodeRateLimited, "rate limited")
	}
}

// limiters is a token bucket per key.
type limiters struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	m         map[string]*rate.Limiter
	lastSweep time.Time
}

// sweepSize is how many buckets we keep before forgetting full ones.
const sweepSize = 1024

// allow takes a token from key's bucket; if there is none, it says how
// long until there is.
func (l *limiters) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= sweepSize && now.Sub(l.lastSweep) > time.Second {
		l.lastSweep = now
		for k, lim := range l.m {
			// A full bucket is as good as a new one: forgetting it changes
			// nothing for its client.
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.m, k)
			}
		}
	}
	lim, ok := l.m[key]
	if !ok {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.m[key] = lim
	}
	if lim.AllowN(now, 1) {
		return true, 0
	}
	if l.limit <= 0 {
		return false, time.Minute
	}
	need := 1 - lim.TokensAt(now)
	return false, time.Duration(need / float64(l.limit) * float64(time.Second))
}
