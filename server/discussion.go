package main

import (
	"sort"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// A group's discussion: posts with comments, for its members. The page shows it on the group
// page (see renderGroup); these handlers write in it, and the API reads and writes it.

// discussionJSON is one page of a discussion, newest post first. next_before asks for the next
// (older) page; hiders names the moderators who hid something on this page (moderators only).
type discussionJSON struct {
	Posts      []models.Post       `json:"posts"`
	NextBefore *int64              `json:"next_before,omitempty"`
	Hiders     []models.PublicUser `json:"hiders,omitempty"`
}

type messageRequest struct {
	Body string `json:"body"`
}

// createPost writes a post in the group's discussion from the group page.
func (a *app) createPost(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	p, err := models.CreatePost(c.UserContext(), a.db.Gorm, u, g.ID, c.FormValue("body"))
	if err != nil {
		return "", err
	}
	return groupPath(g, "#post-"+itoa(p.ID)), nil
}

// commentForm replies to a post from the group page; a mistake shows the page again with the
// comment under its post (the form sends post_id for that).
func (a *app) commentForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	postID, err := paramID(c, "id")
	if err != nil {
		return err
	}
	g, err := models.GroupOfPost(c.UserContext(), a.db.Gorm, u, postID)
	if err != nil {
		return err
	}
	cm, err := models.CommentOnPost(c.UserContext(), a.db.Gorm, u, postID, c.FormValue("body"))
	if err != nil {
		return a.groupFormFailure(c, g, "comment", err)
	}
	return c.Redirect(groupPath(g, "#comment-"+itoa(cm.ID)), fiber.StatusSeeOther)
}

// apiPosts answers one page of the discussion: ?before=ID for older posts, ?limit=N (at most 100).
func (a *app) apiPosts(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	before, _ := parseID(c.Query("before"))
	limit := c.QueryInt("limit", discussionPageSize)
	page, err := models.Discussion(c.UserContext(), a.db.Gorm, user(c), id, before, limit)
	if err != nil {
		return err
	}
	out := discussionJSON{Posts: page.Posts}
	if out.Posts == nil {
		out.Posts = []models.Post{}
	}
	if page.More {
		out.NextBefore = &page.Posts[len(page.Posts)-1].ID
	}
	for _, p := range page.Hiders {
		out.Hiders = append(out.Hiders, p)
	}
	sort.Slice(out.Hiders, func(i, j int) bool { return out.Hiders[i].ID < out.Hiders[j].ID })
	return c.JSON(out)
}

func (a *app) apiCreatePost(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in messageRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := models.CreatePost(c.UserContext(), a.db.Gorm, u, id, in.Body)
	if err != nil {
		return err
	}
	p.Comments = []models.PostComment{}
	return c.Status(fiber.StatusCreated).JSON(p)
}

func (a *app) apiComment(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in messageRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cm, err := models.CommentOnPost(c.UserContext(), a.db.Gorm, u, id, in.Body)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cm)
}
