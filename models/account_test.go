package models

import (
	"errors"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"nabij/server/testdb"
)

// openTestDB connects GORM to a fresh, migrated database of this test's own, configured as the
// server does.
func openTestDB(t *testing.T) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(testdb.DSN(t)), &gorm.Config{TranslateError: true, SkipDefaultTransaction: true,
		Logger: logger.Discard, NowFunc: func() time.Time { return time.Now().UTC() }})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	return db
}

// testPerson stores an account with a role, a username and optionally a home neighbourhood.
func testPerson(t *testing.T, db *gorm.DB, name string, role Role, hood int64) *User {
	t.Helper()
	u := &User{DisplayName: &name, Username: &name, Role: role, Language: "nl"}
	if hood != 0 {
		u.HomeNeighbourhoodID = &hood
	}
	if err := db.Create(u).Error; err != nil {
		t.Fatal(err)
	}
	if role == RoleWorker && hood != 0 {
		if err := AssignWorker(t.Context(), db, hood, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func testHood(t *testing.T, db *gorm.DB, name string) int64 {
	t.Helper()
	muni := "Gent"
	n, err := CreateNeighbourhood(t.Context(), db, NeighbourhoodInput{Name: &name, Municipality: &muni})
	if err != nil {
		t.Fatal(err)
	}
	return n.ID
}

func TestResidentsForListsWhomAWorkerMayHandACode(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	rabot, poort := testHood(t, db, "Rabot"), testHood(t, db, "Brugse Poort")
	worker := testPerson(t, db, "youssef", RoleWorker, rabot)
	testPerson(t, db, "mireille", RoleResident, rabot)
	testPerson(t, db, "tomas", RoleResident, poort)
	rows, err := ResidentsFor(t.Context(), db, worker)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].DisplayName != "mireille" || rows[0].Neighbourhood != "Rabot" || rows[0].RegisteredByMe {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestAccountsIsForCoordinatorsAndShowsNoPrivateDetails(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	boss := testPerson(t, db, "sanne", RoleCoordinator, 0)
	worker := testPerson(t, db, "youssef", RoleWorker, testHood(t, db, "Rabot"))
	testPerson(t, db, "jan", RoleResident, 0)
	if _, err := Accounts(t.Context(), db, worker); !errors.Is(err, ErrForbidden) {
		t.Fatalf("worker lists accounts: %v", err)
	}
	rows, err := Accounts(t.Context(), db, boss)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Role != RoleCoordinator || rows[1].Role != RoleWorker || rows[2].DisplayName != "jan" {
		t.Fatalf("rows = %+v", rows)
	}
}

func TestDeleteOwnAccountNeedsThePasswordAndKeepsACoordinator(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	hash, err := HashPassword("een lange zin om te onthouden")
	if err != nil {
		t.Fatal(err)
	}
	boss := testPerson(t, db, "sanne", RoleCoordinator, 0)
	boss.PasswordHash = &hash
	var fe FieldErrors
	if err := DeleteOwnAccount(t.Context(), db, boss, "fout"); !errors.As(err, &fe) || fe["password"] != "user.password.wrong" {
		t.Fatalf("wrong password: %v", err)
	}
	if err := DeleteOwnAccount(t.Context(), db, boss, "een lange zin om te onthouden"); !errors.Is(err, ErrLastCoordinator) {
		t.Fatalf("last coordinator: %v", err)
	}
	testPerson(t, db, "els", RoleCoordinator, 0)
	if err := DeleteOwnAccount(t.Context(), db, boss, "een lange zin om te onthouden"); err != nil {
		t.Fatal(err)
	}
	if _, err := UserByID(t.Context(), db, boss.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted account still loads: %v", err)
	}
	noPassword := testPerson(t, db, "jan", RoleResident, 0)
	if err := DeleteOwnAccount(t.Context(), db, noPassword, ""); err != nil {
		t.Fatalf("account without password: %v", err)
	}
}
