package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// This file is the one place that says who may do what. Handlers ask here and nowhere decide
// on their own; the tests in permission_test.go try every forbidden path.

// CanManageNeighbourhoods: creating and editing neighbourhoods and assigning workers is for
// coordinators.
func CanManageNeighbourhoods(u *User) bool { return u != nil && u.Role == RoleCoordinator }

// CanChangeRoles: only coordinators promote or demote people.
func CanChangeRoles(u *User) bool { return u != nil && u.Role == RoleCoordinator }

// CanRegisterOnBehalf: community workers (and coordinators) create accounts for residents.
func CanRegisterOnBehalf(u *User) bool {
	return u != nil && (u.Role == RoleWorker || u.Role == RoleCoordinator)
}

// CanManageJoinCode: a neighbourhood's own workers and coordinators print and rotate its code.
func CanManageJoinCode(ctx context.Context, db *gorm.DB, u *User, neighbourhoodID int64) (bool, error) {
	if u == nil || u.Role == RoleResident {
		return false, nil
	}
	if u.Role == RoleCoordinator {
		return true, nil
	}
	return WorksIn(ctx, db, u.ID, neighbourhoodID)
}

// CanIssueSigninCode: a code signs in as its person, so only a worker who registered the resident,
// or works in the resident's home neighbourhood, or a coordinator may make one; and never for a
// worker's or coordinator's account, which must not be taken over with a code.
func CanIssueSigninCode(ctx context.Context, db *gorm.DB, actor, target *User) (bool, error) {
	if !CanRegisterOnBehalf(actor) || target == nil || target.Role != RoleResident || target.ID == actor.ID {
		return false, nil
	}
	if actor.Role == RoleCoordinator || (target.RegisteredBy != nil && *target.RegisteredBy == actor.ID) {
		return true, nil
	}
	if target.HomeNeighbourhoodID == nil {
		return false, nil
	}
	ok, err := WorksIn(ctx, db, actor.ID, *target.HomeNeighbourhoodID)
	if err != nil {
		return false, fmt.Errorf("check worker of neighbourhood: %w", err)
	}
	return ok, nil
}

// CanChooseNewPassword: setting a password without typing the current one is for an account that
// has none, or for someone who has just signed in with a code from their worker (because they
// forgot it). Anyone else with a stolen session cannot lock the owner out this way.
func CanChooseNewPassword(ctx context.Context, db *gorm.DB, u *User, s *Session) (bool, error) {
	if u == nil || s == nil || s.UserID != u.ID {
		return false, nil
	}
	if u.PasswordHash == nil {
		return true, nil
	}
	return sessionStartedWithCode(ctx, db, s)
}
