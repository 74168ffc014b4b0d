package models

import (
	"errors"
	"testing"
	"time"
)

func TestCheckingInRecordsTheShiftsHours(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	a, b, c := w.volunteer(t, "amir", w.volProfile()), w.volunteer(t, "bea", w.volProfile()), w.volunteer(t, "cas", w.volProfile())
	soon := time.Now().Add(20 * time.Minute).Truncate(time.Minute)
	d := w.need(t, "Tafels zetten", NewNeed{}, shiftAt(soon, 150, 2), shiftAt(soon.Add(72*time.Hour), 60, 2))
	now, later := d.Shifts[0].ID, d.Shifts[1].ID
	w.signUp(t, a, now)
	w.signUp(t, b, now)
	w.signUp(t, a, later)

	// "I'm here" on the phone.
	h, err := CheckInVolunteer(ctx, w.db, a, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	if h.Minutes != 150 || h.Status != HoursConfirmed || *h.Method != "self" || h.Source != "checkin" {
		t.Errorf("check-in %+v: want 150 confirmed minutes", h)
	}
	again, err := CheckInVolunteer(ctx, w.db, a, now, a.ID)
	if err != nil || again.ID != h.ID {
		t.Errorf("checking in twice: %v, %d and %d", err, again.ID, h.ID)
	}
	// The organiser's list.
	if h, err := CheckInVolunteer(ctx, w.db, w.worker, now, b.ID); err != nil || *h.Method != "list" || h.UserID != b.ID {
		t.Errorf("the organiser checks Bea in: %v %+v", err, h)
	}
	_, err = CheckInVolunteer(ctx, w.db, w.worker, now, c.ID)
	wantField(t, err, "hours.not_signed_up")
	_, err = CheckInVolunteer(ctx, w.db, c, now, 0)
	wantField(t, err, "hours.not_signed_up")
	if _, err := CheckInVolunteer(ctx, w.db, b, now, a.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("a volunteer checks in someone else: %v", err)
	}
	_, err = CheckInVolunteer(ctx, w.db, a, later, 0)
	wantField(t, err, "hours.checkin_not_open")

	mine, err := HoursOf(ctx, w.db, a)
	if err != nil || mine.ConfirmedMinutes != 150 || len(mine.Lines) != 1 || len(mine.Months) != 1 || mine.Months[0].Minutes != 150 {
		t.Errorf("Amir's hours: %v %+v", err, mine)
	}
}

func TestHoursLoggedAfterwardsWaitForTheOrganiser(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	a := w.volunteer(t, "amir", w.volProfile())
	d := w.need(t, "Tuin", NewNeed{}, shiftAt(w.weekdayAt(time.Saturday, 10, 0), 120, 2))
	past := w.pastShift(t, d.ID, time.Now().Add(-50*time.Hour), 120)
	w.db.Exec("INSERT INTO shift_signups (shift_id, user_id, status) VALUES (?, ?, 'signed_up')", past, a.ID)

	_, err := LogHours(ctx, w.db, a, past, HoursInput{Minutes: 2000})
	wantField(t, err, "hours.minutes.invalid")
	_, err = LogHours(ctx, w.db, a, d.Shifts[0].ID, HoursInput{})
	wantField(t, err, "hours.not_started")
	h, err := LogHours(ctx, w.db, a, past, HoursInput{Minutes: 90, Note: "Later begonnen"})
	if err != nil || h.Status != HoursPending || h.Minutes != 90 {
		t.Fatalf("logged: %v %+v", err, h)
	}
	if h, err = LogHours(ctx, w.db, a, past, HoursInput{}); err != nil || h.Minutes != 120 {
		t.Fatalf("logged again, the whole shift: %v %+v", err, h)
	}
	var told int64
	w.db.Raw("SELECT count(*) FROM notifications WHERE user_id = ? AND kind = 'hours_to_confirm'", w.worker.ID).Scan(&told)
	if told != 2 {
		t.Errorf("the organiser was told %d times, want 2", told)
	}
	waiting, err := HoursToConfirm(ctx, w.db, w.worker, d.ID)
	if err != nil || len(waiting) != 1 || waiting[0].DisplayName != "amir" {
		t.Fatalf("hours to confirm: %v %+v", err, waiting)
	}
	if _, err := DecideHours(ctx, w.db, a, h.ID, true); !errors.Is(err, ErrForbidden) {
		t.Errorf("confirming one's own hours: %v", err)
	}
	if h, err = DecideHours(ctx, w.db, w.worker, h.ID, true); err != nil || h.Status != HoursConfirmed {
		t.Fatalf("confirmed: %v %+v", err, h)
	}
	_, err = DecideHours(ctx, w.db, w.worker, h.ID, false)
	wantField(t, err, "hours.already_decided")
	_, err = LogHours(ctx, w.db, a, past, HoursInput{Minutes: 30})
	wantField(t, err, "hours.already_recorded")
	mine, err := HoursOf(ctx, w.db, a)
	if err != nil || mine.ConfirmedMinutes != 120 || mine.PendingMinutes != 0 {
		t.Errorf("Amir's hours: %v %+v", err, mine)
	}
}

func TestHoursPerNeighbourhoodAndMonthAreForItsWorkers(t *testing.T) {
	t.Parallel()
	w := newVolWorld(t)
	ctx := t.Context()
	a, b := w.volunteer(t, "amir", w.volProfile()), w.volunteer(t, "bea", w.volProfile())
	poort := testHood(t, w.db, "Brugse Poort")
	els := testPerson(t, w.db, "els", RoleWorker, poort)
	d := w.need(t, "Soep", NewNeed{}, shiftAt(w.weekdayAt(time.Friday, 12, 0), 60, 4))
	march := time.Date(2026, 3, 10, 12, 0, 0, 0, w.loc)
	w.pastShift(t, d.ID, march, 60, a, b)
	w.pastShift(t, d.ID, march.AddDate(0, 0, 7), 90, a)
	w.pastShift(t, d.ID, march.AddDate(0, 1, 0), 30, b)
	f := FiguresFilter{From: mustDate(t, "2026-01-01"), To: mustDate(t, "2026-06-30")}

	rows, err := HoursByMonth(ctx, w.db, w.worker, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Month != "2026-03" || rows[0].Volunteers != 2 || rows[0].Shifts != 2 || rows[0].Minutes != 210 ||
		rows[1].Month != "2026-04" || rows[1].Minutes != 30 || rows[1].Neighbourhood != "Rabot" {
		t.Errorf("hours per month: %+v", rows)
	}
	if rows, err := HoursByMonth(ctx, w.db, els, f); err != nil || len(rows) != 0 {
		t.Errorf("a worker of another neighbourhood sees %+v (%v)", rows, err)
	}
	f.NeighbourhoodID = w.hood
	if _, err := HoursByMonth(ctx, w.db, els, f); !errors.Is(err, ErrForbidden) {
		t.Errorf("a worker of another neighbourhood asks for Rabot: %v", err)
	}
	if _, err := HoursByMonth(ctx, w.db, w.ann, FiguresFilter{}); !errors.Is(err, ErrForbidden) {
		t.Errorf("a resident asks for figures: %v", err)
	}
	if rows, err := HoursByMonth(ctx, w.db, w.coord, f); err != nil || len(rows) != 2 {
		t.Errorf("the coordinator: %v %+v", err, rows)
	}

	w.signUp(t, a, d.Shifts[0].ID)
	cov, err := Coverage(ctx, w.db, w.worker, 0, time.Now(), time.Now().AddDate(0, 0, 30))
	if err != nil || len(cov) != 1 || cov[0].Places != 4 || cov[0].PlacesTaken != 1 || cov[0].FullShifts != 0 || cov[0].NextOpenShift == nil {
		t.Errorf("coverage: %v %+v", err, cov)
	}
}
