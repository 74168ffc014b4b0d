package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// client talks to one running Nabij over keep-alive connections, enough of them for every worker.
// The measured requests (timed) go through fasthttp's client: the generator shares the machine
// with Nabij and PostgreSQL, and net/http's client took half a core of it at 5,000 agenda pages
// a second. Setting up and checking use net/http.
type client struct {
	base string
	http *http.Client
	fast *fasthttp.HostClient
}

func newClient(base string, conns int) *client {
	t := &http.Transport{
		Proxy:               nil, // the load goes straight to Nabij, never through a proxy
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	base = strings.TrimRight(base, "/")
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		u = &url.URL{Scheme: "http", Host: strings.TrimPrefix(base, "http://")}
	}
	fast := &fasthttp.HostClient{Addr: hostPort(u), IsTLS: u.Scheme == "https", MaxConns: conns * 2,
		ReadTimeout: 60 * time.Second, WriteTimeout: 60 * time.Second, MaxIdleConnDuration: 90 * time.Second,
		DisablePathNormalizing: true}
	return &client{base: base, http: &http.Client{Transport: t, Timeout: 60 * time.Second}, fast: fast}
}

// hostPort is the address to dial for u, with the scheme's port when it names none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}

// auth is who a request is made as: a bearer token, a session (cookie plus its CSRF token), or
// nobody when empty.
type auth struct {
	token  string
	cookie string
	csrf   string
}

func bearer(token string) auth { return auth{token: token} }

// statusError is an answer other than the one expected, with the start of its body.
type statusError struct {
	method, path string
	status       int
	body         string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.method, e.path, e.status, e.body)
}

// call sends body as JSON (when not nil) and decodes a 2xx answer into out (when not nil). It
// returns the response headers, for Set-Cookie.
func (c *client) call(ctx context.Context, who auth, method, path string, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	who.set(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, &statusError{method: method, path: path, status: resp.StatusCode, body: snippet(b)}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.Header, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

func (who auth) set(req *http.Request) {
	if who.token != "" {
		req.Header.Set("Authorization", "Bearer "+who.token)
	}
	if who.cookie != "" {
		req.AddCookie(&http.Cookie{Name: "nabij_session", Value: who.cookie})
		req.Header.Set("X-CSRF-Token", who.csrf)
	}
}

// timed sends one prepared request of a measured run and reads the whole answer. It returns the
// status, the body and how long it took, from sending to the last byte.
func (c *client) timed(ctx context.Context, who auth, method, path string, body []byte) (int, []byte, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, 0, err
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(c.base + path)
	req.Header.SetMethod(method)
	if body != nil {
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(body)
	}
	if who.token != "" {
		req.Header.Set("Authorization", "Bearer "+who.token)
	}
	if who.cookie != "" {
		req.Header.SetCookie("nabij_session", who.cookie)
		req.Header.Set("X-CSRF-Token", who.csrf)
	}
	start := time.Now()
	err := c.fast.Do(req, resp)
	took := time.Since(start)
	if err != nil {
		return 0, nil, took, err
	}
	return resp.StatusCode(), append([]byte(nil), resp.Body()...), took, nil
}

// sessionCookie picks Nabij's session cookie out of an answer's headers.
func sessionCookie(h http.Header) string {
	for _, ck := range (&http.Response{Header: h}).Cookies() {
		if ck.Name == "nabij_session" {
			return ck.Value
		}
	}
	return ""
}

// snippet is the start of a body, on one line, for error messages.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
