package main

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// config is everything Nabij reads from its environment. Every field has a default that works on
// a developer's machine; README.md lists them all.
type config struct {
	Addr        string         // NABIJ_ADDR
	BaseURL     string         // NABIJ_BASE_URL
	DatabaseURL string         // DATABASE_URL; empty means run a private PostgreSQL
	DataDir     string         // NABIJ_DATA_DIR
	Migrate     bool           // NABIJ_MIGRATE
	LogFormat   string         // NABIJ_LOG_FORMAT: text or json
	LogLevel    string         // NABIJ_LOG_LEVEL
	Demo        bool           // NABIJ_DEMO or -demo
	Location    *time.Location // NABIJ_TIMEZONE
	BodyLimit   int            // NABIJ_BODY_LIMIT in bytes
}

// loadConfig reads the environment through getenv (os.Getenv in main, a map in tests).
func loadConfig(getenv func(string) string) (config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := config{
		Addr:        get("NABIJ_ADDR", "localhost:8080"),
		DatabaseURL: get("DATABASE_URL", ""),
		DataDir:     get("NABIJ_DATA_DIR", "./data/postgres"),
		LogFormat:   get("NABIJ_LOG_FORMAT", "text"),
		LogLevel:    get("NABIJ_LOG_LEVEL", "info"),
	}
	c.BaseURL = strings.TrimRight(get("NABIJ_BASE_URL", "http://"+displayAddr(c.Addr)), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("NABIJ_BASE_URL=%q is not an http(s) address such as https://nabij.example.org", c.BaseURL)
	}
	switch m := strings.ToLower(get("NABIJ_MIGRATE", "on")); m {
	case "on", "true", "1", "yes":
		c.Migrate = true
	case "off", "false", "0", "no":
		c.Migrate = false
	default:
		return c, fmt.Errorf("NABIJ_MIGRATE=%q: use on or off", m)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fmt.Errorf("NABIJ_LOG_FORMAT=%q: use text or json", c.LogFormat)
	}
	switch d := strings.ToLower(get("NABIJ_DEMO", "")); d {
	case "", "0", "false", "off", "no":
	case "1", "true", "on", "yes":
		c.Demo = true
	default:
		return c, fmt.Errorf("NABIJ_DEMO=%q: use 1 or 0", d)
	}
	tz := get("NABIJ_TIMEZONE", "Europe/Brussels")
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return c, fmt.Errorf("NABIJ_TIMEZONE=%q is not a known time zone (such as Europe/Brussels): %w", tz, err)
	}
	c.Location = loc
	limit := get("NABIJ_BODY_LIMIT", "1048576")
	if _, err := fmt.Sscanf(limit, "%d", &c.BodyLimit); err != nil || c.BodyLimit < 1024 {
		return c, fmt.Errorf("NABIJ_BODY_LIMIT=%q: give a number of bytes, at least 1024", limit)
	}
	return c, nil
}

// displayAddr turns a listen address such as ":8080" into one a browser can open.
func displayAddr(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "localhost" + addr
	}
	return addr
}

// secureCookies says whether cookies must carry the Secure flag.
func (c config) secureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

func envOS(key string) string { return os.Getenv(key) }
