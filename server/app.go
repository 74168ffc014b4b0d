package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"nabij/models"
	"nabij/realtime"
)

// app holds what handlers need. It is built once by newApp, in main and in every test alike.
type app struct {
	cfg     config
	db      *database
	log     *slog.Logger
	views   *views
	metrics *metrics
	openapi []byte        // the merged OpenAPI document, see openapi.go
	live    *realtime.Hub // websocket clients and the events they follow; serve starts it
	// signUps and tokens decide sign-ups and find the owners of bearer tokens in batches (see
	// models/batch.go).
	signUps *models.SignUps
	tokens  *models.TokenOwners
	// pages keeps agendas and API lists while their data stays the same (see pagecache.go).
	pages *pageCache
}

// newApp builds the Fiber application with its one routing table.
func newApp(cfg config, db *database, log *slog.Logger) (*fiber.App, *app, error) {
	v, err := newViews()
	if err != nil {
		return nil, nil, err
	}
	doc, err := openapiDocument()
	if err != nil {
		return nil, nil, fmt.Errorf("openapi: %w", err)
	}
	a := &app{cfg: cfg, db: db, log: log, views: v, metrics: newMetrics(db.SQL), openapi: doc,
		live: realtime.New(realtime.Options{DSN: db.DSN, DB: db.SQL, Log: log}), signUps: models.NewSignUps(db.Gorm),
		tokens: models.NewTokenOwners(db.Gorm), pages: newPageCache()}
	a.metrics.reg.MustRegister(a.live.Collectors()...)
	db.wake.Attach(a.live)
	f := fiber.New(fiber.Config{
		AppName:               "Nabij",
		ErrorHandler:          a.handleError,
		BodyLimit:             cfg.BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		DisableStartupMessage: true,
		ReadBufferSize:        8192,
	})
	// Websockets outlive the request that opened them (see ws.go).
	f.Server().KeepHijackedConns = true
	a.routes(f)
	return f, a, nil
}

