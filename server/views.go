package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"nabij/frontend"
	"nabij/models"
)

// languages Nabij speaks, the first being the default.
var languages = []language.Tag{language.Dutch, language.English}

var langMatcher = language.NewMatcher(languages)

// views renders pages: one parsed template set per page, each wrapped in layout.html.
type views struct {
	pages   map[string]*template.Template
	assets  map[string]asset // by hashed name
	hashed  map[string]string
	catalog *i18n.Bundle
	live    map[string]string // live.js's words per language (live.go)
	words   wordCache         // worded reasons of volunteer matches (volunteers.go)
}

type asset struct {
	body        []byte
	contentType string
}

func newViews() (*views, error) {
	v := &views{pages: map[string]*template.Template{}, assets: map[string]asset{}, hashed: map[string]string{}}
	if err := v.loadAssets(frontend.Static()); err != nil {
		return nil, err
	}
	bundle := i18n.NewBundle(language.Dutch)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	// One file per area and language: nl.json, accounts.nl.json, ... (the language is the part
	// before .json).
	catalogFiles, err := fs.Glob(frontend.Catalog(), "*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range catalogFiles {
		if _, err := bundle.LoadMessageFileFS(frontend.Catalog(), name); err != nil {
			return nil, fmt.Errorf("load translations %s: %w", name, err)
		}
	}
	v.catalog = bundle

	funcs := template.FuncMap{
		"asset": v.assetURL,
		"json":  func(x any) (template.JS, error) { b, err := json.Marshal(x); return template.JS(b), err },
		"dict":  dict,
	}
	tfs := frontend.Templates()
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(tfs, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(tfs, "*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		if name == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(tfs, name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		v.pages[strings.TrimSuffix(name, ".html")] = t
	}
	v.live = map[string]string{}
	for _, tag := range languages {
		t, err := liveTexts(v.catalog, tag.String())
		if err != nil {
			return nil, err
		}
		v.live[tag.String()] = t
	}
	return v, nil
}

// loadAssets gives every static file a name with a hash of its content, so it can be cached for
// a year and still change the moment a new Nabij is deployed.
func (v *views) loadAssets(static fs.FS) error {
	return fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(p)
		name := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		v.assets[name] = asset{body: body, contentType: ct}
		v.hashed[p] = name
		return nil
	})
}

func (v *views) assetURL(name string) (string, error) {
	h, ok := v.hashed[name]
	if !ok {
		return "", fmt.Errorf("unknown asset %q", name)
	}
	return "/static/" + h, nil
}

// serveAsset answers /static/<hashed name> with a long cache lifetime.
func (v *views) serveAsset(c *fiber.Ctx) error {
	a, ok := v.assets[c.Params("*")]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(a.body)
}

// page is what every template receives: the request's language and translator, the signed-in
// person (if any), and the page's own data.
type page struct {
	Lang string
	Path string
	User *models.User
	CSRF string
	Demo bool
	// Unread is the number of unread notifications of the signed-in person (the badge).
	Unread int64
	// Live is what the live-update script needs; nil when nobody is signed in.
	Live *liveInfo
	Data any
	loc  *i18n.Localizer
	tz   *time.Location // the installation's time zone: every date on a page is shown in it
}

// T translates a message id. A missing id shows the id itself, which a test catches.
func (p page) T(id string) string {
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	if err != nil {
		return id
	}
	return s
}

// Tf translates a message id with named values: {{.Tf "id" "Name" .Value}}.
func (p page) Tf(id string, kv ...any) string {
	data := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		data[fmt.Sprint(kv[i])] = kv[i+1]
	}
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// In returns t in the installation's time zone (for {{.In .Data.Start}} before formatting).
func (p page) In(t time.Time) time.Time {
	if p.tz == nil {
		return t
	}
	return t.In(p.tz)
}

// Day is a date as people say it: "dinsdag 24 november" (the year only when it is not this year).
func (p page) Day(t time.Time) string {
	t = p.In(t)
	s := p.Tf("date.day", "Weekday", p.T("weekday."+strconv.Itoa(int(t.Weekday()))), "Day", t.Day(),
		"Month", p.T("month."+strconv.Itoa(int(t.Month()))))
	if t.Year() != p.In(time.Now()).Year() {
		s += " " + strconv.Itoa(t.Year())
	}
	return s
}

// Clock is the time of day on a 24-hour clock, as in Belgium and the Netherlands: "19:30".
func (p page) Clock(t time.Time) string { return p.In(t).Format("15:04") }

// When is a day and a time: "dinsdag 24 november, 19:30".
func (p page) When(t time.Time) string { return p.Day(t) + ", " + p.Clock(t) }

// ISO is the RFC 3339 form for <time datetime> and machine-readable data.
func (p page) ISO(t time.Time) string { return p.In(t).Format(time.RFC3339) }

// localizer returns the translator for a language code.
func (v *views) localizer(lang string) *i18n.Localizer { return i18n.NewLocalizer(v.catalog, lang) }

// translate is T outside a template (API error messages, for instance).
func (v *views) translate(lang, id string, data map[string]any) string {
	s, err := v.localizer(lang).Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// render writes a full HTML page with the given status.
func (a *app) render(c *fiber.Ctx, status int, name string, data any) error {
	v := a.views
	t, ok := v.pages[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	lang := requestLang(c)
	p := page{Lang: lang, Path: c.Path(), User: user(c), CSRF: a.csrfToken(c), Demo: a.cfg.Demo, Data: data, loc: v.localizer(lang), tz: a.cfg.Location}
	if p.User != nil {
		n, err := models.UnreadNotifications(c.UserContext(), a.db.Gorm, p.User.ID)
		if err != nil {
			return err
		}
		p.Unread = n
		p.Live = a.liveFor(c, p.User, lang)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(buf.Bytes())
}

const langCookie = "nabij_lang"

// requestLang is the language of this request: the remembered choice, else the browser's
// Accept-Language, else Dutch.
func requestLang(c *fiber.Ctx) string {
	if l, ok := c.Locals("lang").(string); ok {
		return l
	}
	cookie := c.Cookies(langCookie)
	if u := user(c); u != nil && cookie == "" {
		cookie = u.Language
	}
	lang := pickLang(cookie, c.Get(fiber.HeaderAcceptLanguage))
	c.Locals("lang", lang)
	return lang
}

func pickLang(cookie, acceptLanguage string) string {
	for _, tag := range languages {
		if cookie == tag.String() {
			return cookie
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return languages[0].String()
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return languages[0].String()
	}
	return languages[i].String()
}

// dict builds a map for passing several values to a partial template: (dict "Name" "email" ...).
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs key and value pairs")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[fmt.Sprint(kv[i])] = kv[i+1]
	}
	return m, nil
}
