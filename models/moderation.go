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

// ContentKind names what can be reported and hidden.
type ContentKind string

// The kinds of content.
const (
	ContentPost          ContentKind = "post"
	ContentPostComment   ContentKind = "post_comment"
	ContentMeetup        ContentKind = "meetup"
	ContentMeetupComment ContentKind = "meetup_comment"
)

// table is where content of kind k lives.
func (k ContentKind) table() (string, bool) {
	t, ok := map[ContentKind]string{ContentPost: "group_posts", ContentPostComment: "group_post_comments",
		ContentMeetup: "meetups", ContentMeetupComment: "meetup_comments"}[k]
	return t, ok
}

// Report is someone telling moderators about a post, comment or meetup.
type Report struct {
	ID              int64      `json:"id"`
	NeighbourhoodID int64      `json:"neighbourhood_id"`
	GroupID         *int64     `json:"group_id"`
	PostID          *int64     `json:"post_id,omitempty"`
	PostCommentID   *int64     `json:"post_comment_id,omitempty"`
	MeetupID        *int64     `json:"meetup_id,omitempty"`
	MeetupCommentID *int64     `json:"meetup_comment_id,omitempty"`
	ReporterID      *int64     `json:"-"`
	Reason          string     `json:"reason"`
	CreatedAt       time.Time  `json:"created_at"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	ResolvedBy      *int64     `json:"-"`
	Resolution      *string    `json:"resolution,omitempty"`
}

// TableName is the table of reports.
func (Report) TableName() string { return "content_reports" }

// Target is what the report is about.
func (r *Report) Target() (ContentKind, int64) {
	switch {
	case r.PostID != nil:
		return ContentPost, *r.PostID
	case r.PostCommentID != nil:
		return ContentPostComment, *r.PostCommentID
	case r.MeetupID != nil:
		return ContentMeetup, *r.MeetupID
	case r.MeetupCommentID != nil:
		return ContentMeetupComment, *r.MeetupCommentID
	}
	return "", 0
}

// targetColumn is the report column that refers to content of kind k.
func targetColumn(k ContentKind) string { return string(k) + "_id" }

// content is a piece of content and where it lives.
type content struct {
	kind            ContentKind
	id              int64
	neighbourhoodID int64
	group           *Group
}

// locate finds content the viewer may see, and its neighbourhood and group.
func locate(ctx context.Context, db *gorm.DB, viewer *User, kind ContentKind, id int64) (*content, error) {
	c := &content{kind: kind, id: id}
	var groupID, meetupID int64
	switch kind {
	case ContentPost:
		if err := db.WithContext(ctx).Model(&Post{}).Where("id = ?", id).Pluck("group_id", &groupID).Error; err != nil || groupID == 0 {
			return nil, notFoundOr(err)
		}
	case ContentPostComment:
		err := db.WithContext(ctx).Raw("SELECT p.group_id FROM group_post_comments c JOIN group_posts p ON p.id = c.post_id WHERE c.id = ?", id).
			Scan(&groupID).Error
		if err != nil || groupID == 0 {
			return nil, notFoundOr(err)
		}
	case ContentMeetup:
		meetupID = id
	case ContentMeetupComment:
		if err := db.WithContext(ctx).Model(&MeetupComment{}).Where("id = ?", id).Pluck("meetup_id", &meetupID).Error; err != nil || meetupID == 0 {
			return nil, notFoundOr(err)
		}
	default:
		return nil, FieldErrors{"kind": "report.kind.invalid"}
	}
	if groupID != 0 {
		g, err := GroupByID(ctx, db, viewer, groupID)
		if err != nil {
			return nil, err
		}
		if ok, err := CanReadGroupDiscussion(ctx, db, viewer, g); err != nil || !ok {
			return nil, notFoundOr(err)
		}
		c.neighbourhoodID, c.group = g.NeighbourhoodID, g
		return c, nil
	}
	m, err := MeetupByID(ctx, db, viewer, meetupID)
	if err != nil {
		return nil, err
	}
	c.neighbourhoodID = m.NeighbourhoodID
	c.group, err = groupOf(ctx, db, m)
	return c, err
}

func notFoundOr(err error) error {
	if err != nil {
		return fmt.Errorf("locate content: %w", err)
	}
	return ErrNotFound
}

// ReportContent tells the moderators about a post, comment or meetup the reporter may see, with a
// reason. reporter may be nil (someone not signed in, for a public meetup). The same person
// reporting the same thing twice while the first report is open is refused.
func ReportContent(ctx context.Context, db *gorm.DB, reporter *User, kind ContentKind, id int64, reason string) (*Report, error) {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n == 0 {
		return nil, FieldErrors{"reason": "report.reason.required"}
	} else if n > 1000 {
		return nil, FieldErrors{"reason": "report.reason.too_long"}
	}
	c, err := locate(ctx, db, reporter, kind, id)
	if err != nil {
		return nil, err
	}
	r := &Report{NeighbourhoodID: c.neighbourhoodID, ReporterID: actorID(reporter), Reason: reason}
	if c.group != nil {
		r.GroupID = &c.group.ID
	}
	switch kind {
	case ContentPost:
		r.PostID = &id
	case ContentPostComment:
		r.PostCommentID = &id
	case ContentMeetup:
		r.MeetupID = &id
	case ContentMeetupComment:
		r.MeetupCommentID = &id
	}
	err = db.WithContext(ctx).Create(r).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, FieldErrors{"reason": "report.already"}
	}
	if err != nil {
		return nil, fmt.Errorf("report content: %w", err)
	}
	return r, nil
}

// OpenReports lists the open reports of a neighbourhood the viewer may act on, oldest first.
func OpenReports(ctx context.Context, db *gorm.DB, viewer *User, neighbourhoodID int64) ([]Report, error) {
	var rs []Report
	err := db.WithContext(ctx).Scopes(ReportsVisibleTo(viewer)).
		Where("content_reports.neighbourhood_id = ? AND content_reports.resolved_at IS NULL", neighbourhoodID).
		Order("content_reports.id").Find(&rs).Error
	if err != nil {
		return nil, fmt.Errorf("list reports: %w", err)
	}
	return rs, nil
}

// DismissReport closes a report without hiding anything.
func DismissReport(ctx context.Context, db *gorm.DB, actor *User, reportID int64) error {
	res := db.WithContext(ctx).Model(&Report{}).Scopes(ReportsVisibleTo(actor)).
		Where("content_reports.id = ? AND content_reports.resolved_at IS NULL", reportID).
		Updates(map[string]any{"resolved_at": time.Now(), "resolved_by": actor.ID, "resolution": "dismissed"})
	if res.Error != nil {
		return fmt.Errorf("dismiss report: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// HideContent hides a post, comment or meetup with a reason (CanModerate). It stays in the
// database with who hid it and why, and its open reports are closed.
func HideContent(ctx context.Context, db *gorm.DB, actor *User, kind ContentKind, id int64, reason string) error {
	c, err := moderated(ctx, db, actor, kind, id)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n == 0 {
		return FieldErrors{"reason": "moderation.reason.required"}
	} else if n > 500 {
		return FieldErrors{"reason": "moderation.reason.too_long"}
	}
	table, _ := kind.table()
	now := time.Now()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Table(table).Where("id = ? AND hidden_at IS NULL", c.id).
			Updates(map[string]any{"hidden_at": now, "hidden_by": actor.ID, "hidden_reason": reason}).Error; err != nil {
			return err
		}
		return tx.Model(&Report{}).Where(targetColumn(kind)+" = ? AND resolved_at IS NULL", c.id).
			Updates(map[string]any{"resolved_at": now, "resolved_by": actor.ID, "resolution": "hidden"}).Error
	})
	if err != nil {
		return fmt.Errorf("hide content: %w", err)
	}
	return nil
}

// UnhideContent shows hidden content again (CanModerate).
func UnhideContent(ctx context.Context, db *gorm.DB, actor *User, kind ContentKind, id int64) error {
	c, err := moderated(ctx, db, actor, kind, id)
	if err != nil {
		return err
	}
	table, _ := kind.table()
	if err := db.WithContext(ctx).Table(table).Where("id = ?", c.id).
		Updates(map[string]any{"hidden_at": nil, "hidden_by": nil, "hidden_reason": nil}).Error; err != nil {
		return fmt.Errorf("unhide content: %w", err)
	}
	return nil
}

// moderated locates content the actor may moderate.
func moderated(ctx context.Context, db *gorm.DB, actor *User, kind ContentKind, id int64) (*content, error) {
	if _, ok := kind.table(); !ok {
		return nil, FieldErrors{"kind": "report.kind.invalid"}
	}
	c, err := locate(ctx, db, actor, kind, id)
	if err != nil {
		return nil, err
	}
	ok, err := CanModerate(ctx, db, actor, c.neighbourhoodID, c.group)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrForbidden
	}
	return c, nil
}