// routes is the whole routing table of Nabij.
func (a *app) routes(f *fiber.App) {
	f.Use(a.observe)
	f.Use(recover.New())
	f.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'",
		ReferrerPolicy:            "same-origin",
		XFrameOptions:             "DENY",
		CrossOriginEmbedderPolicy: "unsafe-none",
	}))

	f.Get("/healthz", a.healthz)
	f.Get("/readyz", a.readyz)
	f.Get("/metrics", a.metrics.handler())
	f.Get("/static/*", a.views.serveAsset)
	f.Get("/ws", a.websocket) // authenticates on its own: see ws.go

	f.Use(a.authenticate, a.checkCSRF)

	f.Get("/", a.home)
	f.Get("/language/:lang", a.setLanguage)

	// accounts
	f.Get("/signup", a.signupPage)
	f.Post("/signup", a.signup)
	f.Get("/signin", a.signinPage)
	f.Post("/signin", a.signin)
	f.Post("/signout", a.signout)

	// neighbourhoods (pages)
	f.Get("/neighbourhoods", a.neighbourhoodsPage)
	f.Get("/neighbourhoods/new", a.newNeighbourhoodPage)
	f.Post("/neighbourhoods/new", a.createNeighbourhood)
	f.Get("/neighbourhoods/:id", a.neighbourhoodPage)
	f.Get("/neighbourhoods/:id/edit", a.editNeighbourhoodPage)
	f.Post("/neighbourhoods/:id/edit", a.editNeighbourhood)
	f.Get("/neighbourhoods/:id/flyer", a.flyerPage)
	f.Post("/neighbourhoods/:id/join-code", a.rotateJoinCode)
	f.Post("/neighbourhoods/:id/workers", a.assignWorkerForm)
	f.Post("/neighbourhoods/:id/workers/:userID/delete", a.unassignWorkerForm)
	f.Post("/neighbourhoods/:id/home", a.neighbourhoodMembership(a.makeHomeNeighbourhood))
	f.Post("/neighbourhoods/:id/follow", a.neighbourhoodMembership(a.followNeighbourhood))
	f.Post("/neighbourhoods/:id/unfollow", a.neighbourhoodMembership(a.unfollowNeighbourhood))
	f.Get("/join", a.joinByCodePage)
	f.Post("/join", a.joinByCode)

	// profile, codes, tokens (pages)
	f.Get("/residents", a.residentsPage)
	f.Get("/residents/new", a.newResidentPage)
	f.Post("/residents", a.createResident)
	f.Post("/residents/:id/code", a.issueCodePage)
	f.Get("/code", a.codePage)
	f.Post("/code", a.codeSignin)
	f.Get("/welcome/password", a.welcomePasswordPage)
	f.Post("/welcome/password", a.welcomePassword)
	f.Get("/profile", a.profilePage)
	f.Post("/profile", a.updateProfile)
	f.Get("/profile/export", a.exportDownload)
	f.Get("/profile/delete", a.deleteAccountPage)
	f.Post("/profile/delete", a.deleteAccount)
	f.Get("/profile/deleted", a.accountDeletedPage)
	f.Get("/profile/tokens", a.tokensPage)
	f.Post("/profile/tokens", a.createTokenPage)
	f.Post("/profile/tokens/:id/revoke", a.revokeTokenPage)
	f.Get("/users", a.usersPage)
	f.Post("/users/:id/role", a.setRolePage)

	// groups, discussion, reports and moderation (pages)
	f.Get("/neighbourhoods/:id/groups", a.groupsPage)
	f.Post("/neighbourhoods/:id/groups", a.createGroupForm)
	f.Get("/groups/:id", a.groupPage)
	f.Get("/groups/:id/edit", a.editGroupPage)
	f.Post("/groups/:id/edit", a.editGroupForm)
	f.Post("/groups/:id/join", a.groupForm("join", a.joinGroup))
	f.Post("/groups/:id/leave", a.groupForm("leave", a.leaveGroup))
	f.Post("/groups/:id/invitation", a.groupForm("invitation", a.answerInvitation))
	f.Post("/groups/:id/invitations", a.groupForm("invite", a.invite))
	f.Post("/groups/:id/requests/:requestID", a.groupForm("request", a.decideRequest))
	f.Post("/groups/:id/members/:userID/remove", a.groupForm("members", a.removeMember))
	f.Post("/groups/:id/members/:userID/role", a.groupForm("members", a.setMemberRole))
	f.Post("/groups/:id/handover", a.groupForm("handover", a.handOver))
	f.Post("/groups/:id/posts", a.groupForm("post", a.createPost))
	f.Post("/posts/:id/comments", a.commentForm)
	f.Get("/reports/new", a.reportNewPage)
	f.Post("/reports", a.reportForm)
	f.Post("/reports/:id/dismiss", a.dismissReportForm)
	f.Get("/neighbourhoods/:id/reports", a.reportsPage)
	f.Get("/moderation/hide", a.hidePage)
	f.Post("/moderation/hide", a.hideForm)
	f.Post("/moderation/unhide", a.unhideForm)

	// meetups, agenda, sign-ups, guests (pages)
	f.Get("/agenda", a.myAgendaPage)
	f.Get("/neighbourhoods/:id/agenda", a.agendaPage)
	f.Get("/neighbourhoods/:id/meetups/new", a.newMeetupPage(a.hoodMeetupHome))
	f.Post("/neighbourhoods/:id/meetups/new", a.createMeetup(a.hoodMeetupHome))
	f.Get("/groups/:id/meetups/new", a.newMeetupPage(a.groupMeetupHome))
	f.Post("/groups/:id/meetups/new", a.createMeetup(a.groupMeetupHome))
	f.Get("/meetups/:id<int>", a.meetupPage) // <int>: /meetups/7.ics is the calendar file
	f.Get("/meetups/:id/edit", a.editMeetupPage)
	f.Post("/meetups/:id/edit", a.editMeetup)
	f.Post("/meetups/:id/publish", a.publishMeetup)
	f.Post("/meetups/:id/cancel", a.cancelMeetup)
	f.Post("/meetups/:id/rsvp", a.rsvpForm)
	f.Post("/meetups/:id/guests", a.guestForm)
	f.Post("/meetups/:id/comments", a.commentOnMeetup)
	f.Get("/rsvp/:token", a.guestRSVPPage)
	f.Post("/rsvp/:token/cancel", a.cancelGuestRSVP)

	// check-in, attendance, flyers, calendar and Atom feeds
	f.Get("/meetups/:id.ics", a.meetupICS)
	f.Get("/meetups/:id/attendance", a.attendancePage)
	f.Post("/meetups/:id/attendance/checkins", a.checkInForm)
	f.Post("/meetups/:id/attendance/checkins/:checkinID/undo", a.undoCheckInForm)
	f.Post("/meetups/:id/attendance/walk-ins", a.walkInForm)
	f.Get("/meetups/:id/door", a.doorPage)
	f.Get("/meetups/:id/checkin", a.doorCheckinPage)
	f.Post("/meetups/:id/checkin", a.doorCheckin)
	f.Get("/meetups/:id/flyer", a.meetupFlyerPage)
	f.Get("/series/:id/attendance", a.seriesAttendancePage)
	f.Get("/groups/:id/calendar.ics", a.groupCalendar)
	f.Get("/neighbourhoods/:id/calendar.ics", a.neighbourhoodCalendar)
	f.Get("/neighbourhoods/:id/feed.atom", a.neighbourhoodAtom)
	f.Get("/calendar/:token.ics", a.personalCalendar)
	f.Get("/agenda/subscribe", a.subscribePage)
	f.Post("/agenda/subscribe", a.createCalendarToken)
	f.Post("/agenda/subscribe/revoke", a.revokeCalendarToken)

	// notifications (pages)
	f.Get("/notifications", a.notificationsPage)
	f.Get("/meetups/:id/announce", a.announcePage)
	f.Post("/meetups/:id/announce", a.announce)

	// Volunteers and needs (pages)
	f.Get("/volunteer", a.volunteerHomePage)
	f.Get("/volunteer/profile", a.volunteerProfilePage)
	f.Post("/volunteer/profile", a.saveVolunteerProfile)
	f.Post("/volunteer/stop", a.stopVolunteering)
	f.Get("/volunteer/needs", a.needsForMePage)
	f.Get("/volunteer/shifts", a.myShiftsPage)
	f.Get("/volunteer/hours", a.myHoursPage)
	f.Get("/volunteer/hours/confirmation", a.hoursConfirmationPage)
	f.Get("/volunteers/:id", a.volunteerPage)
	f.Get("/residents/:id/volunteer", a.residentVolunteerPage)
	f.Post("/residents/:id/volunteer", a.saveResidentVolunteer)
	f.Get("/volunteer-reports", a.volunteerReportsPage)
	f.Get("/neighbourhoods/:id/needs", a.hoodNeedsPage)
	f.Get("/neighbourhoods/:id/needs/new", a.newNeedPage(a.hoodNeedHome))
	f.Post("/neighbourhoods/:id/needs/new", a.createNeed(a.hoodNeedHome))
	f.Get("/meetups/:id/needs", a.meetupNeedsPage)
	f.Get("/meetups/:id/needs/new", a.newNeedPage(a.meetupNeedHome))
	f.Post("/meetups/:id/needs/new", a.createNeed(a.meetupNeedHome))
	f.Get("/needs/:id", a.needPage)
	f.Post("/needs/:id/invitations", a.inviteVolunteers)
	f.Post("/needs/:id/shifts", a.addShift)
	f.Post("/needs/:id/status", a.setNeedStatus)
	f.Post("/needs/:id/cancel", a.cancelNeed)
	f.Post("/needs/:id/decline", a.declineNeed)
	f.Post("/shifts/:id/signup", a.signUpForShift)
	f.Post("/shifts/:id/withdraw", a.withdrawFromShift)
	f.Post("/shifts/:id/checkins", a.checkInAtShift)
	f.Post("/shifts/:id/hours", a.logHours)
	f.Post("/shifts/:id/edit", a.editShift)
	f.Post("/shifts/:id/cancel", a.cancelShift)
	f.Post("/volunteer-hours/:id", a.decideHours)
	f.Get("/need-invitations/:id", a.invitationPage)
	f.Post("/need-invitations/:id", a.answerInvitationForm)
	// end of Volunteers and needs (pages)

	api := f.Group("/api")
	api.Get("/openapi.json", a.openAPI)
	v1 := api.Group("/v1")
	v1.Post("/auth/register", a.apiRegister)
	v1.Post("/auth/login", a.apiLogin)
	v1.Post("/auth/logout", a.apiLogout)
	v1.Get("/me", a.apiMe)

	// neighbourhoods (API)
	v1.Get("/neighbourhoods", a.apiNeighbourhoods)
	v1.Post("/neighbourhoods", a.apiCreateNeighbourhood)
	v1.Get("/neighbourhoods/:id", a.apiNeighbourhood)
	v1.Patch("/neighbourhoods/:id", a.apiUpdateNeighbourhood)
	v1.Post("/neighbourhoods/:id/join-code", a.apiRotateJoinCode)
	v1.Post("/neighbourhoods/:id/workers", a.apiAssignWorker)
	v1.Delete("/neighbourhoods/:id/workers/:userID", a.apiUnassignWorker)
	v1.Post("/neighbourhoods/:id/follow", a.apiNeighbourhoodMembership(a.followNeighbourhood))
	v1.Delete("/neighbourhoods/:id/follow", a.apiNeighbourhoodMembership(a.unfollowNeighbourhood))

	// profile, codes, tokens, users (API)
	v1.Post("/auth/code", a.apiCodeLogin)
	v1.Patch("/me", a.apiUpdateMe)
	v1.Delete("/me", a.apiDeleteMe)
	v1.Get("/me/export", a.apiExport)
	v1.Get("/me/tokens", a.apiTokens)
	v1.Post("/me/tokens", a.apiCreateToken)
	v1.Delete("/me/tokens/:id", a.apiRevokeToken)
	v1.Post("/users", a.apiCreateResident)
	v1.Post("/users/:id/signin-codes", a.apiIssueCode)
	v1.Patch("/users/:id", a.apiSetRole)

	// groups, discussion, reports and moderation (API)
	v1.Get("/groups", a.apiGroups)
	v1.Post("/groups", a.apiCreateGroup)
	v1.Get("/groups/:id", a.apiGroup)
	v1.Patch("/groups/:id", a.apiUpdateGroup)
	v1.Post("/groups/:id/join", a.apiJoinGroup)
	v1.Post("/groups/:id/leave", a.apiLeaveGroup)
	v1.Get("/groups/:id/members", a.apiGroupMembers)
	v1.Delete("/groups/:id/members/:userID", a.apiRemoveMember)
	v1.Patch("/groups/:id/members/:userID", a.apiGroupChange(a.apiSetMemberRole))
	v1.Post("/groups/:id/handover", a.apiGroupChange(a.apiHandOver))
	v1.Get("/groups/:id/requests", a.apiJoinRequests)
	v1.Post("/groups/:id/requests/:requestID", a.apiDecideJoinRequest)
	v1.Post("/groups/:id/invitations", a.apiInvite)
	v1.Get("/me/invitations", a.apiMyInvitations)
	v1.Post("/invitations/:id", a.apiAnswerInvitation)
	v1.Get("/groups/:id/posts", a.apiPosts)
	v1.Post("/groups/:id/posts", a.apiCreatePost)
	v1.Post("/posts/:id/comments", a.apiComment)
	v1.Post("/reports", a.apiReport)
	v1.Get("/neighbourhoods/:id/reports", a.apiReports)
	v1.Post("/reports/:id/dismiss", a.apiDismissReport)
	v1.Post("/moderation/hide", a.apiModeration(a.hideContent))
	v1.Post("/moderation/unhide", a.apiModeration(a.unhideContent))

	// meetups, sign-ups, guests (API)
	v1.Get("/meetups", a.apiMeetups)
	v1.Post("/meetups", a.apiCreateMeetup)
	v1.Get("/meetups/:id", a.apiMeetup)
	v1.Patch("/meetups/:id", a.apiUpdateMeetup)
	v1.Post("/meetups/:id/cancel", a.apiCancelMeetup)
	v1.Post("/meetups/:id/rsvp", a.apiRSVP)
	v1.Post("/meetups/:id/guests", a.apiGuestSignUp)
	v1.Get("/meetups/:id/comments", a.apiMeetupComments)
	v1.Post("/meetups/:id/comments", a.apiCommentOnMeetup)
	v1.Get("/me/meetups", a.apiMyMeetups)

	// check-in and attendance (API)
	v1.Get("/meetups/:id/attendees", a.apiAttendees)
	v1.Post("/meetups/:id/checkins", a.apiCheckIn)
	v1.Get("/meetups/:id/attendance", a.apiMeetupAttendance)
	v1.Delete("/checkins/:id", a.apiUndoCheckIn)
	v1.Get("/series/:id/attendance", a.apiSeriesAttendance)
	v1.Post("/me/calendar-token", a.apiCreateCalendarToken)
	v1.Delete("/me/calendar-token", a.apiRevokeCalendarToken)

	// notifications (API)
	v1.Get("/me/notifications", a.apiNotifications)
	v1.Post("/me/notifications/read", a.apiReadNotifications)
	v1.Post("/meetups/:id/announcements", a.apiAnnounce)

	// Volunteers (API): profiles, needs, shifts, matching, invitations, hours and figures
	v1.Get("/skills", a.apiSkills)
	v1.Get("/me/volunteer", a.apiMyVolunteer)
	v1.Put("/me/volunteer", a.apiSaveMyVolunteer)
	v1.Delete("/me/volunteer", a.apiStopVolunteering)
	v1.Get("/users/:id/volunteer", a.apiVolunteer)
	v1.Put("/users/:id/volunteer", a.apiSaveVolunteerFor)
	v1.Get("/me/needs", a.apiNeedsForMe)
	v1.Get("/me/shifts", a.apiMyShifts)
	v1.Get("/me/hours", a.apiMyHours)
	v1.Get("/me/need-invitations", a.apiMyNeedInvitations)
	v1.Post("/need-invitations/:id", a.apiAnswerNeedInvitation)
	v1.Get("/needs", a.apiNeeds)
	v1.Post("/needs", a.apiCreateNeed)
	v1.Get("/needs/:id", a.apiNeed)
	v1.Patch("/needs/:id", a.apiUpdateNeed)
	v1.Post("/needs/:id/cancel", a.apiCancelNeed)
	v1.Post("/needs/:id/decline", a.apiDeclineNeed)
	v1.Get("/needs/:id/matches", a.apiNeedMatches)
	v1.Post("/needs/:id/invitations", a.apiInviteToNeed)
	v1.Post("/needs/:id/shifts", a.apiAddShifts)
	v1.Get("/needs/:id/hours", a.apiNeedHoursToConfirm)
	v1.Patch("/shifts/:id", a.apiUpdateShift)
	v1.Post("/shifts/:id/cancel", a.apiCancelShift)
	v1.Post("/shifts/:id/signup", a.apiShiftSignup)
	v1.Delete("/shifts/:id/signup", a.apiShiftWithdraw)
	v1.Get("/shifts/:id/signups", a.apiShiftSignups)
	v1.Post("/shifts/:id/checkins", a.apiShiftCheckIn)
	v1.Post("/shifts/:id/hours", a.apiLogHours)
	v1.Post("/volunteer-hours/:id", a.apiDecideHours)
	v1.Get("/volunteer-reports/hours", a.apiVolunteerHoursReport)
	v1.Get("/volunteer-reports/coverage", a.apiVolunteerCoverage)
	// end of Volunteers (API)
}

