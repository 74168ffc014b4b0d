package models

import (
	"errors"
	"testing"
	"time"
)

func TestIssueSigninCodeForChecksWhoAsks(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	rabot, poort := testHood(t, db, "Rabot"), testHood(t, db, "Brugse Poort")
	mireille := testPerson(t, db, "mireille", RoleResident, rabot)
	own := testPerson(t, db, "youssef", RoleWorker, rabot)
	other := testPerson(t, db, "els", RoleWorker, poort)
	jan := testPerson(t, db, "jan", RoleResident, rabot)
	for _, actor := range []*User{other, jan, nil} {
		if _, _, _, err := IssueSigninCodeFor(t.Context(), db, actor, mireille.ID); !errors.Is(err, ErrForbidden) {
			t.Errorf("%v issues a code: %v", actor, err)
		}
	}
	if _, _, _, err := IssueSigninCodeFor(t.Context(), db, own, other.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("code for a worker: %v", err)
	}
	if _, _, _, err := IssueSigninCodeFor(t.Context(), db, own, 999999); !errors.Is(err, ErrNotFound) {
		t.Errorf("code for nobody: %v", err)
	}
	target, code, expires, err := IssueSigninCodeFor(t.Context(), db, own, mireille.ID)
	if err != nil || target.ID != mireille.ID || len(code) != 9 || time.Until(expires) < SigninCodeTTL-time.Minute {
		t.Fatalf("issue = %v %q %v %v", target, code, expires, err)
	}
	u, err := RedeemSigninCode(t.Context(), db, code)
	if err != nil || u.ID != mireille.ID {
		t.Fatalf("redeem = %v %v", u, err)
	}
	if _, err := RedeemSigninCode(t.Context(), db, code); !errors.Is(err, ErrCodeInvalid) {
		t.Fatalf("second redeem = %v", err)
	}
}

func TestOnlyACodeSessionMayChooseANewPasswordWithoutTheOldOne(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	hood := testHood(t, db, "Rabot")
	worker := testPerson(t, db, "youssef", RoleWorker, hood)
	jan := testPerson(t, db, "jan", RoleResident, hood)

	// No password yet: choosing one is always fine.
	_, plain, err := NewSession(t.Context(), db, jan.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CanChooseNewPassword(t.Context(), db, jan, plain); !ok || err != nil {
		t.Fatalf("account without password: %v %v", ok, err)
	}
	if err := SetPassword(t.Context(), db, jan.ID, "een lange zin om te onthouden"); err != nil {
		t.Fatal(err)
	}
	if jan, err = UserByID(t.Context(), db, jan.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := CanChooseNewPassword(t.Context(), db, jan, plain); ok {
		t.Fatal("an ordinary session may replace the password")
	}

	code, _, err := IssueSigninCode(t.Context(), db, jan.ID, worker.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RedeemSigninCode(t.Context(), db, code); err != nil {
		t.Fatal(err)
	}
	_, viaCode, err := NewSession(t.Context(), db, jan.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := CanChooseNewPassword(t.Context(), db, jan, viaCode); !ok || err != nil {
		t.Fatalf("fresh code session: %v %v", ok, err)
	}
	if ok, _ := CanChooseNewPassword(t.Context(), db, worker, viaCode); ok {
		t.Fatal("someone else's session counts")
	}
	viaCode.CreatedAt = viaCode.CreatedAt.Add(-CodeSessionWindow - time.Minute)
	if ok, _ := CanChooseNewPassword(t.Context(), db, jan, viaCode); ok {
		t.Fatal("an old code session still may")
	}
}
