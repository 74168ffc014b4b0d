package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Read helpers for the group, discussion and moderation pages and API. They go through the same
// rules as the rest of models: GroupVisibleTo, CanReadGroupDiscussion, CanModerate.

// UserByIdentifier finds a live account by username or email address, as an organiser types it
// to invite someone. ErrNotFound when there is none.
func UserByIdentifier(ctx context.Context, db *gorm.DB, identifier string) (*User, error) {
	identifier = strings.TrimSpace(identifier)
	if identifier == "" {
		return nil, ErrNotFound
	}
	var u User
	err := db.WithContext(ctx).
		Where("deleted_at IS NULL AND (lower(email) = lower(?) OR username = lower(?))", identifier, identifier).
		Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("look up account: %w", err)
	}
	return &u, nil
}

// NeighbourhoodsOf lists the ids of the neighbourhoods a person belongs to: their home, the ones
// they follow and the ones they work in.
func NeighbourhoodsOf(ctx context.Context, db *gorm.DB, u *User) ([]int64, error) {
	if u == nil {
		return nil, nil
	}
	var ids []int64
	err := db.WithContext(ctx).Raw(`SELECT neighbourhood_id FROM neighbourhood_follows WHERE user_id = @user
		UNION SELECT neighbourhood_id FROM neighbourhood_workers WHERE user_id = @user
		UNION SELECT home_neighbourhood_id FROM users WHERE id = @user AND home_neighbourhood_id IS NOT NULL`,
		map[string]any{"user": u.ID}).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("list neighbourhoods of user %d: %w", u.ID, err)
	}
	return ids, nil
}

// VisibleGroups lists the groups the viewer may see in the given neighbourhoods, or in every
// neighbourhood when ids is nil, by neighbourhood and name.
func VisibleGroups(ctx context.Context, db *gorm.DB, viewer *User, ids []int64) ([]Group, error) {
	q := db.WithContext(ctx).Scopes(GroupVisibleTo(viewer))
	if ids != nil {
		q = q.Where("groups.neighbourhood_id IN ?", ids)
	}
	var gs []Group
	if err := q.Order("groups.neighbourhood_id, lower(groups.name), groups.id").Limit(1000).Find(&gs).Error; err != nil {
		return nil, fmt.Errorf("list visible groups: %w", err)
	}
	return gs, nil
}

// LatestJoinRequest returns the person's most recent request to join the group, pending or
// answered, so they can see the organiser's answer; nil when they never asked.
func LatestJoinRequest(ctx context.Context, db *gorm.DB, groupID, userID int64) (*JoinRequest, error) {
	var rs []JoinRequest
	err := db.WithContext(ctx).Where("group_id = ? AND user_id = ?", groupID, userID).Order("id DESC").Limit(1).Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("load join request: %w", err)
	}
	if len(rs) == 0 {
		return nil, nil
	}
	return &rs[0], nil
}

// GroupOfPost returns the group a post belongs to, when the viewer may see that group.
func GroupOfPost(ctx context.Context, db *gorm.DB, viewer *User, postID int64) (*Group, error) {
	var groupIDs []int64
	if err := db.WithContext(ctx).Model(&Post{}).Where("id = ?", postID).Pluck("group_id", &groupIDs).Error; err != nil {
		return nil, fmt.Errorf("load post %d: %w", postID, err)
	}
	if len(groupIDs) == 0 {
		return nil, ErrNotFound
	}
	return GroupByID(ctx, db, viewer, groupIDs[0])
}

// DiscussionPage is one page of a group's discussion as the viewer may see it.
type DiscussionPage struct {
	Posts []Post
	// Moderator: the viewer moderates the group and sees hidden posts and comments in full.
	Moderator bool
	// Hiders are the moderators who hid something on this page, by id (for moderators only).
	Hiders map[int64]PublicUser
	// More: there are older posts; ask again with beforeID set to the last post's id.
	More bool
}

// Discussion returns a group's discussion, newest first: limit posts (at most 100) older than
// beforeID (0: the newest), each with its comments oldest first. Hidden posts and comments keep
// their place: those who moderate the group see them in full with who hid them and why; others
// see only that a moderator hid something there (no text, no author, no comments under it).
func Discussion(ctx context.Context, db *gorm.DB, viewer *User, groupID, beforeID int64, limit int) (*DiscussionPage, error) {
	g, err := GroupByID(ctx, db, viewer, groupID)
	if err != nil {
		return nil, err
	}
	if ok, err := CanReadGroupDiscussion(ctx, db, viewer, g); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrForbidden
	}
	page := &DiscussionPage{}
	if page.Moderator, err = CanModerate(ctx, db, viewer, g.NeighbourhoodID, g); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	q := db.WithContext(ctx).Where("group_id = ?", g.ID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if err := q.Order("id DESC").Limit(limit + 1).Find(&page.Posts).Error; err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	if page.More = len(page.Posts) > limit; page.More {
		page.Posts = page.Posts[:limit]
	}
	if err := page.fill(ctx, db); err != nil {
		return nil, err
	}
	return page, nil
}

