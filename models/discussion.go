package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Post is a message in a group's discussion, with its comments.
type Post struct {
	ID        int64      `json:"id"`
	GroupID   int64      `json:"group_id"`
	AuthorID  *int64     `json:"-"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	Author    PublicUser `json:"author" gorm:"-"`
	Hiding
	Comments []PostComment `json:"comments" gorm:"-"`
}

// TableName is the table of group posts.
func (Post) TableName() string { return "group_posts" }

// PostComment is a reply to a post.
type PostComment struct {
	ID        int64      `json:"id"`
	PostID    int64      `json:"post_id"`
	AuthorID  *int64     `json:"-"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	Author    PublicUser `json:"author" gorm:"-"`
	Hiding
}

// TableName is the table of comments on group posts.
func (PostComment) TableName() string { return "group_post_comments" }

// MeetupComment is a comment on a meetup.
type MeetupComment struct {
	ID        int64      `json:"id"`
	MeetupID  int64      `json:"meetup_id"`
	AuthorID  *int64     `json:"-"`
	Body      string     `json:"body"`
	CreatedAt time.Time  `json:"created_at"`
	Author    PublicUser `json:"author" gorm:"-"`
	Hiding
}

// messageBody cleans a post or comment and checks its length, with the message ids to use.
func messageBody(body string, maxLen int, required, tooLong string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if n := utf8.RuneCountInString(body); n == 0 {
		return "", FieldErrors{"body": required}
	} else if n > maxLen {
		return "", FieldErrors{"body": tooLong}
	}
	return body, nil
}

