package main

import (
	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// notificationsPage lists a person's notifications and marks the ones shown as read: seeing
// them is reading them, which is what people expect on a phone.
func (a *app) notificationsPage(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	ns, err := models.Notifications(c.UserContext(), a.db.Gorm, u.ID, 50)
	if err != nil {
		return err
	}
	if len(ns) > 0 {
		if err := models.MarkNotificationsRead(c.UserContext(), a.db.Gorm, u.ID, ns[0].ID); err != nil {
			return err
		}
	}
	return a.render(c, fiber.StatusOK, "notifications", fiber.Map{"Notifications": ns})
}

// announcePage is the organiser's form for a message to everyone signed up for a meetup.
func (a *app) announcePage(c *fiber.Ctx) error {
	_, m, err := a.organisedMeetup(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "announce", fiber.Map{"Meetup": m})
}

func (a *app) announce(c *fiber.Ctx) error {
	u, m, err := a.organisedMeetup(c)
	if err != nil {
		return err
	}
	n, err := models.Announce(c.UserContext(), a.db.Gorm, u, m.ID, c.FormValue("body"))
	if err != nil {
		f, status, err := a.formFailure(c, err, formValues(c, "body"))
		if err != nil {
			return err
		}
		return a.render(c, status, "announce", fiber.Map{"Meetup": m, "Form": f})
	}
	return a.render(c, fiber.StatusOK, "announce", fiber.Map{"Meetup": m, "Sent": true, "Reached": n})
}

func (a *app) apiNotifications(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	ns, err := models.Notifications(c.UserContext(), a.db.Gorm, u.ID, c.QueryInt("limit", 50))
	if err != nil {
		return err
	}
	unread, err := models.UnreadNotifications(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	if ns == nil {
		ns = []models.Notification{}
	}
	return c.JSON(fiber.Map{"notifications": ns, "unread": unread})
}

// apiReadNotifications marks notifications read up to an id (all when none is given).
func (a *app) apiReadNotifications(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var in struct {
		UpTo int64 `json:"up_to"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	if err := models.MarkNotificationsRead(c.UserContext(), a.db.Gorm, u.ID, in.UpTo); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *app) apiAnnounce(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	n, err := models.Announce(c.UserContext(), a.db.Gorm, u, id, in.Body)
	if err != nil {
		return domainError(err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"reached": n})
}
