package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"nabij/models"
)

// Volunteers: the skill catalog, one's own volunteer profile and a worker's profile for someone,
// the needs that fit me, my shifts, invitations and hours, and the workers' figures. Needs are in
// needs.go, shifts, sign-ups and check-in in shifts.go. The pages come later, on the same models.

// skillsJSON is the catalog as the API shows it: life domains with their skills, named in the
// reader's language.
type skillsJSON struct {
	Code   string      `json:"code"`
	Name   string      `json:"name"`
	Skills []skillJSON `json:"skills"`
}

type skillJSON struct {
	ID   int    `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
}

func (a *app) apiSkills(c *fiber.Ctx) error {
	domains, err := models.SkillCatalog(c.UserContext(), a.db.Gorm)
	if err != nil {
		return err
	}
	w := a.volunteerWords(c)
	out := make([]skillsJSON, len(domains))
	for i, d := range domains {
		out[i] = skillsJSON{Code: d.Code, Name: w.domain(d.Code), Skills: make([]skillJSON, len(d.Skills))}
		for j, s := range d.Skills {
			out[i].Skills[j] = skillJSON{ID: s.ID, Code: s.Code, Name: w.skill(s.Code)}
		}
	}
	return c.JSON(fiber.Map{"domains": out})
}

func (a *app) apiMyVolunteer(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	p, err := models.VolunteerOf(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (a *app) apiSaveMyVolunteer(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var in models.VolunteerInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := models.SaveVolunteer(c.UserContext(), a.db.Gorm, u, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (a *app) apiStopVolunteering(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if err := models.StopVolunteering(c.UserContext(), a.db.Gorm, u); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// apiVolunteer is someone's profile for those who may see it (workers, organisers of needs they
// signed up for): 404 for everyone else.
func (a *app) apiVolunteer(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	p, err := models.VolunteerFor(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// apiSaveVolunteerFor is a worker making or changing the profile of someone they look after,
// with that person's consent.
func (a *app) apiSaveVolunteerFor(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in models.VolunteerInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := models.SaveVolunteerFor(c.UserContext(), a.db.Gorm, u, id, in)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// needMatchJSON is a need proposed to me, with its reasons worded.
type needMatchJSON struct {
	models.NeedMatch
	Reasons []reasonJSON `json:"reasons"`
}

// apiNeedsForMe ranks the needs that fit the signed-in volunteer: days ahead (default 56) and
// limit (default 20).
func (a *app) apiNeedsForMe(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	opts := models.NeedsForMeOptions{Days: queryNumber(c, "days", 0, 366, fe), Limit: queryNumber(c, "limit", 0, 100, fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	ms, err := models.NeedsForVolunteer(c.UserContext(), a.db.Gorm, u, opts)
	if err != nil {
		return err
	}
	w := a.volunteerWords(c)
	out := make([]needMatchJSON, len(ms))
	for i, m := range ms {
		out[i] = needMatchJSON{NeedMatch: m, Reasons: w.reasons(m.Reasons)}
	}
	return c.JSON(fiber.Map{"needs": out})
}

func (a *app) apiMyShifts(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	from := queryMoment(c, "from", time.Now(), fe)
	if err := fe.Err(); err != nil {
		return err
	}
	shifts, err := models.MyShifts(c.UserContext(), a.db.Gorm, u, from)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"shifts": shifts})
}

func (a *app) apiMyHours(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	h, err := models.HoursOf(c.UserContext(), a.db.Gorm, u)
	if err != nil {
		return err
	}
	return c.JSON(h)
}

// apiMyNeedInvitations lists my invitations to shifts: only those waiting for an answer unless
// all=true.
func (a *app) apiMyNeedInvitations(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	invs, err := models.MyNeedInvitations(c.UserContext(), a.db.Gorm, u, c.Query("all") != "true")
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"invitations": invs})
}

// answerRequest accepts or declines an invitation.
type answerRequest struct {
	Accept *bool `json:"accept"`
}

func (a *app) apiAnswerNeedInvitation(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in answerRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Accept == nil {
		return models.FieldErrors{"accept": "volunteers.answer.required"}
	}
	ans, err := models.AnswerNeedInvitation(c.UserContext(), a.db.Gorm, u, id, *in.Accept)
	if err != nil {
		return err
	}
	return c.JSON(ans)
}

// apiVolunteerHoursReport is the confirmed hours per neighbourhood and month, as JSON or, with
// format=csv, as a spreadsheet file.
func (a *app) apiVolunteerHoursReport(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	f := models.FiguresFilter{NeighbourhoodID: queryID(c, "neighbourhood", fe), From: queryMonth(c, "from", fe), To: queryMonth(c, "to", fe)}
	if err := fe.Err(); err != nil {
		return err
	}
	rows, err := models.HoursByMonth(c.UserContext(), a.db.Gorm, u, f)
	if err != nil {
		return err
	}
	if c.Query("format") != "csv" {
		return c.JSON(fiber.Map{"rows": rows})
	}
	lines := [][]string{{"neighbourhood_id", "neighbourhood", "month", "volunteers", "shifts", "hours"}}
	for _, r := range rows {
		lines = append(lines, []string{itoa(r.NeighbourhoodID), r.Neighbourhood, r.Month, strconv.Itoa(r.Volunteers),
			strconv.Itoa(r.Shifts), strconv.FormatFloat(float64(r.Minutes)/60, 'f', 2, 64)})
	}
	return sendCSV(c, "volunteer-hours.csv", lines)
}

// apiVolunteerCoverage is how well the needs' shifts between from and to (default: the coming
// 30 days) are covered, least covered first; format=csv for a file.
func (a *app) apiVolunteerCoverage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	fe := models.FieldErrors{}
	hood := queryID(c, "neighbourhood", fe)
	from := queryMoment(c, "from", time.Now(), fe)
	to := queryMoment(c, "to", from.AddDate(0, 0, 30), fe)
	if err := fe.Err(); err != nil {
		return err
	}
	rows, err := models.Coverage(c.UserContext(), a.db.Gorm, u, hood, from, to)
	if err != nil {
		return err
	}
	if c.Query("format") != "csv" {
		return c.JSON(fiber.Map{"needs": rows})
	}
	lines := [][]string{{"need_id", "title", "neighbourhood_id", "status", "shifts", "places", "places_taken", "reserve", "full_shifts", "next_open_shift"}}
	for _, r := range rows {
		next := ""
		if r.NextOpenShift != nil {
			next = r.NextOpenShift.In(a.cfg.Location).Format(time.RFC3339)
		}
		lines = append(lines, []string{itoa(r.NeedID), r.Title, itoa(r.NeighbourhoodID), string(r.Status), strconv.Itoa(r.Shifts),
			strconv.Itoa(r.Places), strconv.Itoa(r.PlacesTaken), strconv.Itoa(r.Reserve), strconv.Itoa(r.FullShifts), next})
	}
	return sendCSV(c, "volunteer-coverage.csv", lines)
}

// sendCSV answers with a CSV file (RFC 4180, UTF-8 with a byte order mark so spreadsheet programs
// read the accents right).
func sendCSV(c *fiber.Ctx, name string, lines [][]string) error {
	var b strings.Builder
	b.WriteString("\ufeff")
	for _, l := range lines {
		for i, cell := range l {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(cell, "\",\r\n") || strings.HasPrefix(cell, " ") {
				cell = `"` + strings.ReplaceAll(cell, `"`, `""`) + `"`
			}
			// A cell starting with = + - @ is a formula to a spreadsheet: never run what people typed.
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				cell = "'" + cell
			}
			b.WriteString(cell)
		}
		b.WriteString("\r\n")
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.SendString(b.String())
}