// groupToPostIn loads a group the actor can see and may write in: ErrNotFound for a group they
// cannot see, ErrForbidden for one they can see but not write in.
func groupToPostIn(ctx context.Context, db *gorm.DB, actor *User, groupID int64) (*Group, error) {
	g, err := GroupByID(ctx, db, actor, groupID)
	if err != nil {
		return nil, err
	}
	ok, err := CanPostInGroup(ctx, db, actor, g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	return g, nil
}

// CreatePost writes a post in a group's discussion (members).
func CreatePost(ctx context.Context, db *gorm.DB, actor *User, groupID int64, body string) (*Post, error) {
	g, err := groupToPostIn(ctx, db, actor, groupID)
	if err != nil {
		return nil, err
	}
	if body, err = messageBody(body, 4000, "post.body.required", "post.body.too_long"); err != nil {
		return nil, err
	}
	p := &Post{GroupID: g.ID, AuthorID: &actor.ID, Body: body, Author: actor.Public()}
	if err := db.WithContext(ctx).Create(p).Error; err != nil {
		return nil, fmt.Errorf("create post: %w", err)
	}
	return p, nil
}

// CommentOnPost replies to a visible post (members).
func CommentOnPost(ctx context.Context, db *gorm.DB, actor *User, postID int64, body string) (*PostComment, error) {
	var p Post
	if err := db.WithContext(ctx).Where("hidden_at IS NULL").Take(&p, postID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("load post %d: %w", postID, err)
	}
	if _, err := groupToPostIn(ctx, db, actor, p.GroupID); err != nil {
		return nil, err
	}
	body, err := messageBody(body, 2000, "comment.body.required", "comment.body.too_long")
	if err != nil {
		return nil, err
	}
	c := &PostComment{PostID: p.ID, AuthorID: &actor.ID, Body: body, Author: actor.Public()}
	if err := db.WithContext(ctx).Create(c).Error; err != nil {
		return nil, fmt.Errorf("comment on post: %w", err)
	}
	return c, nil
}

// Posts returns a group's discussion, newest first, limit posts (at most 100) older than
// beforeID (0: the newest), each with its comments oldest first. Hidden posts and comments are
// left out, except for those who moderate the group, who see them marked.
func Posts(ctx context.Context, db *gorm.DB, viewer *User, groupID, beforeID int64, limit int) ([]Post, error) {
	g, err := GroupByID(ctx, db, viewer, groupID)
	if err != nil {
		return nil, err
	}
	if ok, err := CanReadGroupDiscussion(ctx, db, viewer, g); err != nil {
		return nil, err
	} else if !ok {
		return nil, ErrForbidden
	}
	moderator, err := CanModerate(ctx, db, viewer, g.NeighbourhoodID, g)
	if err != nil {
		return nil, err
	}
	q := db.WithContext(ctx).Where("group_id = ?", g.ID)
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if !moderator {
		q = q.Where("hidden_at IS NULL")
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var posts []Post
	if err := q.Order("id DESC").Limit(limit).Find(&posts).Error; err != nil {
		return nil, fmt.Errorf("list posts: %w", err)
	}
	postIDs := make([]int64, len(posts))
	for i := range posts {
		postIDs[i] = posts[i].ID
	}
	var comments []PostComment
	cq := db.WithContext(ctx).Where("post_id IN ?", postIDs)
	if !moderator {
		cq = cq.Where("hidden_at IS NULL")
	}
	if err := cq.Order("id").Find(&comments).Error; err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	ids := make([]*int64, 0, len(posts)+len(comments))
	for i := range posts {
		ids = append(ids, posts[i].AuthorID)
	}
	for i := range comments {
		ids = append(ids, comments[i].AuthorID)
	}
	authors, err := loadAuthors(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	byPost := map[int64][]PostComment{}
	for _, c := range comments {
		c.Author = author(authors, c.AuthorID)
		byPost[c.PostID] = append(byPost[c.PostID], c)
	}
	for i := range posts {
		posts[i].Author = author(authors, posts[i].AuthorID)
		posts[i].Comments = byPost[posts[i].ID]
	}
	return posts, nil
}

// CommentOnMeetup writes a comment on a meetup the actor may see.
func CommentOnMeetup(ctx context.Context, db *gorm.DB, actor *User, meetupID int64, body string) (*MeetupComment, error) {
	if actor == nil {
		return nil, ErrForbidden
	}
	m, err := MeetupByID(ctx, db, actor, meetupID)
	if err != nil {
		return nil, err
	}
	if body, err = messageBody(body, 2000, "comment.body.required", "comment.body.too_long"); err != nil {
		return nil, err
	}
	c := &MeetupComment{MeetupID: m.ID, AuthorID: &actor.ID, Body: body, Author: actor.Public()}
	if err := db.WithContext(ctx).Create(c).Error; err != nil {
		return nil, fmt.Errorf("comment on meetup: %w", err)
	}
	return c, nil
}

// MeetupComments lists a meetup's comments, oldest first (CanReadMeetupComments, and the viewer
// may see the meetup). Hidden comments are left out, except for those who moderate the meetup.
func MeetupComments(ctx context.Context, db *gorm.DB, viewer *User, meetupID int64) ([]MeetupComment, error) {
	if !CanReadMeetupComments(viewer) {
		return nil, ErrForbidden
	}
	m, err := MeetupByID(ctx, db, viewer, meetupID)
	if err != nil {
		return nil, err
	}
	g, err := groupOf(ctx, db, m)
	if err != nil {
		return nil, err
	}
	moderator, err := CanModerate(ctx, db, viewer, m.NeighbourhoodID, g)
	if err != nil {
		return nil, err
	}
	q := db.WithContext(ctx).Where("meetup_id = ?", m.ID)
	if !moderator {
		q = q.Where("hidden_at IS NULL")
	}
	var cs []MeetupComment
	if err := q.Order("id").Limit(1000).Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("list meetup comments: %w", err)
	}
	ids := make([]*int64, len(cs))
	for i := range cs {
		ids[i] = cs[i].AuthorID
	}
	authors, err := loadAuthors(ctx, db, ids)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		cs[i].Author = author(authors, cs[i].AuthorID)
	}
	return cs, nil
}

// loadAuthors returns the public face of each of the given authors.
func loadAuthors(ctx context.Context, db *gorm.DB, ids []*int64) (map[int64]PublicUser, error) {
	var want []int64
	for _, id := range ids {
		if id != nil {
			want = append(want, *id)
		}
	}
	out := make(map[int64]PublicUser, len(want))
	if len(want) == 0 {
		return out, nil
	}
	var users []User
	if err := db.WithContext(ctx).Where("id IN ?", want).Find(&users).Error; err != nil {
		return nil, fmt.Errorf("load authors: %w", err)
	}
	for i := range users {
		out[users[i].ID] = users[i].Public()
	}
	return out, nil
}

// author is the public face of an author; the zero PublicUser (shown as "former neighbour") for
// a deleted account.
func author(authors map[int64]PublicUser, id *int64) PublicUser {
	if id == nil {
		return PublicUser{}
	}
	return authors[*id]
}
