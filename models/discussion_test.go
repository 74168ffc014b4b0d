package models

import (
	"errors"
	"testing"
	"time"
)

func TestGroupDiscussionIsForMembers(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Buurtmoestuin", MembershipOpen)
	if _, err := CreatePost(ctx, w.db, w.bob, g.ID, "Mag ik ook iets zeggen?"); !errors.Is(err, ErrForbidden) {
		t.Errorf("a non-member posts: %v", err)
	}
	if _, err := Posts(ctx, w.db, w.bob, g.ID, 0, 0); !errors.Is(err, ErrForbidden) {
		t.Errorf("a non-member reads: %v", err)
	}
	_, err := CreatePost(ctx, w.db, w.ann, g.ID, " \r\n ")
	wantField(t, err, "post.body.required")
	p, err := CreatePost(ctx, w.db, w.ann, g.ID, "Zaterdag planten we tomaten.\r\nWie helpt?")
	if err != nil || p.Body != "Zaterdag planten we tomaten.\nWie helpt?" {
		t.Fatalf("post: %v %q", err, p.Body)
	}
	if _, err := JoinGroup(ctx, w.db, w.bob, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := CommentOnPost(ctx, w.db, w.bob, p.ID, "Ik breng gieters mee"); err != nil {
		t.Fatal(err)
	}
	posts, err := Posts(ctx, w.db, w.bob, g.ID, 0, 0)
	if err != nil || len(posts) != 1 || len(posts[0].Comments) != 1 || posts[0].Author.DisplayName != "ann" ||
		posts[0].Comments[0].Author.DisplayName != "bob" {
		t.Errorf("discussion %v %+v", err, posts)
	}
	if _, err := Posts(ctx, w.db, w.worker, g.ID, 0, 0); err != nil {
		t.Errorf("the neighbourhood's worker cannot read along to moderate: %v", err)
	}
}

func TestReportsReachModeratorsAndHiddenContentStays(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Buurtchat", MembershipOpen)
	if _, err := JoinGroup(ctx, w.db, w.bob, g.ID, ""); err != nil {
		t.Fatal(err)
	}
	p, err := CreatePost(ctx, w.db, w.bob, g.ID, "Iets kwetsends")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ReportContent(ctx, w.db, w.ann, ContentPost, p.ID, " ")
	wantField(t, err, "report.reason.required")
	r, err := ReportContent(ctx, w.db, w.ann, ContentPost, p.ID, "Dit is kwetsend voor buren")
	if err != nil || r.GroupID == nil || *r.GroupID != g.ID || r.NeighbourhoodID != w.hood {
		t.Fatalf("report: %v %+v", err, r)
	}
	_, err = ReportContent(ctx, w.db, w.ann, ContentPost, p.ID, "nog eens")
	wantField(t, err, "report.already")
	_, err = ReportContent(ctx, w.db, w.ann, "profile", p.ID, "?")
	wantField(t, err, "report.kind.invalid")

	m := w.meetup(t, nil, 0, time.Now().Add(24*time.Hour))
	if _, err := ReportContent(ctx, w.db, nil, ContentMeetup, m.ID, "Dit is reclame"); err != nil {
		t.Errorf("a report from someone not signed in: %v", err)
	}
	for _, c := range []struct {
		who  *User
		want int
	}{{w.worker, 2}, {w.coord, 2}, {w.ann, 1}, {w.bob, 0}} {
		rs, err := OpenReports(ctx, w.db, c.who, w.hood)
		if err != nil || len(rs) != c.want {
			t.Errorf("%s sees %d reports (%v), want %d", c.who.Name(), len(rs), err, c.want)
		}
	}

	if err := HideContent(ctx, w.db, w.bob, ContentPost, p.ID, "eigen post"); !errors.Is(err, ErrForbidden) {
		t.Errorf("a member hides: %v", err)
	}
	wantField(t, HideContent(ctx, w.db, w.ann, ContentPost, p.ID, ""), "moderation.reason.required")
	if err := HideContent(ctx, w.db, w.ann, ContentPost, p.ID, "Kwetsend"); err != nil {
		t.Fatal(err)
	}
	if posts, _ := Posts(ctx, w.db, w.bob, g.ID, 0, 0); len(posts) != 0 {
		t.Errorf("members still see the hidden post")
	}
	posts, _ := Posts(ctx, w.db, w.worker, g.ID, 0, 0)
	if len(posts) != 1 || !posts[0].Hidden() || *posts[0].HiddenBy != w.ann.ID || *posts[0].HiddenReason != "Kwetsend" {
		t.Errorf("moderators see %+v, want the post marked hidden", posts)
	}
	if rs, _ := OpenReports(ctx, w.db, w.worker, w.hood); len(rs) != 1 {
		t.Errorf("%d open reports after hiding, want 1 (the meetup)", len(rs))
	}
	if err := HideContent(ctx, w.db, w.worker, ContentMeetup, m.ID, "Reclame"); err != nil {
		t.Fatal(err)
	}
	if _, err := MeetupByID(ctx, w.db, w.bob, m.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("a hidden meetup is still shown: %v", err)
	}
	if err := UnhideContent(ctx, w.db, w.worker, ContentMeetup, m.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := MeetupByID(ctx, w.db, nil, m.ID); err != nil {
		t.Errorf("unhidden meetup: %v", err)
	}

	c, err := CommentOnMeetup(ctx, w.db, w.bob, m.ID, "Kan ik de kinderen meenemen?")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := MeetupComments(ctx, w.db, nil, m.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("comments shown to someone not signed in: %v", err)
	}
	if err := HideContent(ctx, w.db, w.worker, ContentMeetupComment, c.ID, "Privégegevens"); err != nil {
		t.Fatal(err)
	}
	if cs, _ := MeetupComments(ctx, w.db, w.ann, m.ID); len(cs) != 0 {
		t.Errorf("hidden comment shown")
	}
	if cs, _ := MeetupComments(ctx, w.db, w.worker, m.ID); len(cs) != 1 || cs[0].Author.DisplayName != "bob" {
		t.Errorf("the moderator's view: %+v", cs)
	}
}

func TestReportsInPrivateGroupsStayWithTheirOrganisers(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	g := w.group(t, "Lotgenoten", MembershipPrivate)
	p, err := CreatePost(ctx, w.db, w.ann, g.ID, "Een moeilijke week")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReportContent(ctx, w.db, w.ann, ContentPost, p.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if rs, _ := OpenReports(ctx, w.db, w.worker, w.hood); len(rs) != 0 {
		t.Errorf("a worker sees %d reports of a private group", len(rs))
	}
	if err := HideContent(ctx, w.db, w.worker, ContentPost, p.ID, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a worker hides in a private group: %v", err)
	}
	rs, _ := OpenReports(ctx, w.db, w.ann, w.hood)
	if len(rs) != 1 {
		t.Fatalf("the organiser sees %d reports", len(rs))
	}
	if err := DismissReport(ctx, w.db, w.ann, rs[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := DismissReport(ctx, w.db, w.ann, rs[0].ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("dismissed twice: %v", err)
	}
}

func TestCalendarFeedTokenIsSecretAndRevocable(t *testing.T) {
	w := newHoodWorld(t)
	ctx := t.Context()
	first, err := NewCalendarToken(ctx, w.db, w.ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := UserByCalendarToken(ctx, w.db, first); err != nil || u.ID != w.ann.ID {
		t.Fatalf("feed token: %v", err)
	}
	second, err := NewCalendarToken(ctx, w.db, w.ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := UserByCalendarToken(ctx, w.db, first); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old token still works: %v", err)
	}
	if err := RevokeCalendarTokens(ctx, w.db, w.ann.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := UserByCalendarToken(ctx, w.db, second); !errors.Is(err, ErrNotFound) {
		t.Errorf("a revoked token works: %v", err)
	}
	var stored int64
	w.db.Table("calendar_tokens").Where("token_hash = ?", []byte(second)).Count(&stored)
	if stored != 0 {
		t.Error("the token itself is stored")
	}
}
