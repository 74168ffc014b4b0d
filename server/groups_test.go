package main

import (
	"maps"
	"net/url"
	"strings"
	"testing"
	"time"

	"nabij/models"
)

// Fixtures for the group tests (prefix gx), on top of the fx world of users_test.go.

// gxGroup creates a group through the API as c and returns its id.
func gxGroup(t *testing.T, c *fxClient, hood int64, name, membership string) int64 {
	t.Helper()
	status, body := c.call("POST", "/api/v1/groups", map[string]any{"neighbourhood_id": hood, "name": name,
		"description": "Over " + name, "membership": membership})
	if status != 201 {
		t.Fatalf("create group %s = %d %s", name, status, body)
	}
	return fxDecode[groupJSON](t, body).ID
}

// gxMember makes u a member of the group, inviting them first (as the organiser) when it is
// private.
func gxMember(w *fxWorld, organiser, u *models.User, groupID int64) {
	w.t.Helper()
	ctx, db := w.t.Context(), w.a.db.Gorm
	g, err := models.GroupByID(ctx, db, organiser, groupID)
	if err != nil {
		w.t.Fatal(err)
	}
	if g.Membership != models.MembershipOpen {
		if _, err := models.InviteToGroup(ctx, db, organiser, groupID, u.ID); err != nil {
			w.t.Fatal(err)
		}
	}
	if _, err := models.JoinGroup(ctx, db, u, groupID, ""); err != nil {
		w.t.Fatal(err)
	}
}