// observe gives each request an id, turns errors into responses (so the status is final),
// then logs one line and records metrics.
func (a *app) observe(c *fiber.Ctx) error {
	start := time.Now()
	rid := newRequestID()
	c.Locals("request_id", rid)
	// Taken before the handler reads anything: the page's live script resumes from here, so a
	// change that lands while the page is being made is sent again rather than missed.
	c.Locals("live_since", a.live.Last())
	c.Set("X-Request-Id", rid)
	if err := c.Next(); err != nil {
		if herr := a.handleError(c, err); herr != nil {
			a.log.Error("error handler failed", "request_id", rid, "err", herr)
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	elapsed := time.Since(start)
	route := c.Route().Path
	if status == fiber.StatusNotFound && route == "/" && c.Path() != "/" {
		route = "unmatched" // keep metric labels bounded
	}
	// Fiber's strings point into a reused request buffer; a metric label must own its bytes.
	a.metrics.observe(strings.Clone(c.Method()), route, status, elapsed)
	a.log.Info("request", "method", c.Method(), "path", c.Path(), "status", status,
		"duration_ms", float64(elapsed.Microseconds())/1000, "request_id", rid)
	return nil
}

func newRequestID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (a *app) home(c *fiber.Ctx) error {
	return a.render(c, fiber.StatusOK, "home", nil)
}

// setLanguage remembers the chosen language for a year and returns to the page the person was on.
func (a *app) setLanguage(c *fiber.Ctx) error {
	lang := c.Params("lang")
	if pickLang(lang, "") != lang {
		return fiber.ErrNotFound
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HTTPOnly: true, SameSite: "Lax", Secure: a.cfg.secureCookies()})
	return c.Redirect(localPath(c.Query("next")), fiber.StatusSeeOther)
}

// localPath accepts only a path on this site, so a crafted link cannot send people elsewhere.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	return u.RequestURI()
}
