package models

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

// Live updates: every change others should see is written to the events table, in the change's
// own transaction, by the triggers of migrations/0005_events.sql, so no code path can forget one
// and none that rolls back is announced. The realtime package sends them to websocket clients;
// this file decides who may receive which topic, with the same rules as the pages.

// TopicKind is what a topic is about.
type TopicKind string

// The kinds of topic. Attendance is the organiser's list of who comes, by name; the meetup's own
// topic carries no names of people signing up.
const (
	TopicNeighbourhood TopicKind = "neighbourhood"
	TopicGroup         TopicKind = "group"
	TopicMeetup        TopicKind = "meetup"
	TopicAttendance    TopicKind = "attendance"
	TopicUser          TopicKind = "user"
	// TopicNeed is a need's shifts and places filled (no names), for who may see the need.
	TopicNeed TopicKind = "need"
)

// ErrUnknownTopic means a topic is not one of neighbourhood:{id}, group:{id}, meetup:{id},
// meetup:{id}:attendance, user:{id} or need:{id}.
var ErrUnknownTopic = errors.New("unknown topic")

// ParseTopic splits a topic into its kind and id.
func ParseTopic(topic string) (TopicKind, int64, error) {
	kind, rest, _ := strings.Cut(topic, ":")
	idText, sub, hasSub := strings.Cut(rest, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != idText {
		return "", 0, ErrUnknownTopic
	}
	switch k := TopicKind(kind); {
	case k == TopicMeetup && hasSub && sub == "attendance":
		return TopicAttendance, id, nil
	case hasSub:
		return "", 0, ErrUnknownTopic
	case k == TopicNeighbourhood, k == TopicGroup, k == TopicMeetup, k == TopicUser, k == TopicNeed:
		return k, id, nil
	}
	return "", 0, ErrUnknownTopic
}

// CanSubscribe says whether u may receive a topic's live updates: the events of a neighbourhood
// (its public meetups) for everyone signed in; of a group for those who may see the group, and of
// a private group for its members only (not those merely invited); of a meetup for those who may
// see the meetup; of its attendance list for those who organise it; of a person for that person;
// of a need for those who may see the need.
// Nobody who is not signed in: meetups' topics carry comments with display names. A topic that
// does not exist is refused like one the person may not see.
func CanSubscribe(ctx context.Context, db *gorm.DB, u *User, topic string) (bool, error) {
	kind, id, err := ParseTopic(topic)
	if err != nil {
		return false, err
	}
	if u == nil {
		return false, nil
	}
	switch kind {
	case TopicUser:
		return id == u.ID, nil
	case TopicNeighbourhood:
		_, err := NeighbourhoodByID(ctx, db, id)
		return found(err)
	case TopicGroup:
		return canSubscribeToGroup(ctx, db, u, id)
	case TopicNeed:
		_, err := NeedByID(ctx, db, u, id)
		return found(err)
	}
	m, err := MeetupByID(ctx, db, u, id)
	if ok, err := found(err); !ok || kind == TopicMeetup {
		return ok, err
	}
	return CanOrganiseMeetup(ctx, db, u, m)
}

func canSubscribeToGroup(ctx context.Context, db *gorm.DB, u *User, id int64) (bool, error) {
	g, err := GroupByID(ctx, db, u, id)
	if ok, err := found(err); !ok {
		return false, err
	}
	if g.Membership != MembershipPrivate || u.Role == RoleCoordinator {
		return true, nil
	}
	role, err := GroupRoleOf(ctx, db, g.ID, u.ID)
	if err != nil {
		return false, fmt.Errorf("check membership: %w", err)
	}
	return role != "", nil
}

// found turns a load's error into "exists and visible".
func found(err error) (bool, error) {
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
