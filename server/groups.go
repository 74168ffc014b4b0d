package main

import (
	"errors"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"nabij/models"
)

// Groups: the neighbourhood's list of groups, the group page with its membership actions, and
// the API for both. Who may do what is decided in models; these handlers parse, call and answer.

// groupJSON is how the API shows one group to the person asking: their role in it (null when they
// are not a member), how many members it has (only for those who may see its members), their
// pending invitation and their latest request to join.
type groupJSON struct {
	*models.Group
	MyRole       *models.GroupRole   `json:"my_role"`
	MemberCount  *int                `json:"member_count,omitempty"`
	InvitationID *int64              `json:"invitation_id,omitempty"`
	MyRequest    *models.JoinRequest `json:"my_request,omitempty"`
}

// groupItem is one line of the neighbourhood's list of groups, with the viewer's tie to it.
type groupItem struct {
	models.Group
	Role    models.GroupRole
	Invited bool
}

// groupView is what the group page shows, depending on who looks.
type groupView struct {
	Group      *models.Group
	Hood       *models.Neighbourhood
	Role       models.GroupRole // the viewer's role; "" when not a member
	CanManage  bool
	Meetups    []models.Meetup
	SeeMembers bool
	Members    []models.GroupMemberView
	Requests   []models.JoinRequest   // pending requests, for organisers
	Invitation *models.Invitation     // the viewer's pending invitation
	MyRequest  *models.JoinRequest    // the viewer's latest request to join
	Discussion *models.DiscussionPage // nil when the viewer may not read it
	Reported   bool                   // the viewer just reported something here
	Form       *form                  // a failed submit; Values["form"] names the form
}

// membershipKinds are the kinds of membership, in the order the forms offer them.
var membershipKinds = []models.GroupMembership{models.MembershipOpen, models.MembershipClosed, models.MembershipPrivate}

