package main

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"nabij/models"
)

// A meetup in words: its time, place, places left, practical facts and where the reader stands,
// worded and formatted in Go so that an agenda of fifty meetups is a template that only places
// text (html/template spends most of its time on each action it evaluates).

// meetupWords translates the words of meetup lines for one request, remembering each: an agenda
// says "Gratis" or "Nog plaatsen: 3" many times.
type meetupWords struct {
	loc  *i18n.Localizer
	tz   *time.Location
	memo map[string]string
}

func (a *app) meetupWords(c *fiber.Ctx) *meetupWords {
	return &meetupWords{loc: a.views.localizer(requestLang(c)), tz: a.cfg.Location, memo: map[string]string{}}
}

// say is a message in the reader's language, with value in its {{.Value}} when not nil.
func (w *meetupWords) say(id string, value any) string {
	if value == nil {
		return w.sayWith(id, id, nil)
	}
	return w.sayWith(id+"\x00"+fmt.Sprint(value), id, map[string]any{"Value": value})
}

// sayWith is a message with its values, remembered under key.
func (w *meetupWords) sayWith(key, id string, data map[string]any) string {
	if s, ok := w.memo[key]; ok {
		return s
	}
	s, err := w.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		s = id
	}
	w.memo[key] = s
	return s
}

// day is a date as people say it, as page.Day words it: "dinsdag 24 november".
func (w *meetupWords) day(t time.Time) string {
	t = t.In(w.tz)
	s := w.sayWith("\x00day"+t.Format(time.DateOnly), "date.day", map[string]any{
		"Weekday": w.say("weekday."+strconv.Itoa(int(t.Weekday())), nil), "Day": t.Day(),
		"Month": w.say("month."+strconv.Itoa(int(t.Month())), nil)})
	if t.Year() != time.Now().In(w.tz).Year() {
		s += " " + strconv.Itoa(t.Year())
	}
	return s
}

// meetupLine is a meetup as a list shows it.
type meetupLine struct {
	ID               int64
	Title, Group     string
	Place            string // the place's name, else its address, else "Online"
	Start, End       string // time of day
	StartISO, EndISO string
	Seats            string // places left, full and the waitlist, or cancelled
	Full             bool
	Cancelled        bool
	Mine             string // where the reader stands, "" when they did not sign up
	Facts            []factLine
}

// factLine is one practical fact: an icon with text.
type factLine struct{ Icon, Text string }

// line words a meetup; group is its group's name, mine the reader's sign-up (both may be empty).
func (w *meetupWords) line(m *models.Meetup, group string, mine *models.RSVPResult) meetupLine {
	start, end := m.StartsAt.In(w.tz), m.EndsAt.In(w.tz)
	l := meetupLine{ID: m.ID, Title: m.Title, Group: group, Place: m.Place.Name,
		Start: start.Format("15:04"), End: end.Format("15:04"), StartISO: start.Format(time.RFC3339), EndISO: end.Format(time.RFC3339),
		Cancelled: m.Status == models.MeetupCancelled, Facts: w.facts(m)}
	if l.Place == "" {
		l.Place = m.Place.Address
	}
	if l.Place == "" && m.OnlineURL != nil {
		l.Place = w.say("meetups.online", nil)
	}
	l.Seats, l.Full = w.seats(m)
	if mine != nil {
		l.Mine = w.mine(mine)
	}
	return l
}

// seats says how many places are left, or that it is full and how many wait, or its status.
func (w *meetupWords) seats(m *models.Meetup) (string, bool) {
	switch left := m.SeatsLeft(); {
	case m.Status == models.MeetupCancelled:
		return w.say("meetups.status.cancelled", nil), false
	case m.Status == models.MeetupDraft:
		return w.say("meetups.status.draft", nil), false
	case left < 0:
		return w.say("meetups.seats.going", m.SeatsTaken), false
	case left > 0:
		return w.say("meetups.seats.left", left), false
	case m.WaitlistCount > 0:
		return w.say("meetups.seats.full", nil) + " · " + w.say("meetups.seats.waitlist", m.WaitlistCount), true
	}
	return w.say("meetups.seats.full", nil), true
}

// mine says where someone stands: going (with companions), number N on the waitlist, not going.
func (w *meetupWords) mine(r *models.RSVPResult) string {
	switch {
	case r.RSVP.Status == models.RSVPWaitlisted:
		return w.say("meetups.mine.waitlisted", r.Position)
	case r.RSVP.Status == models.RSVPNotGoing:
		return w.say("meetups.mine.not_going", nil)
	case r.RSVP.Companions > 0:
		return w.say("meetups.mine.going_with", r.RSVP.Companions)
	}
	return w.say("meetups.mine.going", nil)
}

