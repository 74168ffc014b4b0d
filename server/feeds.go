package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
	"nabij/models/ical"
	"nabij/models/recurrence"
)

// Calendar feeds (RFC 5545) of one meetup, a group, a neighbourhood and a person's own agenda
// behind a secret URL, so that people can subscribe in Google Calendar, Outlook or Apple
// Calendar. A feed shows what the one asking may see: calendar apps ask without signing in, so
// they get public meetups only. Drafts and hidden meetups are never in a feed.

// feedHistory is how far back the calendar feeds go, so that last month's meetups stay in the
// calendar while the feed stays small.
const feedHistory = 90 * 24 * time.Hour

// feedLimit is the most meetups one feed lists.
const feedLimit = 1000

// plainPage is a page without a template, for the dates and words of feeds in a language.
func (a *app) plainPage(lang string) page {
	return page{Lang: lang, loc: a.views.localizer(lang), tz: a.cfg.Location}
}

// feedable keeps the meetups a feed shows: published and cancelled ones that are not hidden.
func feedable(ms []models.Meetup) []models.Meetup {
	out := make([]models.Meetup, 0, len(ms))
	for _, m := range ms {
		if m.Status != models.MeetupDraft && !m.Hidden() {
			out = append(out, m)
		}
	}
	return out
}