// FormErrors are the messages of the failed form when it is one of names, in a stable order.
func (v *groupView) FormErrors(names ...string) []string {
	if v.Form == nil || !slices.Contains(names, v.Form.V("form")) {
		return nil
	}
	out := make([]string, 0, len(v.Form.Errors))
	for _, msg := range v.Form.Errors {
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}

// Typed is what was typed in a field of the failed form name.
func (v *groupView) Typed(name, field string) string {
	if v.Form == nil || v.Form.V("form") != name {
		return ""
	}
	return v.Form.V(field)
}

// FieldError is the message for a field of the failed form name.
func (v *groupView) FieldError(name, field string) string {
	if v.Form == nil || v.Form.V("form") != name {
		return ""
	}
	return v.Form.E(field)
}

// CommentFailed says whether the failed form was a comment on this post.
func (v *groupView) CommentFailed(postID int64) bool {
	return v.Typed("comment", "post_id") == itoa(postID)
}

// HiderName is the display name of the moderator who hid something (moderators only).
func (v *groupView) HiderName(h models.Hiding) string {
	if v.Discussion == nil || h.HiddenBy == nil {
		return ""
	}
	return v.Discussion.Hiders[*h.HiddenBy].DisplayName
}

// HiddenReason is why a moderator hid something (moderators only).
func (v *groupView) HiddenReason(h models.Hiding) string {
	if h.HiddenReason == nil {
		return ""
	}
	return *h.HiddenReason
}

// OlderPosts is the id to ask for the next, older page of the discussion; 0 when there is none.
func (v *groupView) OlderPosts() int64 {
	if v.Discussion == nil || !v.Discussion.More {
		return 0
	}
	return v.Discussion.Posts[len(v.Discussion.Posts)-1].ID
}

// groupFields are the fields the group page's forms send, kept to show a failed form again.
var groupFields = []string{"name", "description", "membership", "message", "identifier", "body", "answer", "user_id", "role", "post_id"}

// discussionPageSize is how many posts the group page shows at once.
const discussionPageSize = 20

// groupInput reads the group form; every field is sent, so every field is set.
func groupInput(c *fiber.Ctx) models.GroupInput {
	name, description := c.FormValue("name"), c.FormValue("description")
	membership := models.GroupMembership(c.FormValue("membership"))
	return models.GroupInput{Name: &name, Description: &description, Membership: &membership}
}

// loadGroup reads the :id parameter and loads that group, if the person may see it (404 when
// unknown or private to them).
func (a *app) loadGroup(c *fiber.Ctx) (*models.Group, error) {
	id, err := paramID(c, "id")
	if err != nil {
		return nil, err
	}
	return models.GroupByID(c.UserContext(), a.db.Gorm, user(c), id)
}

// isFieldError tells the mistakes a form shows in place (the models' field errors) from the ones
// that go to the error page (not found, forbidden, server faults).
func isFieldError(err error) bool {
	var fe models.FieldErrors
	return errors.As(err, &fe)
}

func (a *app) groupsPage(c *fiber.Ctx) error {
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	return a.renderGroups(c, fiber.StatusOK, n, nil)
}

func (a *app) renderGroups(c *fiber.Ctx, status int, n *models.Neighbourhood, f *form) error {
	ctx, u := c.UserContext(), user(c)
	gs, err := models.Groups(ctx, a.db.Gorm, u, n.ID)
	if err != nil {
		return err
	}
	items := make([]groupItem, len(gs))
	for i := range gs {
		items[i] = groupItem{Group: gs[i]}
	}
	if err := a.markGroupTies(c, items); err != nil {
		return err
	}
	canCreate, err := models.CanCreateGroup(ctx, a.db.Gorm, u, n.ID)
	if err != nil {
		return err
	}
	if f == nil {
		f = &form{Values: map[string]string{"membership": string(models.MembershipOpen)}}
	}
	return a.render(c, status, "groups", fiber.Map{"Hood": n, "Groups": items, "CanCreate": canCreate, "Form": f, "Kinds": membershipKinds})
}

// markGroupTies notes on each item whether the signed-in person is a member or invited.
func (a *app) markGroupTies(c *fiber.Ctx, items []groupItem) error {
	u := user(c)
	if u == nil {
		return nil
	}
	_, roles, err := models.GroupsOf(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	invs, err := models.PendingInvitations(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	for i := range items {
		items[i].Role = roles[items[i].ID]
		items[i].Invited = slices.ContainsFunc(invs, func(inv models.Invitation) bool { return inv.GroupID == items[i].ID })
	}
	return nil
}

func (a *app) createGroupForm(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	n, err := a.loadNeighbourhood(c)
	if err != nil {
		return err
	}
	g, err := models.CreateGroup(c.UserContext(), a.db.Gorm, u, n.ID, groupInput(c))
	if err != nil {
		if !isFieldError(err) {
			return err
		}
		f, status, err := a.formFailure(c, err, formValues(c, groupFields...))
		if err != nil {
			return err
		}
		return a.renderGroups(c, status, n, f)
	}
	return c.Redirect("/groups/"+itoa(g.ID), fiber.StatusSeeOther)
}

func (a *app) groupPage(c *fiber.Ctx) error {
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	return a.renderGroup(c, fiber.StatusOK, g, nil)
}

func (a *app) renderGroup(c *fiber.Ctx, status int, g *models.Group, f *form) error {
	ctx, u := c.UserContext(), user(c)
	v := &groupView{Group: g, Form: f, Reported: c.Query("reported") == "1"}
	var err error
	if v.Hood, err = models.NeighbourhoodByID(ctx, a.db.Gorm, g.NeighbourhoodID); err != nil {
		return err
	}
	filter := models.MeetupFilter{GroupID: g.ID, From: time.Now(), Limit: 10}
	if v.Meetups, err = models.Meetups(ctx, a.db.Gorm, u, filter); err != nil {
		return err
	}
	if err := a.addViewerTies(c, v); err != nil {
		return err
	}
	if err := a.addGroupPeople(c, v); err != nil {
		return err
	}
	if ok, err := models.CanReadGroupDiscussion(ctx, a.db.Gorm, u, g); err != nil {
		return err
	} else if ok {
		before, _ := parseID(c.Query("before"))
		if v.Discussion, err = models.Discussion(ctx, a.db.Gorm, u, g.ID, before, discussionPageSize); err != nil {
			return err
		}
	}
	return a.render(c, status, "group", v)
}

// addViewerTies fills in the signed-in person's role, invitation and request.
func (a *app) addViewerTies(c *fiber.Ctx, v *groupView) error {
	ctx, u := c.UserContext(), user(c)
	if u == nil {
		return nil
	}
	var err error
	if v.Role, err = models.GroupRoleOf(ctx, a.db.Gorm, v.Group.ID, u.ID); err != nil {
		return err
	}
	if v.CanManage, err = models.CanManageGroup(ctx, a.db.Gorm, u, v.Group); err != nil {
		return err
	}
	if v.Invitation, err = a.myInvitation(c, u, v.Group.ID); err != nil {
		return err
	}
	v.MyRequest, err = models.LatestJoinRequest(ctx, a.db.Gorm, v.Group.ID, u.ID)
	return err
}

// addGroupPeople fills in the members (for those who may see them) and the pending requests
// (for organisers).
func (a *app) addGroupPeople(c *fiber.Ctx, v *groupView) error {
	ctx, u := c.UserContext(), user(c)
	var err error
	if v.SeeMembers, err = models.CanSeeGroupMembers(ctx, a.db.Gorm, u, v.Group); err != nil || !v.SeeMembers {
		return err
	}
	if v.Members, err = models.GroupMembers(ctx, a.db.Gorm, u, v.Group.ID); err != nil {
		return err
	}
	if v.CanManage {
		v.Requests, err = models.JoinRequests(ctx, a.db.Gorm, u, v.Group.ID)
	}
	return err
}

// myInvitation is the person's pending invitation to the group, or nil.
func (a *app) myInvitation(c *fiber.Ctx, u *models.User, groupID int64) (*models.Invitation, error) {
	invs, err := models.PendingInvitations(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return nil, err
	}
	for i := range invs {
		if invs[i].GroupID == groupID {
			return &invs[i], nil
		}
	}
	return nil, nil
}

// groupManager loads the group when the signed-in person may manage it.
func (a *app) groupManager(c *fiber.Ctx) (*models.User, *models.Group, error) {
	u, err := a.mustUser(c)
	if err != nil {
		return nil, nil, err
	}
	g, err := a.loadGroup(c)
	if err != nil {
		return nil, nil, err
	}
	ok, err := models.CanManageGroup(c.UserContext(), a.db.Gorm, u, g)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, models.ErrForbidden
	}
	return u, g, nil
}

func (a *app) editGroupPage(c *fiber.Ctx) error {
	_, g, err := a.groupManager(c)
	if err != nil {
		return err
	}
	f := &form{Values: map[string]string{"name": g.Name, "description": g.Description, "membership": string(g.Membership)}}
	return a.render(c, fiber.StatusOK, "group_edit", fiber.Map{"Group": g, "Form": f, "Kinds": membershipKinds})
}

func (a *app) editGroupForm(c *fiber.Ctx) error {
	u, g, err := a.groupManager(c)
	if err != nil {
		return err
	}
	if _, err := models.UpdateGroup(c.UserContext(), a.db.Gorm, u, g.ID, groupInput(c)); err != nil {
		if !isFieldError(err) {
			return err
		}
		f, status, err := a.formFailure(c, err, formValues(c, groupFields...))
		if err != nil {
			return err
		}
		return a.render(c, status, "group_edit", fiber.Map{"Group": g, "Form": f, "Kinds": membershipKinds})
	}
	return c.Redirect("/groups/"+itoa(g.ID), fiber.StatusSeeOther)
}

// groupChange is one change made with a form on the group page. It answers where to go next.
type groupChange func(c *fiber.Ctx, u *models.User, g *models.Group) (string, error)

// groupForm runs a form on the group page: the change, then on to the page it names, or the
// group page again with the form's mistakes (name says which form, to show them in place).
func (a *app) groupForm(name string, change groupChange) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := a.mustUser(c)
		if err != nil {
			return err
		}
		g, err := a.loadGroup(c)
		if err != nil {
			return err
		}
		next, err := change(c, u, g)
		if err != nil {
			return a.groupFormFailure(c, g, name, err)
		}
		return c.Redirect(next, fiber.StatusSeeOther)
	}
}

