package httprpc_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/conn/httprpc"
	"github.com/lspkit/lspkit/samples/arith"
	"golang.org/x/time/rate"
)

const sumCall = `{"jsonrpc":"2.0","id":1,"method":"sum","params":[1,2]}`

func TestRequireBearer(t *testing.T) {
	for _, mapping := range []bool{false, true} {
		opts := []httprpc.Option{httprpc.WithGuards(httprpc.RequireBearer("s3cret"))}
		refused := 200
		if mapping {
			opts = append(opts, httprpc.WithStatusMapping(nil))
			refused = 401
		}
		url := serve(t, newHandler(arith.New(), opts...))
		for _, auth := range []string{"", "Bearer", "Bearer wrong", "Basic czNjcmV0", "Bearer s3cret2", "Bearer s3cre"} {
			r := post(t, url, "application/json", sumCall, "Authorization", auth)
			if r.status != refused || errorCode(t, r.body) != httprpc.CodeUnauthorized {
				t.Errorf("mapping %v, %q: %d %s", mapping, auth, r.status, r.body)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("mapping %v, %q: no WWW-Authenticate", mapping, auth)
			}
		}
		for _, auth := range []string{"Bearer s3cret", "bearer s3cret", "  Bearer   s3cret "} {
			r := post(t, url, "application/json", sumCall, "Authorization", auth)
			if r.status != 200 || !sameJSON(t, r.body, []byte(`{"jsonrpc":"2.0","id":1,"result":3}`)) {
				t.Errorf("mapping %v, %q: %d %s", mapping, auth, r.status, r.body)
			}
		}

		ctx := context.Background()
		err := httprpc.NewClient(url).Call(ctx, "sum", []int{1}, nil)
		if !errors.Is(err, conn.NewError(httprpc.CodeUnauthorized, "")) {
			t.Errorf("mapping %v, client without a token: %v", mapping, err)
		}
		if err := httprpc.NewClient(url).Notify(ctx, "tick", nil); !errors.Is(err, conn.NewError(httprpc.CodeUnauthorized, "")) {
			t.Errorf("mapping %v, notify without a token: %v", mapping, err)
		}
		c := httprpc.NewClient(url, httprpc.WithHeader(http.Header{"Authorization": {"Bearer s3cret"}}))
		var sum float64
		if err := c.Call(ctx, "sum", []int{1, 2}, &sum); err != nil || sum != 3 {
			t.Errorf("mapping %v, client with the token: %v %v", mapping, sum, err)
		}
	}
}

func TestRequireBearerEmptyTokenPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	httprpc.RequireBearer("")
}

func TestRateLimit(t *testing.T) {
	for _, mapping := range []bool{false, true} {
		opts := []httprpc.Option{httprpc.WithGuards(httprpc.RateLimit(rate.Every(time.Hour), 2, httprpc.RemoteAddr))}
		refused := 200
		if mapping {
			opts = append(opts, httprpc.WithStatusMapping(nil))
			refused = 429
		}
		url := serve(t, newHandler(arith.New(), opts...))
		for i := range 2 {
			if r := post(t, url, "application/json", sumCall); r.status != 200 || errorCode(t, r.body) != 0 {
				t.Errorf("mapping %v, request %d: %d %s", mapping, i, r.status, r.body)
			}
		}
		r := post(t, url, "application/json", sumCall)
		if r.status != refused || errorCode(t, r.body) != httprpc.CodeRateLimited {
			t.Errorf("mapping %v, over the limit: %d %s", mapping, r.status, r.body)
		}
		if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Errorf("mapping %v: Retry-After %q", mapping, ra)
		}
	}

	// Per token: one client's burst does not touch another's.
	url := serve(t, newHandler(arith.New(), httprpc.WithGuards(httprpc.RateLimit(rate.Every(time.Hour), 1, httprpc.BearerToken))))
	a := httprpc.NewClient(url, httprpc.WithHeader(http.Header{"Authorization": {"Bearer a"}}))
	b := httprpc.NewClient(url, httprpc.WithHeader(http.Header{"Authorization": {"Bearer b"}}))
	ctx := context.Background()
	if err := a.Call(ctx, "sum", nil, nil); err != nil {
		t.Error(err)
	}
	if err := a.Call(ctx, "sum", nil, nil); !errors.Is(err, conn.NewError(httprpc.CodeRateLimited, "")) {
		t.Errorf("a, again: %v", err)
	}
	if err := b.Call(ctx, "sum", nil, nil); err != nil {
		t.Errorf("b: %v", err)
	}
}

// TestGuardsInOrder checks that the first guard to refuse answers: an
// unauthenticated client does not use up the rate limit.
func TestGuardsInOrder(t *testing.T) {
	url := serve(t, newHandler(arith.New(), httprpc.WithGuards(
		httprpc.RequireBearer("k"),
		httprpc.RateLimit(rate.Every(time.Hour), 1, httprpc.BearerToken),
	)))
	for range 3 {
		if r := post(t, url, "application/json", sumCall); errorCode(t, r.body) != httprpc.CodeUnauthorized {
			t.Fatalf("%s", r.body)
		}
	}
	if r := post(t, url, "application/json", sumCall, "Authorization", "Bearer k"); errorCode(t, r.body) != 0 {
		t.Errorf("%s", r.body)
	}
}

func TestGuardWrap(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("in")) })
	url := serve(t, httprpc.RequireBearer("k").Wrap(next))
	r := post(t, url, "-", "")
	if r.status != 401 || errorCode(t, r.body) != httprpc.CodeUnauthorized || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token: %d %s", r.status, r.body)
	}
	if r := post(t, url, "-", "", "Authorization", "Bearer k"); r.status != 200 || string(r.body) != "in" {
		t.Errorf("token: %d %s", r.status, r.body)
	}
}
