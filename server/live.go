package main

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"

	"nabij/models"
)

// Live updates in the pages: frontend/static/live.js follows the websocket topics a page names in
// its markup. Here is what the script needs from the server: who is signed in, the event id the
// page is current up to, and its words in the reader's language.

// liveInfo goes on the body of every page for someone signed in (anonymous visitors cannot
// follow topics: meetups' topics carry names).
type liveInfo struct {
	User  int64
	Since int64
	Texts string // JSON: message key -> text with {placeholders} the script fills in
}

// liveKinds are the notifications the script words as a short message; the wording is the
// notifications page's own.
var liveKinds = []models.NotificationKind{
	models.NotifyPromoted, models.NotifyMeetupChanged, models.NotifyMeetupCancelled,
	models.NotifyAnnouncement, models.NotifyJoinRequest, models.NotifyRequestAccepted,
	models.NotifyRequestDeclined, models.NotifyInvitation,
	// volunteers (issue 6)
	models.NotifyVolunteerInvited, models.NotifyInvitationAccepted, models.NotifyInvitationDeclined,
	models.NotifyShiftChanged, models.NotifyShiftCancelled, models.NotifyNeedCancelled,
	models.NotifyReservePromoted, models.NotifyHoursToConfirm,
}

// liveTexts words what the script may show, once per language at start.
func liveTexts(b *i18n.Bundle, lang string) (string, error) {
	loc := i18n.NewLocalizer(b, lang)
	say := func(id string, data map[string]any) string {
		s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
		if err != nil {
			return id // a test checks that every id exists
		}
		return s
	}
	n := map[string]any{"Value": "{n}"}
	t := map[string]string{
		"badge":            say("notifications.badge", map[string]any{"Count": "{n}"}),
		"open":             say("live.open", nil),
		"close":            say("live.close", nil),
		"seats.left":       say("meetups.seats.left", n),
		"seats.going":      say("meetups.seats.going", n),
		"seats.waitlist":   say("meetups.seats.waitlist", n),
		"seats.full":       say("meetups.seats.full", nil),
		"status.cancelled": say("meetups.status.cancelled", nil),
		"status.draft":     say("meetups.status.draft", nil),
		"need":             say("vpages.live.need", nil), // a need whose title the event does not carry
	}
	names := map[string]any{"Meetup": "{meetup}", "Group": "{group}", "Actor": "{actor}", "Need": "{need}"}
	for _, k := range liveKinds {
		t["kind."+string(k)] = say("notification."+string(k), names)
	}
	out, err := json.Marshal(t)
	return string(out), err
}

// live is the page's liveInfo, or nil when nobody is signed in.
func (a *app) liveFor(c *fiber.Ctx, u *models.User, lang string) *liveInfo {
	if u == nil {
		return nil
	}
	since, _ := c.Locals("live_since").(int64)
	return &liveInfo{User: u.ID, Since: since, Texts: a.views.live[lang]}
}