// queryNumber reads a whole number between lo and hi from the query; absent is lo.
func queryNumber(c *fiber.Ctx, name string, lo, hi int, fe models.FieldErrors) int {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return lo
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		fe[name] = "volunteers.query.number"
		return lo
	}
	return n
}

// queryID reads an optional id from the query (0: absent).
func queryID(c *fiber.Ctx, name string, fe models.FieldErrors) int64 {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return 0
	}
	id, ok := parseID(v)
	if !ok {
		fe[name] = "volunteers.query.id"
	}
	return id
}

// queryMoment reads an RFC 3339 time from the query (a + sent unescaped arrives as a space).
func queryMoment(c *fiber.Ctx, name string, def time.Time, fe models.FieldErrors) time.Time {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return def
	}
	t, err := time.Parse(time.RFC3339, strings.ReplaceAll(v, " ", "+"))
	if err != nil {
		fe[name] = "volunteers.query.time"
		return def
	}
	return t
}

// queryMonth reads a month, 2026-03, from the query (zero: absent).
func queryMonth(c *fiber.Ctx, name string, fe models.FieldErrors) models.Date {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return models.Date{}
	}
	d, err := models.ParseDate(v + "-01")
	if err != nil {
		fe[name] = "volunteers.query.month"
	}
	return d
}