// groupFormFailure shows the group page again with what was typed and what was wrong.
func (a *app) groupFormFailure(c *fiber.Ctx, g *models.Group, name string, err error) error {
	if !isFieldError(err) {
		return err
	}
	values := formValues(c, groupFields...)
	values["form"] = name
	f, status, err := a.formFailure(c, err, values)
	if err != nil {
		return err
	}
	return a.renderGroup(c, status, g, f)
}

// groupPath is the group page, at an anchor.
func groupPath(g *models.Group, anchor string) string { return "/groups/" + itoa(g.ID) + anchor }

func (a *app) joinGroup(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	_, err := models.JoinGroup(c.UserContext(), a.db.Gorm, u, g.ID, c.FormValue("message"))
	return groupPath(g, "#membership"), err
}

// leaveGroup ends the membership; a private group is gone for its former member, so they go back
// to the neighbourhood's groups.
func (a *app) leaveGroup(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	if err := models.LeaveGroup(c.UserContext(), a.db.Gorm, u, g.ID); err != nil {
		return "", err
	}
	return a.afterLeaving(c, u, g), nil
}

// afterLeaving is the group page when the person can still see the group, else the
// neighbourhood's list of groups.
func (a *app) afterLeaving(c *fiber.Ctx, u *models.User, g *models.Group) string {
	if _, err := models.GroupByID(c.UserContext(), a.db.Gorm, u, g.ID); err != nil {
		return "/neighbourhoods/" + itoa(g.NeighbourhoodID) + "/groups"
	}
	return groupPath(g, "")
}

