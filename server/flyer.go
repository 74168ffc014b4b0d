package main

import (
	"encoding/base64"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"nabij/models"
)

// The printable meetup flyer: what, when and where, the practical facts, and a QR code to the
// meetup page, for a notice board or a shop window.

// qrPNGDataURL is a QR code of text as an inline PNG, for an <img> on a printable page (the CSP
// allows data: images, and a printed page needs no second request).
func qrPNGDataURL(text string, size int) (template.URL, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png)), nil
}

// meetupURL is the public address of a meetup page, for QR codes and feeds.
func (a *app) meetupURL(id int64) string { return a.cfg.BaseURL + "/meetups/" + itoa(id) }

// flyerFact is one practical fact on a flyer, shown as an icon with text: a message id and the
// value to put in it.
type flyerFact struct {
	Icon, ID, Value string
}

// flyerFacts are the facts a meetup states, in a fixed order; a fact not stated is left out, and
// "no" is said as clearly as "yes".
func flyerFacts(m *models.Meetup) []flyerFact {
	x := m.Facts
	var out []flyerFact
	stated := func(v *bool, icon, id string) {
		if v != nil && *v {
			out = append(out, flyerFact{Icon: icon, ID: id})
		} else if v != nil {
			out = append(out, flyerFact{Icon: icon, ID: id + "_no"})
		}
	}
	stated(x.WheelchairAccessible, "♿", "checkins.fact.wheelchair")
	stated(x.ChildFriendly, "🧸", "checkins.fact.children")
	if x.Free {
		out = append(out, flyerFact{Icon: "€", ID: "checkins.fact.free"})
	} else {
		out = append(out, flyerFact{Icon: "€", ID: "checkins.fact.cost", Value: x.Cost})
	}
	if len(x.Languages) > 0 {
		out = append(out, flyerFact{Icon: "🗣", ID: "checkins.fact.languages", Value: languageNames(x.Languages)})
	}
	stated(x.Interpreter, "🤝", "checkins.fact.interpreter")
	stated(x.QuietSpace, "🤫", "checkins.fact.quiet")
	stated(x.FoodProvided, "🍲", "checkins.fact.food")
	if m.Capacity != nil {
		out = append(out, flyerFact{Icon: "👥", ID: "checkins.fact.capacity", Value: strconv.Itoa(*m.Capacity)})
	}
	return out
}

// languageNames are the languages spoken at a meetup, each in its own language ("Nederlands,
// français"), so that people recognise theirs on a flyer.
func languageNames(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, code := range codes {
		name := display.Self.Name(language.Make(code))
		if name == "" {
			name = code
		}
		names = append(names, name)
	}
	return strings.Join(names, ", ")
}

// meetupFlyerPage is an A4 flyer of a meetup anyone who may see it can print.
func (a *app) meetupFlyerPage(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	m, err := models.MeetupByID(c.UserContext(), a.db.Gorm, user(c), id)
	if err != nil {
		return err
	}
	link := a.meetupURL(m.ID)
	qr, err := qrPNGDataURL(link, 320)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "meetup_flyer", fiber.Map{"Meetup": m, "Link": link, "QR": qr,
		"Facts": flyerFacts(m)})
}