// reasonJSON is one reason for a match: its message id and values, and the words in the
// reader's language.
type reasonJSON struct {
	models.Reason
	Text string `json:"text"`
}

// volunteerWords words skills, life domains, languages and match reasons in one language, with
// one translator for the whole request.
type volunteerWords struct {
	loc    *i18n.Localizer
	lang   string
	cache  map[string]string // this request's words
	shared *wordCache        // every request's, per language
}

func (a *app) volunteerWords(c *fiber.Ctx) *volunteerWords {
	lang := requestLang(c)
	return &volunteerWords{loc: a.views.localizer(lang), lang: lang, cache: map[string]string{}, shared: &a.views.words}
}

// wordCache keeps worded reasons and names for all requests: the catalog is built into the
// binary and never changes while Nabij runs, and wording them anew (go-i18n runs a template per
// message) was a tenth of Nabij's time for a ranking. Bounded, since reasons carry counts and
// lists: past the limit, new words are still made, just not kept.
type wordCache struct {
	m    sync.Map // language + "\x00" + key -> string
	size atomic.Int64
}

const wordCacheLimit = 20000

func (c *wordCache) get(lang, key string) (string, bool) {
	v, ok := c.m.Load(lang + "\x00" + key)
	if !ok {
		return "", false
	}
	return v.(string), true
}

func (c *wordCache) put(lang, key, text string) {
	if c.size.Load() >= wordCacheLimit {
		return
	}
	if _, loaded := c.m.LoadOrStore(lang+"\x00"+key, text); !loaded {
		c.size.Add(1)
	}
}

// word is a worded message from this request's cache, then the shared one, else made by build.
func (w *volunteerWords) word(key string, build func() string) string {
	if s, ok := w.cache[key]; ok {
		return s
	}
	s, ok := w.shared.get(w.lang, key)
	if !ok {
		s = build()
		w.shared.put(w.lang, key, s)
	}
	w.cache[key] = s
	return s
}

// t translates a message id without values, once per request; an unknown id shows as its last
// part (a code the catalog does not name yet).
func (w *volunteerWords) t(id string) string {
	return w.word(id, func() string {
		s, err := w.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
		if err != nil {
			s = id[strings.LastIndexByte(id, '.')+1:]
		}
		return s
	})
}

func (w *volunteerWords) skill(code string) string    { return w.t("volunteers.skill." + code) }
func (w *volunteerWords) domain(code string) string   { return w.t("volunteers.domain." + code) }
func (w *volunteerWords) language(code string) string { return w.t("volunteers.language." + code) }

// list joins words as people write them: "Arabisch, Frans en Turks".
func (w *volunteerWords) list(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + w.t("volunteers.and") + " " + words[len(words)-1]
}

// reasons words each reason: codes become names, a weekday and part of the day become words.
// A list of matches repeats the same reasons many times: each is worded once (wordCache).
func (w *volunteerWords) reasons(rs []models.Reason) []reasonJSON {
	out := make([]reasonJSON, len(rs))
	for i, r := range rs {
		key := r.ID
		if len(r.Values) > 0 {
			key += fmt.Sprint(r.Values)
		}
		out[i] = reasonJSON{Reason: r, Text: w.word(key, func() string { return w.reason(r) })}
	}
	return out
}

// reason words one reason.
func (w *volunteerWords) reason(r models.Reason) string {
	data := map[string]any{}
	for k, v := range r.Values {
		switch k {
		case "languages":
			data["Languages"] = w.names(v, w.language)
		case "skills":
			data["Skills"] = w.names(v, w.skill)
		case "domains":
			data["Domains"] = w.names(v, w.domain)
		case "weekday":
			data["Weekday"] = w.t(fmt.Sprintf("weekday.%v", v))
		case "part":
			data["Part"] = w.t(fmt.Sprintf("volunteers.daypart.%v", v))
		case "count":
			data["Count"] = v
		}
	}
	text, err := w.loc.Localize(&i18n.LocalizeConfig{MessageID: r.ID, TemplateData: data})
	if err != nil {
		return r.ID
	}
	return text
}

// names words a list of codes.
func (w *volunteerWords) names(v any, name func(string) string) string {
	codes, _ := v.([]string)
	words := make([]string, len(codes))
	for i, c := range codes {
		words[i] = name(c)
	}
	return w.list(words)
}