// fill adds the comments and the authors to the page's posts, and leaves out what a
// non-moderator may not read of hidden content.
func (p *DiscussionPage) fill(ctx context.Context, db *gorm.DB) error {
	postIDs := make([]int64, len(p.Posts))
	for i := range p.Posts {
		postIDs[i] = p.Posts[i].ID
	}
	var comments []PostComment
	if err := db.WithContext(ctx).Where("post_id IN ?", postIDs).Order("id").Find(&comments).Error; err != nil {
		return fmt.Errorf("list comments: %w", err)
	}
	var ids []*int64
	for i := range p.Posts {
		ids = append(ids, p.Posts[i].AuthorID, p.Posts[i].HiddenBy)
	}
	for i := range comments {
		ids = append(ids, comments[i].AuthorID, comments[i].HiddenBy)
	}
	people, err := loadAuthors(ctx, db, ids)
	if err != nil {
		return err
	}
	byPost := map[int64][]PostComment{}
	for _, c := range comments {
		c.Author = author(people, c.AuthorID)
		if c.Hidden() && !p.Moderator {
			c = PostComment{ID: c.ID, PostID: c.PostID, CreatedAt: c.CreatedAt, Hiding: Hiding{HiddenAt: c.HiddenAt}}
		}
		byPost[c.PostID] = append(byPost[c.PostID], c)
	}
	p.Hiders = map[int64]PublicUser{}
	for i := range p.Posts {
		post := &p.Posts[i]
		post.Author, post.Comments = author(people, post.AuthorID), append([]PostComment{}, byPost[post.ID]...)
		if post.Hidden() && !p.Moderator {
			*post = Post{ID: post.ID, GroupID: post.GroupID, CreatedAt: post.CreatedAt, Hiding: Hiding{HiddenAt: post.HiddenAt}, Comments: []PostComment{}}
		}
		p.addHiders(people, post.Hiding)
		for _, c := range post.Comments {
			p.addHiders(people, c.Hiding)
		}
	}
	return nil
}

// addHiders notes who hid h, for moderators (others never get HiddenBy).
func (p *DiscussionPage) addHiders(people map[int64]PublicUser, h Hiding) {
	if p.Moderator && h.HiddenBy != nil {
		p.Hiders[*h.HiddenBy] = people[*h.HiddenBy]
	}
}

// ReportTarget is what a report is about, as the moderators' list shows it: a short excerpt,
// whether it is hidden already, and where it lives (GroupID and PostID for posts and their
// comments, MeetupID for meetups and their comments).
type ReportTarget struct {
	Kind     ContentKind `json:"kind"`
	ID       int64       `json:"id"`
	Excerpt  string      `json:"excerpt"`
	Hidden   bool        `json:"hidden"`
	GroupID  *int64      `json:"group_id,omitempty"`
	PostID   *int64      `json:"post_id,omitempty"`
	MeetupID *int64      `json:"meetup_id,omitempty"`
}

// reportTargetQueries read the target of each kind of report; every query returns id, excerpt,
// hidden, group_id, post_id and meetup_id for the ids given.
var reportTargetQueries = map[ContentKind]string{
	ContentPost: `SELECT id, body AS excerpt, hidden_at IS NOT NULL AS hidden, group_id, id AS post_id, NULL::bigint AS meetup_id
		FROM group_posts WHERE id IN ?`,
	ContentPostComment: `SELECT c.id, c.body AS excerpt, c.hidden_at IS NOT NULL AS hidden, p.group_id, p.id AS post_id, NULL::bigint AS meetup_id
		FROM group_post_comments c JOIN group_posts p ON p.id = c.post_id WHERE c.id IN ?`,
	ContentMeetup: `SELECT id, title AS excerpt, hidden_at IS NOT NULL AS hidden, group_id, NULL::bigint AS post_id, id AS meetup_id
		FROM meetups WHERE id IN ?`,
	ContentMeetupComment: `SELECT id, body AS excerpt, hidden_at IS NOT NULL AS hidden, NULL::bigint AS group_id, NULL::bigint AS post_id, meetup_id
		FROM meetup_comments WHERE id IN ?`,
}

// ReportTargets describes what each of the given reports is about, by report id. The reports
// must come from OpenReports, which only returns those the viewer may act on.
func ReportTargets(ctx context.Context, db *gorm.DB, reports []Report) (map[int64]ReportTarget, error) {
	want := map[ContentKind][]int64{}
	for i := range reports {
		kind, id := reports[i].Target()
		want[kind] = append(want[kind], id)
	}
	found := map[ContentKind]map[int64]ReportTarget{}
	for kind, ids := range want {
		var rows []ReportTarget
		if err := db.WithContext(ctx).Raw(reportTargetQueries[kind], ids).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("load reported %s: %w", kind, err)
		}
		found[kind] = map[int64]ReportTarget{}
		for _, r := range rows {
			r.Kind, r.Excerpt = kind, excerpt(r.Excerpt, 200)
			found[kind][r.ID] = r
		}
	}
	out := make(map[int64]ReportTarget, len(reports))
	for i := range reports {
		kind, id := reports[i].Target()
		if t, ok := found[kind][id]; ok {
			out[reports[i].ID] = t
		}
	}
	return out, nil
}

// excerpt shortens s to at most n characters, on one line.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
