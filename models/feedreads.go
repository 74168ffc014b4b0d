package models

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Small reads for the door check-in page, the personal calendar feed and its subscribe page.
// They only ever read a person's own rows.

// CheckinOf returns the person's check-in for a meetup, or ErrNotFound when they have none.
func CheckinOf(ctx context.Context, db *gorm.DB, meetupID, userID int64) (*Checkin, error) {
	var c Checkin
	err := db.WithContext(ctx).Where("meetup_id = ? AND user_id = ?", meetupID, userID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load check-in: %w", err)
	}
	return &c, nil
}

// LiveCalendarToken returns the person's calendar feed token that still works (without its
// secret, of which only the hash is kept), or ErrNotFound.
func LiveCalendarToken(ctx context.Context, db *gorm.DB, userID int64) (*CalendarToken, error) {
	var t CalendarToken
	err := db.WithContext(ctx).Where("user_id = ? AND revoked_at IS NULL", userID).Order("created_at DESC").Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load calendar token: %w", err)
	}
	return &t, nil
}
