package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// NotificationKind says what a notification is about; the web layer words it per language.
type NotificationKind string

// The kinds of notification.
const (
	NotifyPromoted        NotificationKind = "waitlist_promoted"
	NotifyMeetupChanged   NotificationKind = "meetup_changed"
	NotifyMeetupCancelled NotificationKind = "meetup_cancelled"
	NotifyAnnouncement    NotificationKind = "meetup_announcement"
	NotifyJoinRequest     NotificationKind = "group_join_request"
	NotifyRequestAccepted NotificationKind = "group_request_accepted"
	NotifyRequestDeclined NotificationKind = "group_request_declined"
	NotifyInvitation      NotificationKind = "group_invitation"

	// Volunteering (issue 6): about a need (NeedID) and often one of its shifts (ShiftID).
	NotifyVolunteerInvited   NotificationKind = "volunteer_invited"
	NotifyInvitationAccepted NotificationKind = "invitation_accepted"
	NotifyInvitationDeclined NotificationKind = "invitation_declined"
	NotifyShiftChanged       NotificationKind = "shift_changed"
	NotifyShiftCancelled     NotificationKind = "shift_cancelled"
	NotifyNeedCancelled      NotificationKind = "need_cancelled"
	NotifyReservePromoted    NotificationKind = "reserve_promoted"
	NotifyHoursToConfirm     NotificationKind = "hours_to_confirm"
)