// facts are the practical facts a meetup states, in a fixed order; facts not stated are left out.
func (w *meetupWords) facts(m *models.Meetup) []factLine {
	f := m.Facts
	var out []factLine
	tri := func(v *bool, icon, yes, no string) {
		if v != nil && *v {
			out = append(out, factLine{icon, w.say(yes, nil)})
		} else if v != nil {
			out = append(out, factLine{icon, w.say(no, nil)})
		}
	}
	tri(f.WheelchairAccessible, "♿", "meetups.fact.wheelchair", "meetups.fact.no_wheelchair")
	tri(f.ChildFriendly, "🧸", "meetups.fact.children", "meetups.fact.no_children")
	if f.Free {
		out = append(out, factLine{"€", w.say("meetups.fact.free", nil)})
	} else {
		out = append(out, factLine{"€", w.say("meetups.fact.cost", f.Cost)})
	}
	if len(f.Languages) > 0 {
		out = append(out, factLine{"🗣", w.say("meetups.fact.languages", languageList(f.Languages))})
	}
	tri(f.Interpreter, "🤝", "meetups.fact.interpreter", "meetups.fact.no_interpreter")
	tri(f.QuietSpace, "🤫", "meetups.fact.quiet", "meetups.fact.no_quiet")
	tri(f.FoodProvided, "🍲", "meetups.fact.food", "meetups.fact.no_food")
	return out
}

// agendaHTML writes the days of an agenda: a heading per day and a line per meetup. It is written
// here rather than in a template because html/template makes a reflective call for every action,
// some forty microseconds per meetup line: fifty lines were most of the agenda's time. Every text
// goes through html.EscapeString.
func (w *meetupWords) agendaHTML(days []agendaDay) template.HTML {
	var b strings.Builder
	b.Grow(len(days) * 1200)
	for _, d := range days {
		b.WriteString(`<section class="agenda-day"><h2><time datetime="`)
		b.WriteString(d.Date.In(w.tz).Format(time.DateOnly))
		b.WriteString(`">`)
		b.WriteString(html.EscapeString(w.day(d.Date)))
		b.WriteString("</time></h2>\n<ul class=\"meetups\">\n")
		for i := range d.Lines {
			writeMeetupLine(&b, &d.Lines[i])
		}
		b.WriteString("</ul></section>\n")
	}
	return template.HTML(b.String())
}

// writeMeetupLine writes one meetup of an agenda: time, title, group, place, places and facts.
func writeMeetupLine(b *strings.Builder, l *meetupLine) {
	esc := func(s string) { b.WriteString(html.EscapeString(s)) }
	b.WriteString(`<li class="meetup-item`)
	if l.Cancelled {
		b.WriteString(` is-cancelled`)
	}
	b.WriteString(`"><p class="meetup-time"><time datetime="`)
	esc(l.StartISO)
	b.WriteString(`">`)
	esc(l.Start)
	b.WriteString(`</time>–<time datetime="`)
	esc(l.EndISO)
	b.WriteString(`">`)
	esc(l.End)
	b.WriteString(`</time></p><div><h3 class="meetup-title"><a href="/meetups/`)
	b.WriteString(strconv.FormatInt(l.ID, 10))
	b.WriteString(`">`)
	esc(l.Title)
	b.WriteString(`</a></h3>`)
	if l.Group != "" {
		b.WriteString(`<p class="muted">`)
		esc(l.Group)
		b.WriteString(`</p>`)
	}
	if l.Place != "" {
		b.WriteString(`<p>`)
		esc(l.Place)
		b.WriteString(`</p>`)
	}
	writeSeats(b, l)
	writeFacts(b, l.Facts)
	b.WriteString("</div></li>\n")
}

// writeSeats writes the places left (or full, or cancelled) and where the reader stands.
func writeSeats(b *strings.Builder, l *meetupLine) {
	b.WriteString(`<p class="meetup-seats">`)
	switch {
	case l.Full:
		b.WriteString(`<strong>` + html.EscapeString(l.Seats) + `</strong>`)
	case l.Cancelled:
		b.WriteString(`<span class="tag tag-cancelled">` + html.EscapeString(l.Seats) + `</span>`)
	default:
		b.WriteString(html.EscapeString(l.Seats))
	}
	if l.Mine != "" {
		b.WriteString(` <span class="tag">` + html.EscapeString(l.Mine) + `</span>`)
	}
	b.WriteString(`</p>`)
}

// writeFacts writes the practical facts as icons with text.
func writeFacts(b *strings.Builder, facts []factLine) {
	if len(facts) == 0 {
		return
	}
	b.WriteString(`<ul class="facts">`)
	for _, f := range facts {
		b.WriteString(`<li><span class="fact-icon" aria-hidden="true">` + html.EscapeString(f.Icon) + `</span> ` + html.EscapeString(f.Text) + `</li>`)
	}
	b.WriteString(`</ul>`)
}