// answerInvitation accepts or declines the person's invitation to this group.
func (a *app) answerInvitation(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	inv, err := a.myInvitation(c, u, g.ID)
	if err != nil {
		return "", err
	}
	if inv == nil {
		return "", models.FieldErrors{"invitation": "group.invitation.answered"}
	}
	if err := models.AnswerInvitation(c.UserContext(), a.db.Gorm, u, inv.ID, c.FormValue("accept") == "yes"); err != nil {
		return "", err
	}
	return a.afterLeaving(c, u, g), nil
}

// decideRequest accepts or declines a pending request to join this group, with the organiser's
// optional answer.
func (a *app) decideRequest(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	r, err := a.pendingRequest(c, u, g, c.Params("requestID"))
	if err != nil {
		return "", err
	}
	_, err = models.DecideJoinRequest(c.UserContext(), a.db.Gorm, u, r.ID, c.FormValue("accept") == "yes", c.FormValue("answer"))
	return groupPath(g, "#requests"), err
}

// pendingRequest finds a pending request to join g by its id (404 when it is not one of g's).
func (a *app) pendingRequest(c *fiber.Ctx, u *models.User, g *models.Group, rawID string) (*models.JoinRequest, error) {
	id, ok := parseID(rawID)
	if !ok {
		return nil, fiber.ErrNotFound
	}
	rs, err := models.JoinRequests(c.UserContext(), a.db.Gorm, u, g.ID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(rs, func(r models.JoinRequest) bool { return r.ID == id })
	if i < 0 {
		return nil, fiber.ErrNotFound
	}
	return &rs[i], nil
}

// invite invites the person named by username or email address. Only organisers may look
// people up, so nobody else learns who has an account.
func (a *app) invite(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	_, err := a.inviteByIdentifier(c, u, g, c.FormValue("identifier"))
	return groupPath(g, "#members"), err
}

func (a *app) inviteByIdentifier(c *fiber.Ctx, u *models.User, g *models.Group, identifier string) (*models.Invitation, error) {
	ctx := c.UserContext()
	ok, err := models.CanManageGroup(ctx, a.db.Gorm, u, g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, models.ErrForbidden
	}
	invitee, err := models.UserByIdentifier(ctx, a.db.Gorm, identifier)
	if errors.Is(err, models.ErrNotFound) {
		return nil, models.FieldErrors{"identifier": "groups.invite.unknown"}
	} else if err != nil {
		return nil, err
	}
	inv, err := models.InviteToGroup(ctx, a.db.Gorm, u, g.ID, invitee.ID)
	var fe models.FieldErrors
	if errors.As(err, &fe) && fe["user_id"] != "" {
		return nil, models.FieldErrors{"identifier": fe["user_id"]}
	}
	return inv, err
}

// memberID reads the :userID parameter: the member a change is about.
func memberID(c *fiber.Ctx) (int64, error) { return paramID(c, "userID") }

func (a *app) removeMember(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	id, err := memberID(c)
	if err != nil {
		return "", err
	}
	return groupPath(g, "#members"), models.RemoveMember(c.UserContext(), a.db.Gorm, u, g.ID, id)
}

func (a *app) setMemberRole(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	id, err := memberID(c)
	if err != nil {
		return "", err
	}
	role := models.GroupRole(c.FormValue("role"))
	return groupPath(g, "#members"), models.SetMemberRole(c.UserContext(), a.db.Gorm, u, g.ID, id, role)
}

func (a *app) handOver(c *fiber.Ctx, u *models.User, g *models.Group) (string, error) {
	to, ok := parseID(c.FormValue("user_id"))
	if !ok {
		return "", models.FieldErrors{"user_id": "groups.handover.choose"}
	}
	return groupPath(g, "#members"), models.HandOverOrganiser(c.UserContext(), a.db.Gorm, u, g.ID, to)
}

// API

// groupDetail builds the API view of one group for the person asking.
func (a *app) groupDetail(c *fiber.Ctx, g *models.Group) (*groupJSON, error) {
	v := &groupView{Group: g}
	if err := a.addViewerTies(c, v); err != nil {
		return nil, err
	}
	if err := a.addGroupPeople(c, v); err != nil {
		return nil, err
	}
	out := &groupJSON{Group: g, MyRequest: v.MyRequest}
	if v.Role != "" {
		out.MyRole = &v.Role
	}
	if v.SeeMembers {
		n := len(v.Members)
		out.MemberCount = &n
	}
	if v.Invitation != nil {
		out.InvitationID = &v.Invitation.ID
	}
	return out, nil
}

// apiGroups lists the groups the person may see: of one neighbourhood (?neighbourhood=ID), else
// of the neighbourhoods they belong to, else of every neighbourhood.
func (a *app) apiGroups(c *fiber.Ctx) error {
	ctx, u := c.UserContext(), user(c)
	var ids []int64
	if raw := c.Query("neighbourhood"); raw != "" {
		id, ok := parseID(raw)
		if !ok {
			return models.FieldErrors{"neighbourhood": "groups.neighbourhood.invalid"}
		}
		if _, err := models.NeighbourhoodByID(ctx, a.db.Gorm, id); err != nil {
			return err
		}
		ids = []int64{id}
	} else if mine, err := models.NeighbourhoodsOf(ctx, a.db.Gorm, u); err != nil {
		return err
	} else if len(mine) > 0 {
		ids = mine
	}
	gs, err := models.VisibleGroups(ctx, a.db.Gorm, u, ids)
	if err != nil {
		return err
	}
	return c.JSON(gs)
}

// createGroupRequest is the body of POST /api/v1/groups.
type createGroupRequest struct {
	NeighbourhoodID int64 `json:"neighbourhood_id"`
	models.GroupInput
}

func (a *app) apiCreateGroup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	var in createGroupRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.NeighbourhoodID <= 0 {
		return models.FieldErrors{"neighbourhood_id": "groups.neighbourhood.invalid"}
	}
	g, err := models.CreateGroup(c.UserContext(), a.db.Gorm, u, in.NeighbourhoodID, in.GroupInput)
	if err != nil {
		return err
	}
	out, err := a.groupDetail(c, g)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (a *app) apiGroup(c *fiber.Ctx) error {
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	out, err := a.groupDetail(c, g)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (a *app) apiUpdateGroup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	var in models.GroupInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if g, err = models.UpdateGroup(c.UserContext(), a.db.Gorm, u, g.ID, in); err != nil {
		return err
	}
	out, err := a.groupDetail(c, g)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type joinGroupRequest struct {
	Message string `json:"message"`
}

// apiJoinGroup answers 200 {"outcome":"joined"} or, for a closed group, 202 {"outcome":"requested"}.
func (a *app) apiJoinGroup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	var in joinGroupRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	outcome, err := models.JoinGroup(c.UserContext(), a.db.Gorm, u, g.ID, in.Message)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if outcome == models.Requested {
		status = fiber.StatusAccepted
	}
	return c.Status(status).JSON(fiber.Map{"outcome": outcome})
}

func (a *app) apiLeaveGroup(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	if err := models.LeaveGroup(c.UserContext(), a.db.Gorm, u, g.ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *app) apiGroupMembers(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	ms, err := models.GroupMembers(c.UserContext(), a.db.Gorm, user(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ms)
}

// apiGroupChange runs a change of roles for the API: signed in, the group visible, then the
// change; the answer is the group's members after it.
func (a *app) apiGroupChange(change func(c *fiber.Ctx, u *models.User, g *models.Group) error) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, err := a.mustUser(c)
		if err != nil {
			return err
		}
		g, err := a.loadGroup(c)
		if err != nil {
			return err
		}
		if err := change(c, u, g); err != nil {
			return err
		}
		ms, err := models.GroupMembers(c.UserContext(), a.db.Gorm, u, g.ID)
		if err != nil {
			return err
		}
		return c.JSON(ms)
	}
}

func (a *app) apiRemoveMember(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	id, err := memberID(c)
	if err != nil {
		return err
	}
	if err := models.RemoveMember(c.UserContext(), a.db.Gorm, u, g.ID, id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type memberRoleRequest struct {
	Role models.GroupRole `json:"role"`
}

func (a *app) apiSetMemberRole(c *fiber.Ctx, u *models.User, g *models.Group) error {
	id, err := memberID(c)
	if err != nil {
		return err
	}
	var in memberRoleRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	return models.SetMemberRole(c.UserContext(), a.db.Gorm, u, g.ID, id, in.Role)
}

type handOverRequest struct {
	UserID int64 `json:"user_id"`
}

func (a *app) apiHandOver(c *fiber.Ctx, u *models.User, g *models.Group) error {
	var in handOverRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	return models.HandOverOrganiser(c.UserContext(), a.db.Gorm, u, g.ID, in.UserID)
}

func (a *app) apiJoinRequests(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	rs, err := models.JoinRequests(c.UserContext(), a.db.Gorm, u, id)
	if err != nil {
		return err
	}
	return c.JSON(rs)
}

type decideRequestRequest struct {
	Accept bool   `json:"accept"`
	Answer string `json:"answer"`
}

func (a *app) apiDecideJoinRequest(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	r, err := a.pendingRequest(c, u, g, c.Params("requestID"))
	if err != nil {
		return err
	}
	var in decideRequestRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if r, err = models.DecideJoinRequest(c.UserContext(), a.db.Gorm, u, r.ID, in.Accept, in.Answer); err != nil {
		return err
	}
	return c.JSON(r)
}

// inviteRequest names the person to invite by id, or by username or email address.
type inviteRequest struct {
	UserID     int64  `json:"user_id"`
	Identifier string `json:"identifier"`
}

func (a *app) apiInvite(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	g, err := a.loadGroup(c)
	if err != nil {
		return err
	}
	var in inviteRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	var inv *models.Invitation
	if in.UserID > 0 {
		inv, err = models.InviteToGroup(c.UserContext(), a.db.Gorm, u, g.ID, in.UserID)
	} else {
		inv, err = a.inviteByIdentifier(c, u, g, in.Identifier)
	}
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(inv)
}

func (a *app) apiMyInvitations(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	invs, err := models.PendingInvitations(c.UserContext(), a.db.Gorm, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(invs)
}

type answerInvitationRequest struct {
	Accept bool `json:"accept"`
}

func (a *app) apiAnswerInvitation(c *fiber.Ctx) error {
	u, err := a.mustUser(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	var in answerInvitationRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := models.AnswerInvitation(c.UserContext(), a.db.Gorm, u, id, in.Accept); err != nil {
		return err
	}
	status := models.RequestDeclined
	if in.Accept {
		status = models.RequestAccepted
	}
	return c.JSON(fiber.Map{"id": id, "status": status})
}