// icsUID is an event's UID: the same for the life of the meetup or series, whoever fetches it.
func (a *app) icsUID(kind string, id int64) string {
	host := "nabij"
	if u, err := url.Parse(a.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return kind + "-" + itoa(id) + "@" + host
}

// placeText is where a meetup happens in one line: the place, else the online link.
func placeText(m *models.Meetup) string {
	var parts []string
	for _, s := range []string{m.Place.Name, m.Place.Address} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 && m.OnlineURL != nil {
		return *m.OnlineURL
	}
	return strings.Join(parts, ", ")
}

// paragraphs joins the non-empty parts of a description with a blank line.
func paragraphs(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// icsEvent is one meetup as a calendar event of its own.
func (a *app) icsEvent(p page, m *models.Meetup) ical.Event {
	e := ical.Event{UID: a.icsUID("meetup", m.ID), Start: m.StartsAt, End: m.EndsAt, Summary: m.Title,
		Description: m.Description, Location: placeText(m), URL: a.meetupURL(m.ID), Lat: m.Place.Lat, Lon: m.Place.Lon,
		Status: ical.StatusConfirmed, Sequence: m.Sequence, Updated: m.UpdatedAt}
	if m.OnlineURL != nil && e.Location != *m.OnlineURL {
		e.Description = paragraphs(e.Description, p.T("checkins.feed.online")+" "+*m.OnlineURL)
	}
	if m.Status == models.MeetupCancelled {
		reason := ""
		if m.CancelReason != nil {
			reason = *m.CancelReason
		}
		e.Status, e.Description = ical.StatusCancelled, paragraphs(p.Tf("checkins.feed.cancelled", "Reason", reason), e.Description)
	}
	return e
}

// calendarEvents turns the meetups of a group or neighbourhood feed into events: a meetup on its
// own as one event, a recurring meetup once, as its series.
func (a *app) calendarEvents(ctx context.Context, p page, viewer *models.User, ms []models.Meetup) ([]ical.Event, error) {
	var events []ical.Event
	seen := map[int64]bool{}
	for _, m := range feedable(ms) {
		if m.SeriesID == nil {
			events = append(events, a.icsEvent(p, &m))
			continue
		}
		if seen[*m.SeriesID] {
			continue
		}
		seen[*m.SeriesID] = true
		series, err := a.seriesEvents(ctx, p, viewer, *m.SeriesID)
		if err != nil {
			return nil, err
		}
		events = append(events, series...)
	}
	return events, nil
}

// seriesEvents writes a recurring meetup the way calendar apps expect it: one event with the
// repeat rule and an EXDATE for every occurrence that is cancelled (or that the viewer may not
// see), and an event with a RECURRENCE-ID for every occurrence that differs from the rule.
func (a *app) seriesEvents(ctx context.Context, p page, viewer *models.User, seriesID int64) ([]ical.Event, error) {
	s, err := models.SeriesByID(ctx, a.db.Gorm, viewer, seriesID)
	if err != nil {
		return nil, err
	}
	ms, err := models.Meetups(ctx, a.db.Gorm, viewer, models.MeetupFilter{SeriesID: s.ID, Limit: feedLimit})
	if err != nil {
		return nil, err
	}
	loc, err := s.Location()
	if err != nil {
		return nil, err
	}
	duration := time.Duration(s.DurationSeconds) * time.Second
	rule, err := recurrence.Parse(s.RRule, s.FirstStart, duration, loc)
	if err != nil {
		return nil, err
	}
	master, shown, ok := a.seriesMaster(p, s, feedable(ms))
	if !ok {
		return nil, nil
	}
	events := []ical.Event{{}}
	for _, o := range rule.Occurrences(s.FirstStart, s.FirstStart.AddDate(recurrence.MaxYears+1, 0, 0), 0) {
		e, ok := shown[o.Start.Unix()]
		switch {
		case !ok:
			master.ExDates = append(master.ExDates, o.Start)
		case !e.Start.Equal(o.Start) || e.End.Sub(e.Start) != duration || eventContent(e) != eventContent(master):
			e.UID, e.RecurrenceID = master.UID, &o.Start
			events = append(events, e)
		}
	}
	events[0] = master
	return events, nil
}

// seriesMaster is the event that carries a series' rule, with the content most of its occurrences
// share, and the occurrences that take place by their start in the rule. ok is false when the
// viewer may see none of the series' meetups.
func (a *app) seriesMaster(p page, s *models.MeetupSeries, ms []models.Meetup) (master ical.Event, shown map[int64]ical.Event, ok bool) {
	if len(ms) == 0 {
		return ical.Event{}, nil, false
	}
	shown = map[int64]ical.Event{}
	votes, best := map[string]int{}, 0
	master = a.icsEvent(p, &ms[0])
	for i := range ms {
		m := &ms[i]
		master.Sequence = max(master.Sequence, m.Sequence)
		if m.UpdatedAt.After(master.Updated) {
			master.Updated = m.UpdatedAt
		}
		if m.Status == models.MeetupCancelled || m.OccurrenceStart == nil {
			continue
		}
		e := a.icsEvent(p, m)
		shown[m.OccurrenceStart.Unix()] = e
		k := eventContent(e)
		if votes[k]++; votes[k] > best {
			best = votes[k]
			master.Summary, master.Description, master.Location, master.URL, master.Lat, master.Lon = e.Summary, e.Description, e.Location, e.URL, e.Lat, e.Lon
		}
	}
	if s.UpdatedAt.After(master.Updated) {
		master.Updated = s.UpdatedAt
	}
	duration := time.Duration(s.DurationSeconds) * time.Second
	master.UID, master.Start, master.End = a.icsUID("series", s.ID), s.FirstStart, s.FirstStart.Add(duration)
	master.RRule, master.Status = s.RRule, ical.StatusConfirmed
	return master, shown, true
}

// eventContent is what an occurrence must share with its series to need no event of its own.
// The link is left out: every occurrence has its own page.
func eventContent(e ical.Event) string {
	geo := ""
	if e.Lat != nil && e.Lon != nil {
		geo = strconv.FormatFloat(*e.Lat, 'f', -1, 64) + ";" + strconv.FormatFloat(*e.Lon, 'f', -1, 64)
	}
	return strings.Join([]string{e.Summary, e.Description, e.Location, geo}, "\x00")
}

// sendCalendar writes a feed; download names the file for a one-off download ("" for a feed to
// subscribe to).
func (a *app) sendCalendar(c *fiber.Ctx, name string, events []ical.Event, download string) error {
	var buf bytes.Buffer
	if _, err := (ical.Calendar{Name: name, Location: a.cfg.Location, Events: events}).WriteTo(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	if download != "" {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+download+`"`)
	}
	return c.Send(buf.Bytes())
}

// meetupICS is one meetup as a file to open in a calendar app; for an occurrence of a series,
// that one occurrence.
func (a *app) meetupICS(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	m, err := models.MeetupByID(c.UserContext(), a.db.Gorm, user(c), id)
	if err != nil {
		return err
	}
	e := a.icsEvent(a.plainPage(requestLang(c)), m)
	return a.sendCalendar(c, m.Title, []ical.Event{e}, "meetup-"+itoa(m.ID)+".ics")
}

func (a *app) groupCalendar(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ctx, viewer, p := c.UserContext(), user(c), a.plainPage(requestLang(c))
	g, err := models.GroupByID(ctx, a.db.Gorm, viewer, id)
	if err != nil {
		return err
	}
	ms, err := models.Meetups(ctx, a.db.Gorm, viewer, models.MeetupFilter{GroupID: g.ID, From: time.Now().Add(-feedHistory), Limit: feedLimit})
	if err != nil {
		return err
	}
	events, err := a.calendarEvents(ctx, p, viewer, ms)
	if err != nil {
		return err
	}
	return a.sendCalendar(c, p.Tf("checkins.feed.calendar_name", "Name", g.Name), events, "")
}

func (a *app) neighbourhoodCalendar(c *fiber.Ctx) error {
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	ctx, viewer, p := c.UserContext(), user(c), a.plainPage(requestLang(c))
	f := models.MeetupFilter{NeighbourhoodIDs: []int64{n.ID}, From: time.Now().Add(-feedHistory), Limit: feedLimit}
	ms, err := models.Meetups(ctx, a.db.Gorm, viewer, f)
	if err != nil {
		return err
	}
	events, err := a.calendarEvents(ctx, p, viewer, ms)
	if err != nil {
		return err
	}
	return a.sendCalendar(c, p.Tf("checkins.feed.calendar_name", "Name", n.Name), events, "")
}

// personalCalendar is a person's own agenda behind the secret in the URL: the meetups they are
// going to (confirmed) or waitlisted for (tentative), in their own language.
func (a *app) personalCalendar(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, err := models.UserByCalendarToken(ctx, a.db.Gorm, c.Params("token"))
	if err != nil {
		return err
	}
	now := time.Now()
	ms, err := models.MyMeetups(ctx, a.db.Gorm, u, now.Add(-feedHistory), now.AddDate(recurrence.MaxYears+1, 0, 0))
	if err != nil {
		return err
	}
	ms = feedable(ms)
	ids := make([]int64, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	mine, err := models.RSVPsOf(ctx, a.db.Gorm, u.ID, ids)
	if err != nil {
		return err
	}
	p := a.plainPage(pickLang(u.Language, c.Get(fiber.HeaderAcceptLanguage)))
	events := make([]ical.Event, 0, len(ms))
	for i := range ms {
		e := a.icsEvent(p, &ms[i])
		if mine[ms[i].ID].RSVP.Status == models.RSVPWaitlisted && e.Status == ical.StatusConfirmed {
			e.Status, e.Description = ical.StatusTentative, paragraphs(p.T("checkins.feed.waitlisted"), e.Description)
		}
		events = append(events, e)
	}
	return a.sendCalendar(c, p.T("checkins.feed.my_calendar"), events, "")
}

// calendarLinks are the addresses of a personal feed: https to copy, webcal:// to open a calendar
// app at once, and Google Calendar's page for adding it.
type calendarLinks struct {
	URL, Google string
	Webcal      template.URL // html/template lets only http(s) and mailto links through unless told
}

func (a *app) calendarLinks(secret string) calendarLinks {
	link := a.cfg.BaseURL + "/calendar/" + secret + ".ics"
	webcal := "webcal://" + strings.TrimPrefix(strings.TrimPrefix(link, "https://"), "http://")
	return calendarLinks{URL: link, Webcal: template.URL(webcal), Google: "https://calendar.google.com/calendar/render?cid=" + url.QueryEscape(webcal)}
}

// subscribePage explains how to follow one's own agenda in a calendar app.
func (a *app) subscribePage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	live, err := models.LiveCalendarToken(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return a.render(c, fiber.StatusOK, "subscribe", fiber.Map{"Live": live})
}

// createCalendarToken makes a new personal feed address (the old one stops working) and shows it,
// this once: only a hash of its secret is kept.
func (a *app) createCalendarToken(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	secret, err := models.NewCalendarToken(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	live, err := models.LiveCalendarToken(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "subscribe", fiber.Map{"Live": live, "Links": a.calendarLinks(secret)})
}

func (a *app) revokeCalendarToken(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if err := models.RevokeCalendarTokens(c.UserContext(), a.db.Gorm, u.ID); err != nil {
		return err
	}
	return c.Redirect("/agenda/subscribe", fiber.StatusSeeOther)
}

// calendarTokenJSON is the only answer that ever holds a calendar feed's secret.
type calendarTokenJSON struct {
	Token     string `json:"token"`
	URL       string `json:"url"`
	WebcalURL string `json:"webcal_url"`
}

func (a *app) apiCreateCalendarToken(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	secret, err := models.NewCalendarToken(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	links := a.calendarLinks(secret)
	out := calendarTokenJSON{Token: secret, URL: links.URL, WebcalURL: string(links.Webcal)}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *app) apiRevokeCalendarToken(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	if err := models.RevokeCalendarTokens(c.UserContext(), a.db.Gorm, u.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// The Atom feed (RFC 4287) of a neighbourhood's upcoming public meetups, for feed readers and the
// websites of local organisations. It is the same for everyone: only public meetups.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Links     []atomLink `xml:"link"`
	Summary   string     `xml:"summary"`
	Content   atomText   `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// timeSpan is when a meetup is, in words: "dinsdag 24 november, 19:30–21:00".
func timeSpan(p page, start, end time.Time) string {
	if p.Day(start) == p.Day(end) {
		return p.When(start) + "–" + p.Clock(end)
	}
	return p.When(start) + " – " + p.When(end)
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// atomEntryOf is one meetup in the Atom feed: when and where as the summary, with the description.
func (a *app) atomEntryOf(p page, m *models.Meetup) atomEntry {
	summary := timeSpan(p, m.StartsAt, m.EndsAt)
	if where := placeText(m); where != "" {
		summary += " · " + where
	}
	link := a.meetupURL(m.ID)
	return atomEntry{ID: link, Title: m.Title, Updated: atomTime(m.UpdatedAt), Published: atomTime(m.CreatedAt),
		Links: []atomLink{{Rel: "alternate", Type: "text/html", Href: link}}, Summary: summary,
		Content: atomText{Type: "text", Text: paragraphs(summary, m.Description)}}
}

func (a *app) neighbourhoodAtom(c *fiber.Ctx) error {
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	f := models.MeetupFilter{NeighbourhoodIDs: []int64{n.ID}, From: time.Now(), Limit: 200}
	ms, err := models.Meetups(c.UserContext(), a.db.Gorm, nil, f)
	if err != nil {
		return err
	}
	p, page := a.plainPage(requestLang(c)), a.cfg.BaseURL+"/neighbourhoods/"+itoa(n.ID)
	feed := atomFeed{ID: page + "/feed.atom", Title: p.Tf("checkins.atom.title", "Name", n.Name), Author: atomPerson{Name: p.T("app.name")},
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: page + "/feed.atom"}, {Rel: "alternate", Type: "text/html", Href: page}}}
	updated := n.UpdatedAt
	for i := range ms {
		if m := &ms[i]; m.Status == models.MeetupPublished && !m.Hidden() {
			feed.Entries = append(feed.Entries, a.atomEntryOf(p, m))
			updated = laterOf(updated, m.UpdatedAt)
		}
	}
	feed.Updated = atomTime(updated)
	out, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	return c.Send(append([]byte(xml.Header), out...))
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