// gxRole is u's role in the group as stored ("" when not a member).
func gxRole(w *fxWorld, groupID int64, u *models.User) models.GroupRole {
	w.t.Helper()
	role, err := models.GroupRoleOf(w.t.Context(), w.a.db.Gorm, groupID, u.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return role
}

// gxSays is the page text of a message id in Dutch, as the fixtures' people read it (the id
// itself while it is not translated yet, which is what the page would show too).
func gxSays(w *fxWorld, id string) string { return w.a.views.translate("nl", id, nil) }

func TestJoiningAnOpenGroupMakesYouAMember(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	g := gxGroup(t, w.as(org), hood, "Wandelclub", "open")

	c := w.as(jan)
	status, body := c.call("POST", "/api/v1/groups/"+itoa(g)+"/join", nil)
	if status != 200 || !strings.Contains(body, `"outcome":"joined"`) {
		t.Fatalf("join open group = %d %s", status, body)
	}
	_, body = c.call("GET", "/api/v1/groups/"+itoa(g), nil)
	got := fxDecode[groupJSON](t, body)
	if got.MyRole == nil || *got.MyRole != models.GroupMember || got.MemberCount == nil || *got.MemberCount != 2 {
		t.Fatalf("group after joining = %s", body)
	}
	if status, _ := c.call("POST", "/api/v1/groups/"+itoa(g)+"/join", nil); status != 422 {
		t.Fatalf("joining twice = %d", status)
	}

	// On the page: a button, then the page says so.
	kim := w.person("Kim", models.RoleResident, hood)
	p := w.as(kim)
	_, page := p.page("/groups/" + itoa(g))
	if !strings.Contains(page, `action="/groups/`+itoa(g)+`/join"`) {
		t.Fatal("the page offers no way to join an open group")
	}
	resp, _ := p.submit("/groups/"+itoa(g)+"/join", nil)
	if resp.StatusCode != 303 || gxRole(w, g, kim) != models.GroupMember {
		t.Fatalf("join on the page = %d, role %q", resp.StatusCode, gxRole(w, g, kim))
	}
	if _, page = p.page("/groups/" + itoa(g)); !strings.Contains(page, gxSays(w, "groups.page.you_are_member")) {
		t.Fatal("the page does not say Kim is a member")
	}
}

func TestClosedGroupRequestIsAcceptedByAnOrganiserWithAMessage(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	oc := w.as(org)
	g := gxGroup(t, oc, hood, "Naaiatelier", "closed")

	jc := w.as(jan)
	status, body := jc.call("POST", "/api/v1/groups/"+itoa(g)+"/join", map[string]string{"message": "Ik naai al jaren"})
	if status != 202 || !strings.Contains(body, `"outcome":"requested"`) {
		t.Fatalf("ask to join a closed group = %d %s", status, body)
	}
	if gxRole(w, g, jan) != "" {
		t.Fatal("asking made Jan a member already")
	}
	if _, page := jc.page("/groups/" + itoa(g)); !strings.Contains(page, gxSays(w, "groups.page.request_waiting")) {
		t.Fatal("Jan's page does not say the request is waiting")
	}

	_, body = oc.call("GET", "/api/v1/groups/"+itoa(g)+"/requests", nil)
	reqs := fxDecode[[]models.JoinRequest](t, body)
	if len(reqs) != 1 || reqs[0].Message != "Ik naai al jaren" || reqs[0].RequesterName != "Jan" {
		t.Fatalf("requests = %s", body)
	}
	_, page := oc.page("/groups/" + itoa(g))
	if !strings.Contains(page, "Ik naai al jaren") {
		t.Fatal("the organiser's page does not show the request")
	}
	resp, _ := oc.submit("/groups/"+itoa(g)+"/requests/"+itoa(reqs[0].ID), url.Values{"accept": {"yes"}, "answer": {"Welkom, tot dinsdag!"}})
	if resp.StatusCode != 303 || gxRole(w, g, jan) != models.GroupMember {
		t.Fatalf("accept = %d, role %q", resp.StatusCode, gxRole(w, g, jan))
	}
	if _, page = jc.page("/groups/" + itoa(g)); !strings.Contains(page, "Welkom, tot dinsdag!") {
		t.Fatal("Jan does not see the organiser's answer")
	}
	if status, _ := oc.call("POST", "/api/v1/groups/"+itoa(g)+"/requests/"+itoa(reqs[0].ID), map[string]any{"accept": false}); status != 404 {
		t.Fatalf("deciding a decided request = %d", status)
	}
}

func TestJoiningAPrivateGroupUninvitedIsRefusedAndChangesNothing(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	g := gxGroup(t, w.as(org), hood, "Rouwgroep", "private")

	jc := w.as(jan)
	if status, body := jc.call("POST", "/api/v1/groups/"+itoa(g)+"/join", map[string]string{"message": "mag ik?"}); status != 404 {
		t.Fatalf("join private uninvited (API) = %d %s", status, body)
	}
	if resp, _ := jc.submit("/groups/"+itoa(g)+"/join", url.Values{"message": {"mag ik?"}}); resp.StatusCode != 404 {
		t.Fatalf("join private uninvited (page) = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM group_members WHERE group_id = ?", g); n != 1 {
		t.Fatalf("%d members after refused joins", n)
	}
	if n := w.count("SELECT count(*) FROM group_join_requests WHERE group_id = ?", g); n != 0 {
		t.Fatalf("%d join requests after refused joins", n)
	}
}

func TestAnInvitationLetsSomeoneJoinAPrivateGroup(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	kim := w.person("Kim", models.RoleResident, hood)
	oc := w.as(org)
	g := gxGroup(t, oc, hood, "Rouwgroep", "private")

	oc.page("/groups/" + itoa(g))
	resp, page := oc.submit("/groups/"+itoa(g)+"/invitations", url.Values{"identifier": {"niemand@example.org"}})
	if resp.StatusCode != 422 || !strings.Contains(page, gxSays(w, "groups.invite.unknown")) || !strings.Contains(page, "niemand@example.org") {
		t.Fatalf("invite an unknown person = %d", resp.StatusCode)
	}
	if resp, _ = oc.submit("/groups/"+itoa(g)+"/invitations", url.Values{"identifier": {"JAN@example.org"}}); resp.StatusCode != 303 {
		t.Fatalf("invite by email = %d", resp.StatusCode)
	}

	// Jan now sees the group, marked as an invitation, and accepts it on the API.
	jc := w.as(jan)
	if _, page = jc.page("/neighbourhoods/" + itoa(hood) + "/groups"); !strings.Contains(page, "Rouwgroep") || !strings.Contains(page, gxSays(w, "groups.tie.invited")) {
		t.Fatal("the invited person does not see the private group in the list")
	}
	_, body := jc.call("GET", "/api/v1/me/invitations", nil)
	invs := fxDecode[[]models.Invitation](t, body)
	if len(invs) != 1 || invs[0].GroupID != g || invs[0].GroupName != "Rouwgroep" {
		t.Fatalf("my invitations = %s", body)
	}
	if status, body := jc.call("POST", "/api/v1/invitations/"+itoa(invs[0].ID), map[string]bool{"accept": true}); status != 200 || !strings.Contains(body, "accepted") {
		t.Fatalf("accept invitation = %d %s", status, body)
	}
	if gxRole(w, g, jan) != models.GroupMember {
		t.Fatal("accepting did not make Jan a member")
	}

	// Kim is invited by username and joins with the page's button.
	if status, body := oc.call("POST", "/api/v1/groups/"+itoa(g)+"/invitations", map[string]string{"identifier": "kim"}); status != 201 {
		t.Fatalf("invite by username (API) = %d %s", status, body)
	}
	kc := w.as(kim)
	if _, page = kc.page("/groups/" + itoa(g)); !strings.Contains(page, gxSays(w, "groups.page.invited")) {
		t.Fatal("Kim's page does not show the invitation")
	}
	if resp, _ = kc.submit("/groups/"+itoa(g)+"/invitation", url.Values{"accept": {"yes"}}); resp.StatusCode != 303 || gxRole(w, g, kim) != models.GroupMember {
		t.Fatalf("accept on the page = %d", resp.StatusCode)
	}
}

// TestAPrivateGroupIsNotFoundForNonMembersEverywhere tries every page and API route of groups,
// discussion and moderation as people who are not in a private group: a neighbour, the
// neighbourhood's worker (who moderates open groups, not private ones) and someone not signed in.
func TestAPrivateGroupIsNotFoundForNonMembersEverywhere(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	member := w.person("Jan", models.RoleResident, hood)
	oc := w.as(org)
	g := gxGroup(t, oc, hood, "Geheime Rouwgroep", "private")
	gxMember(w, org, member, g)
	ctx, db := t.Context(), w.a.db.Gorm
	post, err := models.CreatePost(ctx, db, member, g, "Een verdrietig bericht")
	if err != nil {
		t.Fatal(err)
	}
	comment, err := models.CommentOnPost(ctx, db, org, post.ID, "Sterkte")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.ReportContent(ctx, db, member, models.ContentPost, post.ID, "te persoonlijk"); err != nil {
		t.Fatal(err)
	}
	gs, ps := itoa(g), itoa(post.ID)
	pages := []struct{ method, path string }{
		{"GET", "/groups/" + gs}, {"GET", "/groups/" + gs + "?before=" + ps}, {"GET", "/groups/" + gs + "/edit"},
		{"POST", "/groups/" + gs + "/edit"}, {"POST", "/groups/" + gs + "/join"}, {"POST", "/groups/" + gs + "/leave"},
		{"POST", "/groups/" + gs + "/invitation"}, {"POST", "/groups/" + gs + "/invitations"},
		{"POST", "/groups/" + gs + "/requests/1"}, {"POST", "/groups/" + gs + "/members/" + itoa(member.ID) + "/remove"},
		{"POST", "/groups/" + gs + "/members/" + itoa(member.ID) + "/role"}, {"POST", "/groups/" + gs + "/handover"},
		{"POST", "/groups/" + gs + "/posts"}, {"POST", "/posts/" + ps + "/comments"},
	}
	apis := []struct{ method, path string }{
		{"GET", "/api/v1/groups/" + gs}, {"PATCH", "/api/v1/groups/" + gs}, {"POST", "/api/v1/groups/" + gs + "/join"},
		{"POST", "/api/v1/groups/" + gs + "/leave"}, {"GET", "/api/v1/groups/" + gs + "/members"},
		{"DELETE", "/api/v1/groups/" + gs + "/members/" + itoa(member.ID)}, {"PATCH", "/api/v1/groups/" + gs + "/members/" + itoa(member.ID)},
		{"POST", "/api/v1/groups/" + gs + "/handover"}, {"GET", "/api/v1/groups/" + gs + "/requests"},
		{"POST", "/api/v1/groups/" + gs + "/requests/1"}, {"POST", "/api/v1/groups/" + gs + "/invitations"},
		{"GET", "/api/v1/groups/" + gs + "/posts"}, {"POST", "/api/v1/groups/" + gs + "/posts"},
		{"POST", "/api/v1/posts/" + ps + "/comments"},
	}
	form := url.Values{"name": {"x"}, "membership": {"open"}, "body": {"hallo"}, "role": {"organiser"}, "user_id": {itoa(member.ID)},
		"identifier": {"piet"}, "accept": {"yes"}, "message": {"hoi"}}
	jsonBody := map[string]any{"name": "x", "body": "hallo", "role": "organiser", "user_id": member.ID, "accept": true, "message": "hoi"}
	content := []contentRequest{{Kind: models.ContentPost, ID: post.ID, Reason: "weg ermee"}, {Kind: models.ContentPostComment, ID: comment.ID, Reason: "weg ermee"}}

	neighbour := w.person("Kim", models.RoleResident, hood)
	worker := w.person("Youssef", models.RoleWorker, hood)
	for _, u := range []*models.User{neighbour, worker} {
		c := w.as(u)
		c.page("/neighbourhoods/" + itoa(hood))
		for _, p := range pages {
			var status int
			if p.method == "GET" {
				resp, _ := c.page(p.path)
				status = resp.StatusCode
			} else {
				resp, _ := c.submit(p.path, maps.Clone(form))
				status = resp.StatusCode
			}
			if status != 404 {
				t.Errorf("%s: page %s %s = %d, want 404", *u.Username, p.method, p.path, status)
			}
		}
		for _, p := range apis {
			if status, body := c.call(p.method, p.path, jsonBody); status != 404 {
				t.Errorf("%s: API %s %s = %d %s, want 404", *u.Username, p.method, p.path, status, body)
			}
		}
		for _, target := range content {
			values := url.Values{"kind": {string(target.Kind)}, "id": {itoa(target.ID)}, "reason": {target.Reason}, "next": {"/"}}
			for _, path := range []string{"/reports", "/moderation/hide", "/moderation/unhide"} {
				if resp, _ := c.submit(path, values); resp.StatusCode != 404 {
					t.Errorf("%s: page POST %s %v = %d, want 404", *u.Username, path, target, resp.StatusCode)
				}
				if status, body := c.call("POST", "/api/v1"+path, target); status != 404 {
					t.Errorf("%s: API POST %s %v = %d %s, want 404", *u.Username, path, target, status, body)
				}
			}
		}
		// Absent from lists, and its report absent from the moderators' list.
		_, page := c.page("/neighbourhoods/" + itoa(hood) + "/groups")
		_, all := c.call("GET", "/api/v1/groups", nil)
		_, inHood := c.call("GET", "/api/v1/groups?neighbourhood="+itoa(hood), nil)
		_, reports := c.page("/neighbourhoods/" + itoa(hood) + "/reports")
		_, apiReports := c.call("GET", "/api/v1/neighbourhoods/"+itoa(hood)+"/reports", nil)
		for what, text := range map[string]string{"groups page": page, "groups API": all, "groups API of the neighbourhood": inHood,
			"reports page": reports, "reports API": apiReports} {
			if strings.Contains(text, "Geheime Rouwgroep") || strings.Contains(text, "verdrietig") || strings.Contains(text, "te persoonlijk") {
				t.Errorf("%s: the %s shows the private group", *u.Username, what)
			}
		}
	}
	anon := w.anon()
	for _, path := range []string{"/groups/" + gs, "/api/v1/groups/" + gs, "/api/v1/groups/" + gs + "/posts", "/api/v1/groups/" + gs + "/members"} {
		if resp, _ := anon.page(path); resp.StatusCode != 404 {
			t.Errorf("not signed in: GET %s = %d, want 404", path, resp.StatusCode)
		}
	}
	if _, page := anon.page("/neighbourhoods/" + itoa(hood) + "/groups"); strings.Contains(page, "Geheime Rouwgroep") {
		t.Error("the groups page shows the private group to someone not signed in")
	}
	if n := w.count("SELECT count(*) FROM group_members WHERE group_id = ?", g); n != 2 {
		t.Errorf("%d members after the refused attempts, want 2", n)
	}
	if n := w.count("SELECT count(*) FROM group_posts WHERE group_id = ? AND hidden_at IS NULL", g); n != 1 {
		t.Errorf("%d visible posts after the refused attempts, want 1", n)
	}

	// Its members do see it, in lists too.
	mc := w.as(member)
	if _, page := mc.page("/groups/" + gs); !strings.Contains(page, "Een verdrietig bericht") || !strings.Contains(page, "Sterkte") {
		t.Error("a member does not see the private group's discussion")
	}
	if _, all := mc.call("GET", "/api/v1/groups", nil); !strings.Contains(all, "Geheime Rouwgroep") {
		t.Error("a member does not find the private group in the API list")
	}
}

func TestTheLastOrganiserCannotLeaveButCanHandOverFirst(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	oc := w.as(org)
	g := gxGroup(t, oc, hood, "Repaircafé", "open")
	gxMember(w, org, jan, g)
	gp := "/groups/" + itoa(g)

	oc.page(gp)
	resp, page := oc.submit(gp+"/leave", nil)
	if resp.StatusCode != 422 || !strings.Contains(page, gxSays(w, "group.last_organiser")) {
		t.Fatalf("last organiser leaves on the page = %d", resp.StatusCode)
	}
	status, body := oc.call("POST", "/api/v1/groups/"+itoa(g)+"/leave", nil)
	if e := decodeErr(t, body); status != 422 || e.Error.Fields["role"] == "" {
		t.Fatalf("last organiser leaves on the API = %d %s", status, body)
	}
	if gxRole(w, g, org) != models.GroupOrganiser {
		t.Fatal("the refused leave changed Fatima's role")
	}

	if resp, _ = oc.submit(gp+"/handover", url.Values{"user_id": {itoa(jan.ID)}}); resp.StatusCode != 303 {
		t.Fatalf("hand over = %d", resp.StatusCode)
	}
	if gxRole(w, g, jan) != models.GroupOrganiser || gxRole(w, g, org) != models.GroupMember {
		t.Fatalf("after handing over: Jan %q, Fatima %q", gxRole(w, g, jan), gxRole(w, g, org))
	}
	if resp, _ = oc.submit(gp+"/leave", nil); resp.StatusCode != 303 || resp.Header.Get("Location") != gp {
		t.Fatalf("leave after handing over = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if gxRole(w, g, org) != "" {
		t.Fatal("Fatima is still a member after leaving")
	}
}

func TestOrganisersChangeRolesAndRemoveMembers(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	kim := w.person("Kim", models.RoleResident, hood)
	oc := w.as(org)
	g := gxGroup(t, oc, hood, "Moestuin", "open")
	gxMember(w, org, jan, g)
	gxMember(w, org, kim, g)

	status, body := oc.call("PATCH", "/api/v1/groups/"+itoa(g)+"/members/"+itoa(jan.ID), map[string]string{"role": "organiser"})
	if status != 200 || gxRole(w, g, jan) != models.GroupOrganiser || !strings.Contains(body, `"display_name":"Jan"`) {
		t.Fatalf("make organiser = %d %s", status, body)
	}
	if status, _ := oc.call("PATCH", "/api/v1/groups/"+itoa(g)+"/members/"+itoa(jan.ID), map[string]string{"role": "boss"}); status != 422 {
		t.Fatalf("unknown role = %d", status)
	}
	kc := w.as(kim)
	if status, _ := kc.call("DELETE", "/api/v1/groups/"+itoa(g)+"/members/"+itoa(jan.ID), nil); status != 403 {
		t.Fatalf("a member removes an organiser = %d", status)
	}
	oc.page("/groups/" + itoa(g))
	if resp, _ := oc.submit("/groups/"+itoa(g)+"/members/"+itoa(kim.ID)+"/remove", nil); resp.StatusCode != 303 || gxRole(w, g, kim) != "" {
		t.Fatalf("remove on the page = %d", resp.StatusCode)
	}
}

func TestMembersAreShownToMembersOnly(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	member := w.person("Annemarie", models.RoleResident, hood)
	outsider := w.person("Kim", models.RoleResident, hood)
	g := gxGroup(t, w.as(org), hood, "Zangkoor", "open")
	gxMember(w, org, member, g)

	c := w.as(outsider)
	_, page := c.page("/groups/" + itoa(g))
	if strings.Contains(page, "Annemarie") || strings.Contains(page, "Fatima") || !strings.Contains(page, gxSays(w, "groups.page.members_hidden")) {
		t.Fatal("the group page shows its members to someone who is not in it")
	}
	if status, _ := c.call("GET", "/api/v1/groups/"+itoa(g)+"/members", nil); status != 403 {
		t.Fatalf("members API for a non-member = %d", status)
	}
	if _, body := c.call("GET", "/api/v1/groups/"+itoa(g), nil); strings.Contains(body, "member_count") {
		t.Fatalf("the group shows a non-member how many members it has: %s", body)
	}
	if _, page := w.anon().page("/groups/" + itoa(g)); strings.Contains(page, "Annemarie") {
		t.Fatal("the group page shows its members to someone not signed in")
	}

	mc := w.as(member)
	if _, page = mc.page("/groups/" + itoa(g)); !strings.Contains(page, "Fatima") {
		t.Fatal("a member does not see the other members")
	}
	_, body := mc.call("GET", "/api/v1/groups/"+itoa(g)+"/members", nil)
	ms := fxDecode[[]models.GroupMemberView](t, body)
	if len(ms) != 2 || ms[0].DisplayName != "Fatima" || ms[0].Role != models.GroupOrganiser || strings.Contains(body, "@example.org") {
		t.Fatalf("members = %s", body)
	}
}

func TestBadGroupInputIsRefusedClearlyAndChangesNothing(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	c := w.as(org)
	for _, in := range []map[string]any{
		{"neighbourhood_id": hood, "name": "  ", "membership": "open"},
		{"neighbourhood_id": hood, "name": "Schaakclub", "membership": "secret"},
		{"name": "Schaakclub"},
	} {
		status, body := c.call("POST", "/api/v1/groups", in)
		if e := decodeErr(t, body); status != 422 || len(e.Error.Fields) == 0 {
			t.Errorf("create %v = %d %s", in, status, body)
		}
	}
	_, page := c.page("/neighbourhoods/" + itoa(hood) + "/groups")
	if !strings.Contains(page, `action="/neighbourhoods/`+itoa(hood)+`/groups"`) {
		t.Fatal("the groups page offers no form to make a group")
	}
	resp, page := c.submit("/neighbourhoods/"+itoa(hood)+"/groups", url.Values{"name": {""}, "description": {"Elke week schaken"}, "membership": {"open"}})
	if resp.StatusCode != 422 || !strings.Contains(page, gxSays(w, "group.name.required")) || !strings.Contains(page, "Elke week schaken") {
		t.Fatalf("empty name on the page = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM groups"); n != 0 {
		t.Fatalf("%d groups after refused input", n)
	}

	g := gxGroup(t, c, hood, "Schaakclub", "open")
	status, body := c.call("PATCH", "/api/v1/groups/"+itoa(g), map[string]string{"membership": "secret"})
	if e := decodeErr(t, body); status != 422 || e.Error.Fields["membership"] == "" {
		t.Fatalf("patch unknown membership = %d %s", status, body)
	}
	c.page("/groups/" + itoa(g) + "/edit")
	if resp, _ := c.submit("/groups/"+itoa(g)+"/edit", url.Values{"name": {""}, "membership": {"open"}}); resp.StatusCode != 422 {
		t.Fatalf("empty name on the edit page = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM groups WHERE name = 'Schaakclub' AND membership = 'open'"); n != 1 {
		t.Fatal("refused changes changed the group")
	}
	if resp, _ := c.submit("/groups/"+itoa(g)+"/edit", url.Values{"name": {"Schaakclub Rabot"}, "membership": {"closed"}}); resp.StatusCode != 303 {
		t.Fatalf("edit = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM groups WHERE name = 'Schaakclub Rabot' AND membership = 'closed'"); n != 1 {
		t.Fatal("the edit was not stored")
	}
}

func TestTheGroupPageLinksToItsNeighbourhoodAndShowsItsMeetups(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	c := w.as(org)
	resp, _ := c.submit("/neighbourhoods/"+itoa(hood)+"/groups", url.Values{"name": {"Fietsatelier"}, "description": {"Samen fietsen herstellen"}, "membership": {"open"}})
	g, ok := parseID(strings.TrimPrefix(resp.Header.Get("Location"), "/groups/"))
	if resp.StatusCode != 303 || !ok {
		t.Fatalf("create on the page = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	end := start.Add(2 * time.Hour)
	m, err := models.CreateMeetup(t.Context(), w.a.db.Gorm, org, models.NewMeetup{GroupID: &g, MeetupInput: models.MeetupInput{
		Title: new("Banden plakken"), StartsAt: &start, EndsAt: &end, Place: &models.Place{Name: "Buurthuis"}, Publish: true}}, w.a.cfg.Location)
	if err != nil {
		t.Fatal(err)
	}

	_, page := w.anon().page("/groups/" + itoa(g))
	for _, want := range []string{`href="/neighbourhoods/` + itoa(hood) + `"`, `href="/neighbourhoods/` + itoa(hood) + `/groups"`,
		"Samen fietsen herstellen", gxSays(w, "groups.membership.open.explained"), "Banden plakken", `href="/meetups/` + itoa(m.ID) + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the group page lacks %q", want)
		}
	}
	_, page = w.anon().page("/neighbourhoods/" + itoa(hood) + "/groups")
	if !strings.Contains(page, `href="/groups/`+itoa(g)+`"`) || !strings.Contains(page, `href="/neighbourhoods/`+itoa(hood)+`"`) {
		t.Error("the groups page does not link to the group and back to the neighbourhood")
	}
}
