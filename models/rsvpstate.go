package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// RSVPsOf returns a person's sign-ups for the given meetups, by meetup id, each with its waitlist
// position: one query for a whole agenda, so a list of meetups can show "going" or "waitlisted,
// number 3" on every line.
func RSVPsOf(ctx context.Context, db *gorm.DB, userID int64, meetupIDs []int64) (map[int64]RSVPResult, error) {
	out := make(map[int64]RSVPResult, len(meetupIDs))
	if len(meetupIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		RSVP
		Position int
	}
	err := db.WithContext(ctx).Raw(`SELECT r.*, CASE WHEN r.status = 'waitlisted' THEN
			(SELECT count(*) FROM rsvps w WHERE w.meetup_id = r.meetup_id AND w.status = 'waitlisted' AND w.arrival <= r.arrival)
			ELSE 0 END AS position
		FROM rsvps r WHERE r.user_id = ? AND r.meetup_id IN ?`, userID, meetupIDs).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list sign-ups of user %d: %w", userID, err)
	}
	for _, r := range rows {
		out[r.MeetupID] = RSVPResult{RSVP: r.RSVP, Position: r.Position}
	}
	return out, nil
}