// Notification is one message for one person, with what it is about.
type Notification struct {
	ID        int64            `json:"id"`
	UserID    int64            `json:"-"`
	Kind      NotificationKind `json:"kind"`
	MeetupID  *int64           `json:"meetup_id,omitempty"`
	GroupID   *int64           `json:"group_id,omitempty"`
	NeedID    *int64           `json:"need_id,omitempty"`
	ShiftID   *int64           `json:"shift_id,omitempty"`
	ActorID   *int64           `json:"-"`
	Body      string           `json:"body,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	ReadAt    *time.Time       `json:"read_at,omitempty"`
	// Filled by Notifications for showing: the meetup's title and start, the group's name, and
	// the display name of who caused it.
	MeetupTitle string     `json:"meetup_title,omitempty" gorm:"->"`
	MeetupStart *time.Time `json:"meetup_starts_at,omitempty" gorm:"->"`
	GroupName   string     `json:"group_name,omitempty" gorm:"->"`
	ActorName   string     `json:"actor_name,omitempty" gorm:"->"`
	// The need's title and the shift's start, for the volunteering kinds.
	NeedTitle  string     `json:"need_title,omitempty" gorm:"->"`
	ShiftStart *time.Time `json:"shift_starts_at,omitempty" gorm:"->"`
}

// notification is what a domain change asks to be told, inside its own transaction.
type notification struct {
	kind     NotificationKind
	meetupID *int64
	groupID  *int64
	actorID  *int64
	body     string
}

// toUsers stores the notification for each user.
func (n notification) toUsers(tx *gorm.DB, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	err := tx.Exec(`INSERT INTO notifications (user_id, kind, meetup_id, group_id, actor_id, body)
		SELECT u, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::text FROM unnest(?::bigint[]) AS u
		WHERE u IS DISTINCT FROM ?::bigint`,
		n.kind, n.meetupID, n.groupID, n.actorID, n.body, int64Array(userIDs), n.actorID).Error
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.kind, err)
	}
	return nil
}

// toSignUps stores the notification for the people behind the given sign-ups, about each
// sign-up's meetup. Guests have no account to receive it; their private link shows the change.
func (n notification) toSignUps(tx *gorm.DB, rsvpIDs []int64) error {
	if len(rsvpIDs) == 0 {
		return nil
	}
	err := tx.Exec(`INSERT INTO notifications (user_id, kind, meetup_id, actor_id, body)
		SELECT user_id, ?::text, meetup_id, ?::bigint, ?::text FROM rsvps
		WHERE id = ANY(?::bigint[]) AND user_id IS NOT NULL AND user_id IS DISTINCT FROM ?::bigint`,
		n.kind, n.actorID, n.body, int64Array(rsvpIDs), n.actorID).Error
	if err != nil {
		return fmt.Errorf("notify %s: %w", n.kind, err)
	}
	return nil
}

// toOrganisers stores the notification for the organisers of its group.
func (n notification) toOrganisers(tx *gorm.DB) error {
	var ids []int64
	if err := tx.Raw("SELECT user_id FROM group_members WHERE group_id = ? AND role = 'organiser'", *n.groupID).Scan(&ids).Error; err != nil {
		return fmt.Errorf("notify %s: %w", n.kind, err)
	}
	return n.toUsers(tx, ids)
}

// changedForAttendees says whether a change to a meetup is one its attendees must hear about:
// another time or another place.
func changedForAttendees(before, after *Meetup) bool {
	return !before.StartsAt.Equal(after.StartsAt) || !before.EndsAt.Equal(after.EndsAt) ||
		before.Place.Name != after.Place.Name || before.Place.Address != after.Place.Address ||
		!equalPtr(before.OnlineURL, after.OnlineURL)
}

func equalPtr[T comparable](a, b *T) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// int64Array is a PostgreSQL array literal of ids.
func int64Array(ids []int64) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, id)
	}
	b.WriteByte('}')
	return b.String()
}

// Notifications lists a person's notifications, newest first, at most limit (default 50).
func Notifications(ctx context.Context, db *gorm.DB, userID int64, limit int) ([]Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Notification
	err := db.WithContext(ctx).Table("notifications AS n").
		Select(`n.*, COALESCE(m.title, '') AS meetup_title, m.starts_at AS meetup_start,
			COALESCE(g.name, '') AS group_name, COALESCE(a.display_name, '') AS actor_name,
			COALESCE(nd.title, '') AS need_title, sh.starts_at AS shift_start`).
		Joins("LEFT JOIN meetups m ON m.id = n.meetup_id").
		Joins("LEFT JOIN groups g ON g.id = COALESCE(n.group_id, m.group_id)").
		Joins("LEFT JOIN users a ON a.id = n.actor_id").
		Joins("LEFT JOIN needs nd ON nd.id = n.need_id LEFT JOIN shifts sh ON sh.id = n.shift_id").
		Where("n.user_id = ?", userID).Order("n.id DESC").Limit(limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	return out, nil
}

// UnreadNotifications counts what a person has not seen yet (the badge).
func UnreadNotifications(ctx context.Context, db *gorm.DB, userID int64) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Raw("SELECT count(*) FROM notifications WHERE user_id = ? AND read_at IS NULL", userID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count notifications: %w", err)
	}
	return n, nil
}

// MarkNotificationsRead marks a person's notifications up to and including upToID as read
// (all of them when upToID is 0), so one arriving while they read stays unread.
func MarkNotificationsRead(ctx context.Context, db *gorm.DB, userID, upToID int64) error {
	q := db.WithContext(ctx).Exec(`UPDATE notifications SET read_at = now()
		WHERE user_id = ? AND read_at IS NULL AND (? = 0 OR id <= ?)`, userID, upToID, upToID)
	if q.Error != nil {
		return fmt.Errorf("mark notifications read: %w", q.Error)
	}
	return nil
}

// Announce sends an organiser's message to everyone signed up for a meetup (going or on the
// waitlist) who has an account. It returns how many people it reached.
func Announce(ctx context.Context, db *gorm.DB, actor *User, meetupID int64, body string) (int64, error) {
	m, err := organisedMeetup(ctx, db, actor, meetupID)
	if err != nil {
		return 0, err
	}
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n == 0 {
		return 0, FieldErrors{"body": "announcement.body.required"}
	} else if n > 2000 {
		return 0, FieldErrors{"body": "announcement.body.too_long"}
	}
	res := db.WithContext(ctx).Exec(`INSERT INTO notifications (user_id, kind, meetup_id, actor_id, body)
		SELECT user_id, ?::text, meetup_id, ?::bigint, ?::text FROM rsvps
		WHERE meetup_id = ? AND status IN ('going', 'waitlisted') AND user_id IS NOT NULL AND user_id <> ?`,
		NotifyAnnouncement, actor.ID, body, m.ID, actor.ID)
	if res.Error != nil {
		return 0, fmt.Errorf("announce to meetup %d: %w", m.ID, res.Error)
	}
	return res.RowsAffected, nil
}
