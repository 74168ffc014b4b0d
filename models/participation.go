package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ParticipationExport is what Nabij holds about a person's part in groups and meetups, for the
// download of their own data.
type ParticipationExport struct {
	Groups       []exportRow `json:"groups"`
	JoinRequests []exportRow `json:"join_requests"`
	Invitations  []exportRow `json:"invitations"`
	SignUps      []exportRow `json:"meetup_sign_ups"`
	CheckIns     []exportRow `json:"check_ins"`
	Posts        []exportRow `json:"group_posts"`
	Comments     []exportRow `json:"comments"`
	Reports      []exportRow `json:"reports"`
}

// ExportParticipation gathers a person's memberships, requests, invitations, sign-ups,
// check-ins, posts, comments and reports. Others' names are left out.
func ExportParticipation(ctx context.Context, db *gorm.DB, userID int64) (*ParticipationExport, error) {
	e := &ParticipationExport{}
	for _, q := range []struct {
		into *[]exportRow
		sql  string
	}{
		{&e.Groups, `SELECT g.id, g.name, m.role, m.created_at AS since FROM group_members m JOIN groups g ON g.id = m.group_id
			WHERE m.user_id = @user ORDER BY g.id`},
		{&e.JoinRequests, `SELECT r.group_id, g.name AS group_name, r.message, r.status, r.answer, r.created_at, r.decided_at
			FROM group_join_requests r JOIN groups g ON g.id = r.group_id WHERE r.user_id = @user ORDER BY r.id`},
		{&e.Invitations, `SELECT i.group_id, g.name AS group_name, i.status, i.created_at, i.answered_at
			FROM group_invitations i JOIN groups g ON g.id = i.group_id WHERE i.user_id = @user ORDER BY i.id`},
		{&e.SignUps, `SELECT r.meetup_id, m.title, m.starts_at, r.status, r.companions, r.signed_up_by AS signed_up_by_user_id,
			r.promoted_at, r.created_at FROM rsvps r JOIN meetups m ON m.id = r.meetup_id WHERE r.user_id = @user ORDER BY r.id`},
		{&e.CheckIns, `SELECT c.meetup_id, m.title, c.companions, c.method, c.created_at FROM checkins c JOIN meetups m ON m.id = c.meetup_id
			WHERE c.user_id = @user ORDER BY c.id`},
		{&e.Posts, `SELECT id, group_id, body, created_at, hidden_at FROM group_posts WHERE author_id = @user ORDER BY id`},
		{&e.Comments, `SELECT 'post' AS on_kind, post_id AS on_id, body, created_at, hidden_at FROM group_post_comments WHERE author_id = @user
			UNION ALL SELECT 'meetup', meetup_id, body, created_at, hidden_at FROM meetup_comments WHERE author_id = @user
			ORDER BY created_at`},
		{&e.Reports, `SELECT COALESCE(post_id, post_comment_id, meetup_id, meetup_comment_id) AS content_id,
			CASE WHEN post_id IS NOT NULL THEN 'post' WHEN post_comment_id IS NOT NULL THEN 'post_comment'
				WHEN meetup_id IS NOT NULL THEN 'meetup' ELSE 'meetup_comment' END AS content_kind,
			reason, created_at, resolution FROM content_reports WHERE reporter_id = @user ORDER BY id`},
	} {
		rows := []map[string]any{}
		if err := db.WithContext(ctx).Raw(q.sql, map[string]any{"user": userID}).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("export participation: %w", err)
		}
		*q.into = make([]exportRow, len(rows))
		for i, r := range rows {
			(*q.into)[i] = r
		}
	}
	return e, nil
}

// ForgetParticipation is the groups-and-meetups part of deleting an account; call it in the
// deleting transaction. It ends the person's memberships (where they were the last organiser, the
// longest-standing other member takes over; a group left without members gets as organiser whoever
// joins next, and coordinators still manage it), their requests, invitations and calendar feed, and
// their sign-ups for meetups that have not ended, so their places go to the waitlist (the
// promoted are notified in the same transaction). It returns the promoted sign-ups. What they wrote, and past sign-ups and
// check-ins, stay for the figures, shown as a former neighbour.
func ForgetParticipation(ctx context.Context, tx *gorm.DB, userID int64) ([]int64, error) {
	tx = tx.WithContext(ctx)
	var groupIDs []int64
	if err := tx.Model(&GroupMemberRow{}).Where("user_id = ?", userID).Order("group_id").Pluck("group_id", &groupIDs).Error; err != nil {
		return nil, fmt.Errorf("list memberships: %w", err)
	}
	for _, gid := range groupIDs {
		if _, err := lockGroup(tx, gid); err != nil {
			return nil, fmt.Errorf("lock group %d: %w", gid, err)
		}
		err := tx.Exec(`UPDATE group_members SET role = 'organiser'
			WHERE group_id = @group AND NOT EXISTS (SELECT 1 FROM group_members o WHERE o.group_id = @group AND o.role = 'organiser' AND o.user_id <> @user)
			AND user_id = (SELECT user_id FROM group_members WHERE group_id = @group AND user_id <> @user ORDER BY created_at, user_id LIMIT 1)`,
			map[string]any{"group": gid, "user": userID}).Error
		if err != nil {
			return nil, fmt.Errorf("hand over group %d: %w", gid, err)
		}
		if err := tx.Where("group_id = ? AND user_id = ?", gid, userID).Delete(&GroupMemberRow{}).Error; err != nil {
			return nil, fmt.Errorf("leave group %d: %w", gid, err)
		}
	}
	for _, q := range []string{
		"DELETE FROM group_join_requests WHERE user_id = ?",
		"DELETE FROM group_invitations WHERE user_id = ?",
		"DELETE FROM calendar_tokens WHERE user_id = ?",
	} {
		if err := tx.Exec(q, userID).Error; err != nil {
			return nil, fmt.Errorf("forget participation: %w", err)
		}
	}
	var upcoming []RSVP
	err := tx.Where("user_id = ? AND status <> 'not_going' AND meetup_id IN (SELECT id FROM meetups WHERE ends_at > ? AND status <> 'cancelled')",
		userID, time.Now()).Order("meetup_id").Find(&upcoming).Error
	if err != nil {
		return nil, fmt.Errorf("list upcoming sign-ups: %w", err)
	}
	var promoted []int64
	for _, r := range upcoming {
		if _, err := lockMeetup(tx, r.MeetupID); err != nil {
			return nil, fmt.Errorf("lock meetup %d: %w", r.MeetupID, err)
		}
		if err := tx.Model(&r).Updates(map[string]any{"status": RSVPNotGoing, "updated_at": time.Now()}).Error; err != nil {
			return nil, fmt.Errorf("cancel sign-up %d: %w", r.ID, err)
		}
		ids, err := promote(tx, r.MeetupID)
		if err != nil {
			return nil, fmt.Errorf("fill freed places: %w", err)
		}
		promoted = append(promoted, ids...)
	}
	return promoted, nil
}
