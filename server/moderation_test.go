package main

import (
	"net/url"
	"strings"
	"testing"

	"nabij/models"
)

func TestAModeratorHidesAndUnhidesAReportedPostWithWhoAndWhy(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	author := w.person("Jan", models.RoleResident, hood)
	reader := w.person("Kim", models.RoleResident, hood)
	worker := w.person("Youssef", models.RoleWorker, hood)
	g := gxGroup(t, w.as(org), hood, "Buurtpraat", "open")
	gxMember(w, org, author, g)
	gxMember(w, org, reader, g)
	post, err := models.CreatePost(t.Context(), w.a.db.Gorm, author, g, "Iets gemeens over de buren")
	if err != nil {
		t.Fatal(err)
	}
	gp, ps := "/groups/"+itoa(g), itoa(post.ID)

	// Kim reports it from the group page, with a reason, and is thanked on the page.
	kc := w.as(reader)
	_, page := kc.page(gp)
	if !strings.Contains(page, "/reports/new?kind=post&amp;id="+ps) {
		t.Fatal("the post has no link to report it")
	}
	kc.page("/reports/new?kind=post&id=" + ps + "&next=" + url.QueryEscape(gp+"#post-"+ps))
	resp, _ := kc.submit("/reports", url.Values{"kind": {"post"}, "id": {ps}, "reason": {""}, "next": {gp}})
	if resp.StatusCode != 422 || w.count("SELECT count(*) FROM content_reports") != 0 {
		t.Fatalf("report without a reason = %d", resp.StatusCode)
	}
	resp, _ = kc.submit("/reports", url.Values{"kind": {"post"}, "id": {ps}, "reason": {"Dit is kwetsend"}, "next": {gp + "#post-" + ps}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != gp+"?reported=1#post-"+ps {
		t.Fatalf("report = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page = kc.page(gp + "?reported=1"); !strings.Contains(page, gxSays(w, "groups.report.thanks")) {
		t.Fatal("the page does not thank the reporter")
	}

	// The neighbourhood's worker sees the report and hides the post with a reason.
	yc := w.as(worker)
	_, page = yc.page("/neighbourhoods/" + itoa(hood) + "/reports")
	if !strings.Contains(page, "Iets gemeens over de buren") || !strings.Contains(page, "Dit is kwetsend") || !strings.Contains(page, `href="`+gp+`#post-`+ps+`"`) {
		t.Fatal("the reports page does not show the report, the post and where it is")
	}
	if resp, _ := yc.submit("/moderation/hide", url.Values{"kind": {"post"}, "id": {ps}, "reason": {" "}, "next": {"/"}}); resp.StatusCode != 422 {
		t.Fatalf("hide without a reason = %d", resp.StatusCode)
	}
	next := "/neighbourhoods/" + itoa(hood) + "/reports"
	resp, _ = yc.submit("/moderation/hide", url.Values{"kind": {"post"}, "id": {ps}, "reason": {"Beledigend"}, "next": {next}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != next {
		t.Fatalf("hide = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := w.count("SELECT count(*) FROM group_posts WHERE id = ? AND hidden_by = ? AND hidden_reason = 'Beledigend'", post.ID, worker.ID); n != 1 {
		t.Fatal("the post is not stored as hidden by the worker with the reason")
	}
	if n := w.count("SELECT count(*) FROM content_reports WHERE resolution = 'hidden' AND resolved_by = ?", worker.ID); n != 1 {
		t.Fatal("hiding did not close the report")
	}
	if _, page = yc.page(next); strings.Contains(page, "Dit is kwetsend") {
		t.Fatal("the closed report is still on the reports page")
	}

	// Moderators see who hid it and why; members see only a placeholder.
	hiddenBy := w.a.views.translate("nl", "groups.moderation.hidden_by", map[string]any{"Name": "Youssef", "Reason": "Beledigend"})
	if _, page = yc.page(gp); !strings.Contains(page, hiddenBy) || !strings.Contains(page, "Iets gemeens") {
		t.Fatalf("the moderator does not see %q with the post", hiddenBy)
	}
	if _, page = kc.page(gp); strings.Contains(page, "Iets gemeens") || strings.Contains(page, "Beledigend") || !strings.Contains(page, gxSays(w, "groups.moderation.hidden_placeholder")) {
		t.Fatal("a member sees the hidden post, or no placeholder")
	}
	_, body := kc.call("GET", "/api/v1/groups/"+itoa(g)+"/posts", nil)
	if d := fxDecode[discussionJSON](t, body); len(d.Posts) != 1 || d.Posts[0].Body != "" || d.Posts[0].HiddenAt == nil || d.Posts[0].HiddenReason != nil {
		t.Fatalf("the API shows a member the hidden post: %s", body)
	}
	_, body = yc.call("GET", "/api/v1/groups/"+itoa(g)+"/posts", nil)
	if d := fxDecode[discussionJSON](t, body); len(d.Hiders) != 1 || d.Hiders[0].DisplayName != "Youssef" || *d.Posts[0].HiddenReason != "Beledigend" {
		t.Fatalf("the API does not tell the moderator who hid the post and why: %s", body)
	}
	if status, _ := kc.call("POST", "/api/v1/moderation/unhide", contentRequest{Kind: models.ContentPost, ID: post.ID}); status != 403 {
		t.Fatalf("a member unhides = %d", status)
	}

	// The worker shows it again.
	if resp, _ := yc.submit("/moderation/unhide", url.Values{"kind": {"post"}, "id": {ps}, "next": {gp}}); resp.StatusCode != 303 {
		t.Fatalf("unhide = %d", resp.StatusCode)
	}
	if _, page = kc.page(gp); !strings.Contains(page, "Iets gemeens over de buren") {
		t.Fatal("the member does not see the post again after unhiding")
	}
}

func TestAModeratorDismissesAReportAndNonModeratorsSeeNone(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	jan := w.person("Jan", models.RoleResident, hood)
	g := gxGroup(t, w.as(org), hood, "Buurtpraat", "open")
	gxMember(w, org, jan, g)
	ctx, db := t.Context(), w.a.db.Gorm
	post, err := models.CreatePost(ctx, db, org, g, "Wie heeft er een ladder?")
	if err != nil {
		t.Fatal(err)
	}
	comment, err := models.CommentOnPost(ctx, db, jan, post.ID, "Ik heb er een")
	if err != nil {
		t.Fatal(err)
	}
	jc := w.as(jan)
	status, body := jc.call("POST", "/api/v1/reports", contentRequest{Kind: models.ContentPostComment, ID: comment.ID, Reason: "per ongeluk"})
	if status != 201 {
		t.Fatalf("report a comment = %d %s", status, body)
	}
	if status, _ := jc.call("POST", "/api/v1/reports", contentRequest{Kind: "poem", ID: comment.ID, Reason: "x"}); status != 422 {
		t.Fatalf("report an unknown kind = %d", status)
	}
	if _, body := jc.call("GET", "/api/v1/neighbourhoods/"+itoa(hood)+"/reports", nil); body != "[]" {
		t.Fatalf("a member who does not moderate sees reports: %s", body)
	}

	// The group's organiser moderates it: sees the report and dismisses it.
	oc := w.as(org)
	_, body = oc.call("GET", "/api/v1/neighbourhoods/"+itoa(hood)+"/reports", nil)
	rs := fxDecode[[]reportJSON](t, body)
	if len(rs) != 1 || rs[0].Reason != "per ongeluk" || rs[0].Target == nil || rs[0].Target.Excerpt != "Ik heb er een" {
		t.Fatalf("the organiser's reports = %s", body)
	}
	next := "/neighbourhoods/" + itoa(hood) + "/reports"
	oc.page(next)
	resp, _ := oc.submit("/reports/"+itoa(rs[0].ID)+"/dismiss", url.Values{"next": {next}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != next {
		t.Fatalf("dismiss = %d", resp.StatusCode)
	}
	if n := w.count("SELECT count(*) FROM content_reports WHERE resolution = 'dismissed' AND resolved_by = ?", org.ID); n != 1 {
		t.Fatal("the report is not dismissed")
	}
	if n := w.count("SELECT count(*) FROM group_post_comments WHERE hidden_at IS NULL"); n != 1 {
		t.Fatal("dismissing hid the comment")
	}
	if status, _ := oc.call("POST", "/api/v1/reports/"+itoa(rs[0].ID)+"/dismiss", nil); status != 404 {
		t.Fatalf("dismiss twice = %d", status)
	}
}

func TestTheDiscussionIsPagedAndKeepsAFailedComment(t *testing.T) {
	t.Parallel()
	w := fxNew(t)
	hood := w.hood("Rabot")
	org := w.person("Fatima", models.RoleResident, hood)
	g := gxGroup(t, w.as(org), hood, "Buurtpraat", "open")
	c := w.as(org)
	for i := range 25 {
		if status, body := c.call("POST", "/api/v1/groups/"+itoa(g)+"/posts", map[string]string{"body": "Bericht nummer " + itoa(int64(i+1)) + "."}); status != 201 {
			t.Fatalf("post = %d %s", status, body)
		}
	}
	gp := "/groups/" + itoa(g)
	_, page := c.page(gp)
	if !strings.Contains(page, "Bericht nummer 25.") || strings.Contains(page, "Bericht nummer 5.") {
		t.Fatal("the first page does not show the 20 newest posts")
	}
	_, body := c.call("GET", "/api/v1/groups/"+itoa(g)+"/posts", nil)
	d := fxDecode[discussionJSON](t, body)
	if len(d.Posts) != 20 || d.NextBefore == nil || !strings.Contains(page, gp+"?before="+itoa(*d.NextBefore)) {
		t.Fatalf("first page: %d posts, next %v", len(d.Posts), d.NextBefore)
	}
	if _, page = c.page(gp + "?before=" + itoa(*d.NextBefore)); !strings.Contains(page, "Bericht nummer 5.") || strings.Contains(page, "Bericht nummer 6.") {
		t.Fatal("the older page does not show the 5 oldest posts")
	}

	last := d.Posts[0].ID
	resp, page := c.submit("/posts/"+itoa(last)+"/comments", url.Values{"post_id": {itoa(last)}, "body": {"   "}})
	if resp.StatusCode != 422 || !strings.Contains(page, `id="e-comment-`+itoa(last)+`"`) {
		t.Fatalf("empty comment = %d", resp.StatusCode)
	}
	resp, _ = c.submit("/posts/"+itoa(last)+"/comments", url.Values{"post_id": {itoa(last)}, "body": {"Goed idee"}})
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), gp+"#comment-") {
		t.Fatalf("comment = %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _ := w.as(w.person("Kim", models.RoleResident, hood)).call("POST", "/api/v1/posts/"+itoa(last)+"/comments", messageRequest{Body: "hoi"}); status != 403 {
		t.Fatalf("a non-member comments = %d", status)
	}
}
