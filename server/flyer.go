package main

import (
	"encoding/base64"
	"html/template"

	"github.com/gofiber/fiber/v2"
	qrcode "github.com/skip2/go-qrcode"

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
	words := a.meetupWords(c)
	facts := words.facts(m) // the same facts, worded the same, as on the meetup page
	if m.Capacity != nil {
		facts = append(facts, factLine{"👥", words.say("checkins.fact.capacity", *m.Capacity)})
	}
	return a.render(c, fiber.StatusOK, "meetup_flyer", fiber.Map{"Meetup": m, "Link": link, "QR": qr, "Facts": facts})
}
