package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// client talks to one running Nabij over keep-alive connections, enough of them for every worker.
type client struct {
	base string
	http *http.Client
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
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: t, Timeout: 60 * time.Second}}
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
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	who.set(req)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, time.Since(start), err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, b, time.Since(start), err
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
